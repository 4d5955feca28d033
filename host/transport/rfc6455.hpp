// The RFC 6455 rules the transport checks itself because Boost.Beast 1.81 does not: the
// opening handshake's key (§4.2.1) and the close codes the RFC leaves undefined (§7.4.2),
// which a scanner of the client's frames turns into codes Beast refuses.
#pragma once

#include <cstdint>
#include <string_view>

namespace scenehost::transport {

// Whether `key` (a Sec-WebSocket-Key value) is the base64 of 16 bytes, as §4.2.1 item 5
// requires.
bool is_valid_websocket_key(std::string_view key);

// A close code no part of §7.4.2 defines: 5000 and above (the 16-bit field's rest). Beast
// already refuses the undefined ones below 3000 (under 1000, 1004-1006, 1014-1015, 1016-2999)
// and lets 3000-4999 through, which §7.4.2 assigns to libraries and applications.
constexpr bool is_undefined_close_code(uint16_t code) { return code >= 5000; }

// Follows the frames a client sends, byte by byte as they arrive (still masked), so that a
// close frame with an undefined code fails the connection with 1002 as Beast does for the
// codes it knows to be invalid: the code is rewritten in place to 1005, which Beast refuses.
// Invariant: the scanner is at the first byte the caller has not yet handed it.
class ClientFrameScanner {
public:
    // Scans data[0, size) and returns how many bytes it took: all, or all but the last when
    // that is the first byte of a close code (the caller must hand it in again, in front of the
    // next bytes, since both bytes are needed to decide and to rewrite).
    size_t scan(uint8_t *data, size_t size);
    // The undefined code of the last close frame rewritten (0: none), for logs.
    uint16_t refused_code() const { return refused_code_; }

private:
    uint8_t header_[14] = {};  // FIN/opcode, MASK/length, extended length (0, 2 or 8), mask key (0 or 4)
    size_t header_size_ = 0;
    uint8_t mask_[4] = {};  // the current frame's mask key
    uint64_t payload_left_ = 0;
    bool in_payload_ = false;
    bool close_code_next_ = false;  // the payload's first two bytes are a close code
    uint16_t refused_code_ = 0;
};

}  // namespace scenehost::transport
