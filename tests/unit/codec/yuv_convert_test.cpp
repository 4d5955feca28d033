// convert_rgba gives BT.601 limited-range YUV: known colours land on their textbook values, I420
// and NV12 agree, a crop takes the top-left region, and RGBA -> I420 -> RGBA stays close.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <vector>

#include "codec/yuv_convert.hpp"

using namespace scenehost::codec;

namespace {

std::vector<uint8_t> solid(uint32_t width, uint32_t height, uint8_t r, uint8_t g, uint8_t b) {
    std::vector<uint8_t> rgba;
    for (uint32_t i = 0; i < width * height; ++i) rgba.insert(rgba.end(), {r, g, b, 255});
    return rgba;
}

// Every byte of the plane, within tolerance of expected.
bool all_near(std::span<const uint8_t> plane, int expected, int tolerance) {
    return std::ranges::all_of(plane, [&](uint8_t v) { return std::abs(int(v) - expected) <= tolerance; });
}

}  // namespace

TEST_CASE("YuvImage lays out I420 and NV12 planes and fills the SDK frame") {
    const YuvImage i420(SCENEHOST_PIXEL_FORMAT_I420, 6, 4);
    CHECK(i420.plane_count() == 3);
    CHECK(i420.plane(0).size() == 24);
    CHECK(i420.plane(1).size() == 6);
    CHECK(i420.plane(2).size() == 6);
    CHECK(i420.stride(1) == 3);
    const scenehost_video_frame_v1 f = i420.frame(1234, 7);
    CHECK(f.struct_size == sizeof f);
    CHECK(f.format == SCENEHOST_PIXEL_FORMAT_I420);
    CHECK(f.width == 6);
    CHECK(f.height == 4);
    CHECK(f.planes[2] == i420.plane(2).data());
    CHECK(f.planes[3] == nullptr);
    CHECK(f.strides[0] == 6);
    CHECK(f.pts_us == 1234);
    CHECK(f.sequence == 7);

    const YuvImage nv12(SCENEHOST_PIXEL_FORMAT_NV12, 6, 4);
    CHECK(nv12.plane_count() == 2);
    CHECK(nv12.plane(1).size() == 12);
    CHECK(nv12.stride(1) == 6);
    CHECK(nv12.frame(0, 0).planes[2] == nullptr);
}

TEST_CASE("known colours give their BT.601 limited-range values") {
    struct Case {
        uint8_t r, g, b;
        int y, u, v;
    };
    // Y = 16 + 65.481 R + 128.553 G + 24.966 B, U = 128 - 37.797 R - 74.203 G + 112 B,
    // V = 128 + 112 R - 93.786 G - 18.214 B, for R, G, B in [0, 1].
    const auto c = GENERATE(Case{255, 0, 0, 82, 90, 240}, Case{0, 255, 0, 145, 54, 34},
                            Case{0, 0, 255, 41, 240, 110}, Case{128, 128, 128, 126, 128, 128},
                            Case{0, 0, 0, 16, 128, 128}, Case{255, 255, 255, 235, 128, 128});
    INFO("rgb " << int(c.r) << "," << int(c.g) << "," << int(c.b));
    const auto rgba = solid(8, 8, c.r, c.g, c.b);
    YuvImage i420(SCENEHOST_PIXEL_FORMAT_I420, 8, 8);
    convert_rgba(rgba, 8, 8, i420);
    CHECK(all_near(i420.plane(0), c.y, 2));
    CHECK(all_near(i420.plane(1), c.u, 2));
    CHECK(all_near(i420.plane(2), c.v, 2));
}

TEST_CASE("NV12 holds the same samples as I420 with U and V interleaved") {
    std::vector<uint8_t> rgba;
    for (uint32_t y = 0; y < 16; ++y)
        for (uint32_t x = 0; x < 16; ++x) rgba.insert(rgba.end(), {uint8_t(x * 16), uint8_t(y * 16), uint8_t(x * y), 255});
    YuvImage i420(SCENEHOST_PIXEL_FORMAT_I420, 16, 16);
    YuvImage nv12(SCENEHOST_PIXEL_FORMAT_NV12, 16, 16);
    convert_rgba(rgba, 16, 16, i420);
    convert_rgba(rgba, 16, 16, nv12);
    CHECK(std::ranges::equal(i420.plane(0), nv12.plane(0)));
    const auto uv = nv12.plane(1);
    for (size_t i = 0; i < i420.plane(1).size(); ++i) {
        CHECK(std::abs(int(uv[2 * i]) - int(i420.plane(1)[i])) <= 1);
        CHECK(std::abs(int(uv[2 * i + 1]) - int(i420.plane(2)[i])) <= 1);
    }
}

TEST_CASE("a smaller image takes the top-left region of the source") {
    // 10x6 source: white in the top-left 4x2, black elsewhere.
    std::vector<uint8_t> rgba;
    for (uint32_t y = 0; y < 6; ++y)
        for (uint32_t x = 0; x < 10; ++x) {
            const uint8_t v = (x < 4 && y < 2) ? 255 : 0;
            rgba.insert(rgba.end(), {v, v, v, 255});
        }
    YuvImage crop(SCENEHOST_PIXEL_FORMAT_I420, 4, 2);
    convert_rgba(rgba, 10, 6, crop);
    CHECK(all_near(crop.plane(0), 235, 2));
    CHECK(all_near(crop.plane(1), 128, 2));

    YuvImage wider(SCENEHOST_PIXEL_FORMAT_NV12, 8, 4);
    convert_rgba(rgba, 10, 6, wider);
    const auto y = wider.plane(0);
    CHECK(all_near(y.subspan(0, 4), 235, 2));      // row 0, columns 0..3
    CHECK(all_near(y.subspan(4, 4), 16, 2));       // row 0, columns 4..7
    CHECK(all_near(y.subspan(2 * 8, 8), 16, 2));   // row 2
}

TEST_CASE("RGBA -> I420 -> RGBA keeps a smooth gradient within a few levels") {
    const uint32_t w = 64, h = 48;
    std::vector<uint8_t> rgba;
    for (uint32_t y = 0; y < h; ++y)
        for (uint32_t x = 0; x < w; ++x)
            rgba.insert(rgba.end(), {uint8_t(40 + x * 2), uint8_t(60 + y * 3), uint8_t(200 - x - y), 255});
    for (const auto format : {SCENEHOST_PIXEL_FORMAT_I420, SCENEHOST_PIXEL_FORMAT_NV12}) {
        YuvImage yuv(format, w, h);
        convert_rgba(rgba, w, h, yuv);
        const std::vector<uint8_t> back = to_rgba(yuv);
        REQUIRE(back.size() == rgba.size());
        int worst = 0;
        for (size_t i = 0; i < rgba.size(); ++i) worst = std::max(worst, std::abs(int(back[i]) - int(rgba[i])));
        INFO("format " << format);
        CHECK(worst <= 6);
    }
}
