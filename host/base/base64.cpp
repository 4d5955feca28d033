// Strict base64 decoding: four characters at a time, padding only at the very end.
#include "base/base64.hpp"

#include <array>
#include <cstdint>

namespace scenehost::base {

std::optional<std::string> decode_base64(std::string_view text) {
    if (text.size() % 4 != 0) return std::nullopt;
    auto sextet = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+') return 62;
        if (c == '/') return 63;
        return -1;
    };
    std::string out;
    out.reserve(text.size() / 4 * 3);
    for (size_t i = 0; i < text.size(); i += 4) {
        const bool last = i + 4 == text.size();
        std::array<int, 4> s{};
        int padding = 0;
        for (size_t j = 0; j < 4; ++j) {
            const char c = text[i + j];
            if (c == '=') {
                if (!last || j < 2) return std::nullopt;
                ++padding;
                s[j] = 0;
                continue;
            }
            if (padding > 0) return std::nullopt;  // data after '='
            s[j] = sextet(c);
            if (s[j] < 0) return std::nullopt;
        }
        const uint32_t bits = uint32_t(s[0]) << 18 | uint32_t(s[1]) << 12 | uint32_t(s[2]) << 6 | uint32_t(s[3]);
        out += static_cast<char>(bits >> 16 & 0xff);
        if (padding < 2) out += static_cast<char>(bits >> 8 & 0xff);
        if (padding < 1) out += static_cast<char>(bits & 0xff);
    }
    return out;
}

}  // namespace scenehost::base
