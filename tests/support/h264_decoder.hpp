// Test-only H.264 decoder (libavcodec) that turns encoder output back into I420 images, so the
// encoder tests can check what a client would see. Throws std::runtime_error on any failure.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "codec/yuv_convert.hpp"

struct AVCodecContext;
struct AVFrame;
struct AVPacket;

namespace scenehost::test {

// Decodes one access unit at a time with no delay (low-delay mode, one thread).
class H264Decoder {
public:
    // For Annex B access units.
    H264Decoder();
    // For AVCC access units (4-byte length prefixes) described by an avcC record.
    explicit H264Decoder(std::span<const uint8_t> avcc_record);
    ~H264Decoder();
    H264Decoder(const H264Decoder &) = delete;
    H264Decoder &operator=(const H264Decoder &) = delete;

    // Decodes one access unit; returns its picture, or nullopt when the decoder held it back.
    std::optional<codec::YuvImage> decode(std::span<const uint8_t> unit);

    // What the stream says of the last picture's colour (H.264 VUI codes, as libavcodec reports
    // them: 2 is "unspecified", 6 is SMPTE 170M / BT.601).
    struct Colour {
        int matrix = 2, primaries = 2, transfer = 2;
        bool full_range = false;
        bool operator==(const Colour &) const = default;
    };
    Colour colour() const { return colour_; }

private:
    struct Free {
        void operator()(AVCodecContext *c) const;
        void operator()(AVFrame *f) const;
        void operator()(AVPacket *p) const;
    };
    std::unique_ptr<AVCodecContext, Free> context_;
    std::unique_ptr<AVFrame, Free> frame_;
    std::unique_ptr<AVPacket, Free> packet_;
    Colour colour_;
};

}  // namespace scenehost::test
