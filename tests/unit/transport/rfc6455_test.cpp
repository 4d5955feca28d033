// The handshake key check and the scanner of client frames: which keys pass, and which close
// codes are rewritten (in place, still masked) however the bytes are split across reads.
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "transport/rfc6455.hpp"

using namespace scenehost::transport;

namespace {

// A masked client frame (RFC 6455 §5.2) with a fixed mask key.
std::vector<uint8_t> client_frame(uint8_t opcode, const std::vector<uint8_t> &payload) {
    const uint8_t key[4] = {0x37, 0xfa, 0x21, 0x3d};
    std::vector<uint8_t> frame{uint8_t(0x80 | opcode)};
    if (payload.size() < 126) {
        frame.push_back(uint8_t(0x80 | payload.size()));
    } else {
        frame.push_back(0x80 | 126);
        frame.push_back(uint8_t(payload.size() >> 8));
        frame.push_back(uint8_t(payload.size()));
    }
    frame.insert(frame.end(), key, key + 4);
    for (size_t i = 0; i < payload.size(); ++i) frame.push_back(payload[i] ^ key[i % 4]);
    return frame;
}

std::vector<uint8_t> close_frame(uint16_t code) { return client_frame(0x8, {uint8_t(code >> 8), uint8_t(code), 'b', 'y', 'e'}); }

// The close code the frame at `offset` of `bytes` carries once unmasked.
uint16_t code_at(const std::vector<uint8_t> &bytes, size_t offset) {
    const uint8_t *key = &bytes[offset + 2];
    return uint16_t((bytes[offset + 6] ^ key[0]) << 8 | (bytes[offset + 7] ^ key[1]));
}

// Scans `bytes` in reads of `chunk` bytes, handing a held-back byte in again as a socket
// reader would; returns the bytes as the scanner left them.
std::vector<uint8_t> scan_in_chunks(ClientFrameScanner &scanner, std::vector<uint8_t> bytes, size_t chunk) {
    size_t done = 0, want = chunk;
    while (done < bytes.size()) {
        const size_t size = std::min(want, bytes.size() - done);
        const size_t taken = scanner.scan(bytes.data() + done, size);
        done += taken;
        want = taken < size ? chunk + 1 : chunk;  // the held-back byte, then a read's worth
    }
    return bytes;
}

}  // namespace

TEST_CASE("a Sec-WebSocket-Key must be the base64 of 16 bytes") {
    CHECK(is_valid_websocket_key("dGhlIHNhbXBsZSBub25jZQ=="));  // RFC 6455 §1.3's example
    CHECK(is_valid_websocket_key("AAAAAAAAAAAAAAAAAAAAAA=="));
    CHECK(is_valid_websocket_key("/+/+/+/+/+/+/+/+/+/+/w=="));
    CHECK_FALSE(is_valid_websocket_key(""));
    CHECK_FALSE(is_valid_websocket_key("short"));
    CHECK_FALSE(is_valid_websocket_key("dGhlIHNhbXBsZSBub25jZQ"));      // no padding
    CHECK_FALSE(is_valid_websocket_key("AAAAAAAAAAAAAAAAAAAA"));        // 15 bytes
    CHECK_FALSE(is_valid_websocket_key("AAAAAAAAAAAAAAAAAAAAAAAA"));    // 18 bytes
    CHECK_FALSE(is_valid_websocket_key("AAAAAAAAAAAAAAAAAAAAA==="));    // misplaced padding
    CHECK_FALSE(is_valid_websocket_key("AAAAAAAAAAAAAAAAAAAA!A=="));    // not base64
    CHECK_FALSE(is_valid_websocket_key("AAAAAAAAAAAAAAAAAAAAAA=A"));
}

TEST_CASE("close codes 5000 and above are undefined, 3000 to 4999 are left to applications") {
    CHECK(is_undefined_close_code(5000));
    CHECK(is_undefined_close_code(65535));
    CHECK_FALSE(is_undefined_close_code(4999));
    CHECK_FALSE(is_undefined_close_code(3000));
    CHECK_FALSE(is_undefined_close_code(1000));
}

TEST_CASE("the scanner rewrites an undefined close code to 1005 and leaves every other frame alone") {
    std::vector<uint8_t> bytes = client_frame(0x1, std::vector<uint8_t>(300, 'x'));  // 16-bit length
    const auto text = bytes;
    const auto valid = close_frame(4999);
    const auto undefined = close_frame(65535);
    bytes.insert(bytes.end(), valid.begin(), valid.end());
    bytes.insert(bytes.end(), undefined.begin(), undefined.end());
    for (size_t chunk : {bytes.size(), size_t{1}, size_t{2}, size_t{3}, size_t{7}, size_t{13}}) {
        INFO("reads of " << chunk << " bytes");
        ClientFrameScanner scanner;
        const auto scanned = scan_in_chunks(scanner, bytes, chunk);
        CHECK(std::equal(text.begin(), text.end(), scanned.begin()));
        CHECK(code_at(scanned, text.size()) == 4999);
        CHECK(code_at(scanned, text.size() + valid.size()) == 1005);
        CHECK(scanner.refused_code() == 65535);
        CHECK(std::equal(scanned.end() - 3, scanned.end(), undefined.end() - 3));  // the reason is untouched
    }
}

TEST_CASE("the scanner hands back the first byte of a close code until the second arrives") {
    auto bytes = close_frame(5000);
    ClientFrameScanner scanner;
    CHECK(scanner.scan(bytes.data(), 7) == 6);  // header (6 bytes) and the code's first byte
    CHECK(scanner.scan(bytes.data() + 6, bytes.size() - 6) == bytes.size() - 6);
    CHECK(code_at(bytes, 0) == 1005);
}
