// RGBA to I420 / NV12 and back through libyuv's BT.601 limited-range converters.
#include "codec/yuv_convert.hpp"

#include <libyuv/convert.h>
#include <libyuv/convert_argb.h>
#include <libyuv/convert_from_argb.h>

#include "base/assert.hpp"

namespace scenehost::codec {

YuvImage::YuvImage(scenehost_pixel_format format, uint32_t width, uint32_t height)
    : format_(format), width_(width), height_(height) {
    SCENEHOST_ASSERT(format == SCENEHOST_PIXEL_FORMAT_I420 || format == SCENEHOST_PIXEL_FORMAT_NV12,
                     "encoders take I420 or NV12 only");
    SCENEHOST_ASSERT(width > 0 && height > 0 && width % 2 == 0 && height % 2 == 0,
                     "4:2:0 chroma needs an even, non-zero size");
    const size_t luma = size_t(width) * height;
    if (format == SCENEHOST_PIXEL_FORMAT_I420) {
        strides_ = {width, width / 2, width / 2};
        offsets_ = {0, luma, luma + luma / 4, luma + luma / 2};
    } else {
        strides_ = {width, width, 0};
        offsets_ = {0, luma, luma + luma / 2, luma + luma / 2};
    }
    bytes_.resize(offsets_[3]);
}

std::span<uint8_t> YuvImage::plane(size_t i) {
    SCENEHOST_ASSERT(i < plane_count(), "I420 has 3 planes, NV12 has 2");
    return std::span(bytes_).subspan(offsets_[i], offsets_[i + 1] - offsets_[i]);
}

std::span<const uint8_t> YuvImage::plane(size_t i) const {
    SCENEHOST_ASSERT(i < plane_count(), "I420 has 3 planes, NV12 has 2");
    return std::span(bytes_).subspan(offsets_[i], offsets_[i + 1] - offsets_[i]);
}

uint32_t YuvImage::stride(size_t i) const {
    SCENEHOST_ASSERT(i < plane_count(), "I420 has 3 planes, NV12 has 2");
    return strides_[i];
}

scenehost_video_frame_v1 YuvImage::frame(int64_t pts_us, uint64_t sequence) const {
    scenehost_video_frame_v1 f{};
    f.struct_size = sizeof f;
    f.format = format_;
    f.width = width_;
    f.height = height_;
    for (size_t i = 0; i < plane_count(); ++i) {
        f.planes[i] = plane(i).data();
        f.strides[i] = strides_[i];
    }
    f.pts_us = pts_us;
    f.sequence = sequence;
    return f;
}

void convert_rgba(std::span<const uint8_t> rgba, uint32_t width, uint32_t height, YuvImage &out) {
    SCENEHOST_ASSERT(rgba.size() == size_t(width) * height * 4, "rgba holds width x height pixels of 4 bytes");
    SCENEHOST_ASSERT(out.width() <= width && out.height() <= height, "out is a crop of the source");
    const int src_stride = int(width * 4);
    const int w = int(out.width());
    const int h = int(out.height());
    int rc = 0;
    if (out.format() == SCENEHOST_PIXEL_FORMAT_I420) {
        rc = libyuv::ABGRToI420(rgba.data(), src_stride, out.plane(0).data(), int(out.stride(0)), out.plane(1).data(),
                                int(out.stride(1)), out.plane(2).data(), int(out.stride(2)), w, h);
    } else {
        rc = libyuv::ABGRToNV12(rgba.data(), src_stride, out.plane(0).data(), int(out.stride(0)), out.plane(1).data(),
                                int(out.stride(1)), w, h);
    }
    SCENEHOST_ASSERT(rc == 0, "libyuv fails only on null planes or zero sizes, which YuvImage rules out");
}

std::vector<uint8_t> to_rgba(const YuvImage &image) {
    const int w = int(image.width());
    const int h = int(image.height());
    std::vector<uint8_t> rgba(size_t(w) * h * 4);
    int rc = 0;
    if (image.format() == SCENEHOST_PIXEL_FORMAT_I420) {
        rc = libyuv::I420ToABGR(image.plane(0).data(), int(image.stride(0)), image.plane(1).data(),
                                int(image.stride(1)), image.plane(2).data(), int(image.stride(2)), rgba.data(), w * 4,
                                w, h);
    } else {
        rc = libyuv::NV12ToABGR(image.plane(0).data(), int(image.stride(0)), image.plane(1).data(),
                                int(image.stride(1)), rgba.data(), w * 4, w, h);
    }
    SCENEHOST_ASSERT(rc == 0, "libyuv fails only on null planes or zero sizes, which YuvImage rules out");
    return rgba;
}

}  // namespace scenehost::codec
