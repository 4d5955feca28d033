// YUV images for the encoders' input and the conversion of rendered RGBA into them (libyuv,
// BT.601 limited range as encoder.h specifies); sits between the render readback and the encoder.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "scenehost/sdk/encoder.h"

namespace scenehost::codec {

// An I420 or NV12 image at an even, non-zero size whose planes live in one buffer, each
// plane's rows packed (stride = plane row width in bytes).
class YuvImage {
public:
    YuvImage(scenehost_pixel_format format, uint32_t width, uint32_t height);

    scenehost_pixel_format format() const { return format_; }
    uint32_t width() const { return width_; }
    uint32_t height() const { return height_; }
    size_t plane_count() const { return format_ == SCENEHOST_PIXEL_FORMAT_I420 ? 3 : 2; }
    std::span<uint8_t> plane(size_t i);
    std::span<const uint8_t> plane(size_t i) const;
    uint32_t stride(size_t i) const;
    // The SDK's view of this image; its plane pointers live as long as this image is unchanged.
    scenehost_video_frame_v1 frame(int64_t pts_us, uint64_t sequence) const;

private:
    scenehost_pixel_format format_;
    uint32_t width_;
    uint32_t height_;
    std::array<uint32_t, 3> strides_{};
    std::array<size_t, 4> offsets_{};  // plane i spans [offsets_[i], offsets_[i + 1])
    std::vector<uint8_t> bytes_;
};

// Converts the top-left out.width() x out.height() region of rgba (width x height pixels,
// top row first, bytes R, G, B, A per pixel; libyuv calls this "ABGR") into out.
void convert_rgba(std::span<const uint8_t> rgba, uint32_t width, uint32_t height, YuvImage &out);

// The image as RGBA (bytes R, G, B, A, alpha 255), top row first, packed rows.
std::vector<uint8_t> to_rgba(const YuvImage &image);

}  // namespace scenehost::codec
