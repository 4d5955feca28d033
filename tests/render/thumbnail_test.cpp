// Layer thumbnails computed from the data as napari's Image._update_thumbnail does: sampling,
// padding, contrast limits, gamma, colormap and opacity exactly, the slice shown in 2D and 3D,
// the coarsest level, and the key that tells the render thread when to recompute.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>

#include "render/colormap.hpp"
#include "render/thumbnail.hpp"
#include "support/memory_source.hpp"

using namespace scenehost;
using namespace scenehost::test;
using render::DimsState;
using render::LayerState;
using render::Thumbnail;

namespace {

constexpr int kSide = Thumbnail::kSide;

using Rgba = std::array<int, 4>;

Rgba at(const Thumbnail &t, int row, int column) {
    const size_t i = (size_t(row) * kSide + size_t(column)) * 4;
    return {t.rgba[i], t.rgba[i + 1], t.rgba[i + 2], t.rgba[i + 3]};
}

// What napari's Layer.thumbnail setter makes of a colour: blended onto opaque black, each
// channel truncated to uint8.
Rgba on_black(Rgba c) {
    const double a = c[3] / 255.0;
    return {int(c[0] * a), int(c[1] * a), int(c[2] * a), int(c[3] * a + 255.0 * (1 - a))};
}

// The LUT's colour at `index` with `alpha`, as the thumbnail holds it (on black).
Rgba lut_at(const render::ColormapLut &lut, int index, int alpha = 255) {
    return on_black({lut[size_t(4 * index)], lut[size_t(4 * index + 1)], lut[size_t(4 * index + 2)], alpha});
}

constexpr Rgba kPadding{0, 0, 0, 255};  // transparent black on opaque black

LayerState layer_of(std::shared_ptr<const data::ArraySource> source) {
    LayerState l;
    l.id = "l";
    l.source = std::move(source);
    l.contrast_limits = {0, 255};
    return l;
}

// A world of `nsteps` in order, showing the last `ndisplay` axes, at step 0 everywhere.
DimsState dims_of(std::vector<int64_t> nsteps, int ndisplay = 2) {
    DimsState d;
    d.order.resize(nsteps.size());
    for (size_t i = 0; i < nsteps.size(); ++i) d.order[i] = int64_t(i);
    d.current_step.assign(nsteps.size(), 0);
    d.nsteps = std::move(nsteps);
    d.ndisplay = ndisplay;
    return d;
}

std::shared_ptr<MemorySource> float32(std::vector<int64_t> shape, const std::vector<float> &values) {
    std::vector<std::byte> bytes(values.size() * sizeof(float));
    std::memcpy(bytes.data(), values.data(), bytes.size());
    return std::make_shared<MemorySource>(std::move(shape), data::DType::float32, std::move(bytes));
}

std::shared_ptr<MemorySource> uint16(std::vector<int64_t> shape, const std::vector<uint16_t> &values) {
    std::vector<std::byte> bytes(values.size() * sizeof(uint16_t));
    std::memcpy(bytes.data(), values.data(), bytes.size());
    return std::make_shared<MemorySource>(std::move(shape), data::DType::uint16, std::move(bytes));
}

// A multiscale source whose levels are separate in-memory arrays, so each can hold its own content.
class Pyramid final : public data::ArraySource {
public:
    explicit Pyramid(std::vector<std::shared_ptr<MemorySource>> levels) : levels_(std::move(levels)) {}
    size_t level_count() const override { return levels_.size(); }
    const std::vector<int64_t> &level_shape(size_t level) const override { return levels_[level]->shape(); }
    data::DType dtype() const override { return data::DType::uint8; }
    std::vector<std::string> axis_labels() const override { return {}; }
    std::string name() const override { return "pyramid"; }
    void read_plane(size_t level, std::span<const int64_t> index, std::span<std::byte> out) const override {
        levels_[level]->read_plane(0, index, out);
    }
    void read_volume(size_t level, std::span<const int64_t> index, std::span<std::byte> out) const override {
        levels_[level]->read_volume(0, index, out);
    }

private:
    std::vector<std::shared_ptr<MemorySource>> levels_;
};

// v(z, y, x) over a 3 x 32 x 32 volume: the maximum over z is 90 + y everywhere, which no single
// plane shows (each plane has columns where (z + x) % 3 is not 2).
uint8_t volume_value(int64_t z, int64_t y, int64_t x) { return uint8_t(10 + 40 * ((z + x) % 3) + y); }

}  // namespace

TEST_CASE("a 32 x 64 ramp fits as 16 x 32 pixels sampled as scipy's order-0 zoom, 8 rows of padding above and below") {
    auto ramp = MemorySource::uint8({32, 64}, [](const auto &p) { return uint8_t(4 * p[0] + 2 * p[1]); });
    const Thumbnail t = render::make_thumbnail(layer_of(ramp), dims_of({32, 64}));
    REQUIRE(t.rgba.size() == size_t(kSide * kSide * 4));

    // zoom = min(32 / 32, 32 / 64) = 0.5; output pixel o samples floor(o * (n - 1) / (k - 1) + 0.5).
    const int rows[16] = {0, 2, 4, 6, 8, 10, 12, 14, 17, 19, 21, 23, 25, 27, 29, 31};
    const int columns[32] = {0,  2,  4,  6,  8,  10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30,
                             33, 35, 37, 39, 41, 43, 45, 47, 49, 51, 53, 55, 57, 59, 61, 63};
    const render::ColormapLut gray = render::colormap_lut("gray");
    for (int r = 0; r < kSide; ++r) {
        for (int c = 0; c < kSide; ++c) {
            INFO("row " << r << ", column " << c);
            if (r < 8 || r >= 24) {
                CHECK(at(t, r, c) == kPadding);
            } else {
                CHECK(at(t, r, c) == lut_at(gray, 4 * rows[r - 8] + 2 * columns[c]));
            }
        }
    }
}

TEST_CASE("contrast limits clip and gamma bends before the colormap, on uint16 data") {
    // 2 x 2 grows to 32 x 32: output pixels 0..15 sample data pixel 0, 16..31 pixel 1.
    auto source = uint16({2, 2}, {500, 2000, 2500, 3500});
    LayerState l = layer_of(source);
    l.colormap = "viridis";
    l.contrast_limits = {1000, 3000};
    l.gamma = 2;
    const Thumbnail t = render::make_thumbnail(l, dims_of({2, 2}));
    const render::ColormapLut viridis = render::colormap_lut("viridis");
    CHECK(at(t, 0, 0) == lut_at(viridis, 0));      // 500 clips to lo
    CHECK(at(t, 15, 15) == lut_at(viridis, 0));
    CHECK(at(t, 0, 16) == lut_at(viridis, 64));    // 0.5^2 * 255 = 63.75
    CHECK(at(t, 15, 31) == lut_at(viridis, 64));
    CHECK(at(t, 16, 0) == lut_at(viridis, 143));   // 0.75^2 * 255 = 143.4375
    CHECK(at(t, 31, 31) == lut_at(viridis, 255));  // 3500 clips to hi
}

TEST_CASE("opacity scales alpha exactly, rounding half to even as numpy's rint") {
    auto source = MemorySource::uint8({4, 4}, [](const auto &) { return uint8_t(200); });
    LayerState l = layer_of(source);
    const render::ColormapLut gray = render::colormap_lut("gray");
    l.opacity = 0.5;  // 127.5
    CHECK(at(render::make_thumbnail(l, dims_of({4, 4})), 10, 10) == lut_at(gray, 200, 128));
    l.opacity = 0.25;  // 63.75
    CHECK(at(render::make_thumbnail(l, dims_of({4, 4})), 10, 10) == lut_at(gray, 200, 64));
    l.opacity = 0;
    CHECK(at(render::make_thumbnail(l, dims_of({4, 4})), 10, 10) == lut_at(gray, 200, 0));
}

TEST_CASE("float32 NaN counts as the lower contrast limit and infinities clip") {
    auto source = float32({2, 2}, {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                                   -std::numeric_limits<float>::infinity(), 0.5f});
    LayerState l = layer_of(source);
    l.contrast_limits = {0, 1};
    const Thumbnail t = render::make_thumbnail(l, dims_of({2, 2}));
    const render::ColormapLut gray = render::colormap_lut("gray");
    CHECK(at(t, 0, 0) == lut_at(gray, 0));
    CHECK(at(t, 0, 31) == lut_at(gray, 255));
    CHECK(at(t, 31, 0) == lut_at(gray, 0));
    CHECK(at(t, 31, 31) == lut_at(gray, 128));  // 127.5 to even
}

TEST_CASE("in 3D the thumbnail is the maximum over depth and in 2D the plane at the current step") {
    auto volume = MemorySource::uint8({3, 32, 32}, [](const auto &p) { return volume_value(p[0], p[1], p[2]); });
    const render::ColormapLut gray = render::colormap_lut("gray");

    DimsState dims = dims_of({3, 32, 32}, 3);
    const Thumbnail projected = render::make_thumbnail(layer_of(volume), dims);
    for (int r = 0; r < kSide; ++r) {
        for (int c = 0; c < kSide; ++c) {
            INFO("row " << r << ", column " << c);
            CHECK(at(projected, r, c) == lut_at(gray, 90 + r));
        }
    }

    dims.ndisplay = 2;
    for (int64_t z = 0; z < 3; ++z) {
        dims.current_step = {z, 0, 0};
        const Thumbnail plane = render::make_thumbnail(layer_of(volume), dims);
        CHECK(plane != projected);
        for (int r = 0; r < kSide; ++r) {
            for (int c = 0; c < kSide; ++c) {
                INFO("z " << z << ", row " << r << ", column " << c);
                CHECK(at(plane, r, c) == lut_at(gray, volume_value(z, r, c)));
            }
        }
    }
}

TEST_CASE("in 3D the outermost displayed axis is the depth, and an odd padding puts the extra row below") {
    // Displayed (y, z, x): the maximum over y of a 3 x 32 (z, x) image, 3 rows centred with 14 above and 15 below.
    auto volume = MemorySource::uint8({3, 32, 32}, [](const auto &p) { return volume_value(p[0], p[1], p[2]); });
    DimsState dims = dims_of({3, 32, 32}, 3);
    dims.order = {1, 0, 2};
    const Thumbnail t = render::make_thumbnail(layer_of(volume), dims);
    const render::ColormapLut gray = render::colormap_lut("gray");
    for (int r = 0; r < kSide; ++r) {
        for (int c = 0; c < kSide; ++c) {
            INFO("row " << r << ", column " << c);
            if (r < 14 || r >= 17) {
                CHECK(at(t, r, c) == kPadding);
            } else {
                CHECK(at(t, r, c) == lut_at(gray, volume_value(r - 14, 31, c)));
            }
        }
    }
}

TEST_CASE("a 2D layer in a 3D view shows its own plane, as napari slices it") {
    auto image = MemorySource::uint8({32, 64}, [](const auto &p) { return uint8_t(4 * p[0] + 2 * p[1]); });
    const Thumbnail alone = render::make_thumbnail(layer_of(image), dims_of({32, 64}));
    DimsState world = dims_of({5, 32, 64}, 3);
    world.current_step = {3, 0, 0};
    CHECK(render::make_thumbnail(layer_of(image), world) == alone);
    CHECK(render::thumbnail_key(layer_of(image), world).axes == std::vector<int64_t>{0, 1});
    // Its axes in dims order: transposed when the world order swaps them.
    world.order = {0, 2, 1};
    CHECK(render::thumbnail_key(layer_of(image), world).axes == std::vector<int64_t>{1, 0});
}

TEST_CASE("a multiscale layer's thumbnail comes from its coarsest level, whatever level it renders at") {
    auto fine = MemorySource::uint8({4, 8, 8}, [](const auto &) { return uint8_t(200); });
    auto middle = MemorySource::uint8({4, 4, 4}, [](const auto &) { return uint8_t(100); });
    auto coarse = MemorySource::uint8({2, 2, 2}, [](const auto &p) { return uint8_t(50 * p[0] + 20 * p[1] + 10 * p[2]); });
    auto pyramid = std::make_shared<Pyramid>(std::vector{fine, middle, coarse});
    DimsState dims = dims_of({4, 8, 8});
    dims.current_step = {3, 0, 0};  // coarse z = floor(3 * 2 / 4) = 1
    LayerState l = layer_of(pyramid);
    const render::ColormapLut gray = render::colormap_lut("gray");
    for (size_t level : {size_t(0), size_t(2)}) {
        l.level = level;
        const Thumbnail t = render::make_thumbnail(l, dims);
        INFO("rendering level " << level);
        CHECK(at(t, 0, 0) == lut_at(gray, 50));
        CHECK(at(t, 0, 31) == lut_at(gray, 60));
        CHECK(at(t, 31, 0) == lut_at(gray, 70));
        CHECK(at(t, 31, 31) == lut_at(gray, 80));
    }
    // The step is mapped to the coarsest level: z 2 and 3 are one coarse plane, z 1 another.
    const render::ThumbnailKey at3 = render::thumbnail_key(l, dims);
    dims.current_step = {2, 0, 0};
    CHECK(render::thumbnail_key(l, dims) == at3);
    dims.current_step = {1, 0, 0};
    CHECK(render::thumbnail_key(l, dims) != at3);
    CHECK(at(render::make_thumbnail(l, dims), 0, 0) == lut_at(gray, 0));
}

TEST_CASE("the key changes with what the thumbnail shows and with nothing else") {
    auto volume = MemorySource::uint8({4, 6, 8}, [](const auto &p) { return uint8_t(p[0] * 48 + p[1] * 8 + p[2]); });
    render::RenderScene scene;
    scene.layers = {layer_of(volume)};
    scene.dims = dims_of({4, 6, 8});
    scene.dims.current_step = {1, 2, 3};
    const render::ThumbnailKey base = render::thumbnail_key(scene.layers[0], scene.dims);
    const Thumbnail base_thumbnail = render::make_thumbnail(scene.layers[0], scene.dims);
    CHECK(base.index == std::vector<int64_t>{1});
    CHECK(base.axes == std::vector<int64_t>{1, 2});

    SECTION("the camera is no input: moving it leaves the key") {
        render::RenderScene moved = scene;
        moved.camera.center = {1, 2, 3};
        moved.camera.zoom = 4;
        moved.camera.angles = {10, 20, 30};
        moved.width = 320;
        CHECK(render::thumbnail_key(moved.layers[0], moved.dims) == base);
    }
    SECTION("a step along a displayed axis in 2D leaves the key and the thumbnail") {
        DimsState d = scene.dims;
        d.current_step = {1, 5, 0};
        CHECK(render::thumbnail_key(scene.layers[0], d) == base);
        CHECK(render::make_thumbnail(scene.layers[0], d) == base_thumbnail);
    }
    SECTION("the rendered level and the non-thumbnail controls leave the key") {
        LayerState l = scene.layers[0];
        l.level = 0;
        l.blending = "additive";
        l.interpolation2d = "linear";
        l.visible = false;
        CHECK(render::thumbnail_key(l, scene.dims) == base);
    }
    SECTION("a step along the axis not displayed changes it") {
        DimsState d = scene.dims;
        d.current_step = {2, 2, 3};
        CHECK(render::thumbnail_key(scene.layers[0], d) != base);
        CHECK(render::make_thumbnail(scene.layers[0], d) != base_thumbnail);
    }
    SECTION("ndisplay 3 changes it") {
        DimsState d = scene.dims;
        d.ndisplay = 3;
        const render::ThumbnailKey k = render::thumbnail_key(scene.layers[0], d);
        CHECK(k != base);
        CHECK(k.axes == std::vector<int64_t>{0, 1, 2});
        CHECK(k.index.empty());
    }
    SECTION("contrast limits, gamma, colormap and opacity change it") {
        LayerState l = scene.layers[0];
        l.contrast_limits = {0, 100};
        CHECK(render::thumbnail_key(l, scene.dims) != base);
        l = scene.layers[0];
        l.gamma = 0.5;
        CHECK(render::thumbnail_key(l, scene.dims) != base);
        l = scene.layers[0];
        l.colormap = "magma";
        CHECK(render::thumbnail_key(l, scene.dims) != base);
        l = scene.layers[0];
        l.opacity = 0.5;
        CHECK(render::thumbnail_key(l, scene.dims) != base);
    }
    SECTION("another source with the same content changes it") {
        LayerState l = scene.layers[0];
        l.source = MemorySource::uint8({4, 6, 8}, [](const auto &p) { return uint8_t(p[0] * 48 + p[1] * 8 + p[2]); });
        CHECK(render::thumbnail_key(l, scene.dims) != base);
    }
}

TEST_CASE("a read that fails reaches the caller as the source's DataError") {
    auto source = MemorySource::uint8({8, 8}, [](const auto &) { return uint8_t(1); });
    source->before_read = [](std::span<const int64_t>) { throw data::DataError("memory: chunk 0 is corrupt"); };
    CHECK_THROWS_AS(render::make_thumbnail(layer_of(source), dims_of({8, 8})), data::DataError);
}

TEST_CASE("sampling once and colouring again gives the thumbnail of the new colouring") {
    auto ramp = MemorySource::uint8({8, 8}, [](const auto &p) { return uint8_t(30 * p[0] + p[1]); });
    LayerState l = layer_of(ramp);
    const DimsState dims = dims_of({8, 8});
    const render::ThumbnailKey before = render::thumbnail_key(l, dims);
    const render::ThumbnailSamples samples = render::sample_thumbnail(before);
    CHECK(samples.rows == 32);
    CHECK(samples.columns == 32);
    CHECK(samples.values[0] == 0);
    CHECK(samples.values.back() == 30 * 7 + 7);
    l.colormap = "magma";
    l.contrast_limits = {10, 100};
    l.opacity = 0.7;
    const render::ThumbnailKey after = render::thumbnail_key(l, dims);
    CHECK(after != before);
    CHECK(after.same_data(before));
    CHECK(render::colour_thumbnail(samples, after) == render::make_thumbnail(l, dims));
    l.source = MemorySource::uint8({8, 8}, [](const auto &p) { return uint8_t(30 * p[0] + p[1]); });
    CHECK_FALSE(render::thumbnail_key(l, dims).same_data(before));  // another source, even of equal content
}
