// The pixel channel's wire shape: napari-cuda's 24-byte header (struct format `!IdIIBBH`,
// big-endian, no padding) before each H.264 access unit in AVCC form, and scenehost's opt-in
// metadata block (/pixels?meta=1) that carries the full frame number, the capture time and the
// store versions the picture shows. docs/pixels.md describes both.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <variant>

namespace scenehost::protocol {

inline constexpr size_t kPixelHeaderBytes = 24;
inline constexpr uint8_t kPixelCodecH264 = 1;
inline constexpr uint8_t kPixelFlagKeyframe = 0x01;  // the unit is an IDR
inline constexpr uint8_t kPixelFlagMeta = 0x02;      // scenehost: a metadata block follows the header

struct PixelHeader {
    uint32_t seq = 0;          // frame number modulo 2^32; gaps where frames were dropped
    double timestamp_s = 0;    // capture time, seconds since the Unix epoch
    uint32_t width = 0;
    uint32_t height = 0;
    uint8_t codec = kPixelCodecH264;
    uint8_t flags = 0;
};

// When a frame passed each stage of the host, microseconds since the Unix epoch (the host's
// system clock): the scene it shows was projected from the store (right after the change it
// shows newest was applied), it was rendered, encoded, and handed to the clients' connections.
struct PixelStages {
    int64_t applied_us = 0;
    int64_t rendered_us = 0;
    int64_t encoded_us = 0;
    int64_t sent_us = 0;
    bool operator==(const PixelStages &) const = default;
};

// Sent only to clients that asked for it: u32 big-endian length, then this as JSON.
struct PixelMeta {
    uint64_t sequence = 0;      // the frame number, unwrapped
    int64_t captured_us = 0;    // capture time, microseconds since the Unix epoch
    std::map<std::string, uint64_t, std::less<>> versions;  // store scope -> version shown
    PixelStages stages{};
};

// header (+ meta when given; the meta flag is set to match) + payload.
std::string pack_pixel_message(PixelHeader header, const PixelMeta *meta, std::span<const uint8_t> payload);

struct PixelMessage {
    PixelHeader header;
    std::optional<PixelMeta> meta;
    std::span<const uint8_t> payload;  // into the parsed bytes
};

// For clients and tests: the message, or what is wrong with it.
std::variant<PixelMessage, std::string> parse_pixel_message(std::span<const uint8_t> bytes);

}  // namespace scenehost::protocol
