// The handshake key check (base64 of exactly 16 bytes) and the scanner of client frames
// (RFC 6455 §5.2 framing).
#include "transport/rfc6455.hpp"

#include <algorithm>
#include <iterator>

#include "base/base64.hpp"

namespace scenehost::transport {

bool is_valid_websocket_key(std::string_view key) {
    const auto bytes = base::decode_base64(key);
    return bytes.has_value() && bytes->size() == 16;
}

size_t ClientFrameScanner::scan(uint8_t *data, size_t size) {
    size_t i = 0;
    while (i < size) {
        if (!in_payload_) {
            header_[header_size_++] = data[i++];
            if (header_size_ < 2) continue;
            const uint8_t length7 = header_[1] & 0x7f;
            const size_t extended = length7 == 126 ? 2 : length7 == 127 ? 8 : 0;
            const size_t mask = (header_[1] & 0x80) != 0 ? 4 : 0;
            if (header_size_ < 2 + extended + mask) continue;
            uint64_t length = length7;
            if (extended > 0) {
                length = 0;
                for (size_t b = 0; b < extended; ++b) length = (length << 8) | header_[2 + b];
            }
            const bool close = (header_[0] & 0x0f) == 0x8;
            std::fill(std::begin(mask_), std::end(mask_), uint8_t{0});  // an unmasked frame is Beast's to refuse
            std::copy_n(header_ + 2 + extended, mask, mask_);
            header_size_ = 0;
            // A close payload of 1 byte, or a control frame over 125, is Beast's to refuse.
            close_code_next_ = close && length >= 2;
            payload_left_ = length;
            in_payload_ = length > 0;
            continue;
        }
        if (close_code_next_) {
            if (i + 1 == size) return i;  // the second byte has not arrived: hand the first back
            const uint8_t m0 = mask_[0], m1 = mask_[1];
            const uint16_t code = uint16_t((data[i] ^ m0) << 8 | (data[i + 1] ^ m1));
            if (is_undefined_close_code(code)) {
                refused_code_ = code;
                data[i] = uint8_t(0x03 ^ m0);  // 1005 = 0x03ED: "no status", never sent on the wire
                data[i + 1] = uint8_t(0xED ^ m1);
            }
            close_code_next_ = false;
        }
        const size_t skip = size_t(std::min<uint64_t>(payload_left_, size - i));
        i += skip;
        payload_left_ -= skip;
        in_payload_ = payload_left_ > 0;
    }
    return size;
}

}  // namespace scenehost::transport
