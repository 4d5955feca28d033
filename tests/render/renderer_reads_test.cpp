// What the renderer reads: planes and volumes of any displayed axes of a layer, gathered from
// its source, and layers whose reads fail (DataError) left out of the frame while the rest draws.
#include <catch2/catch.hpp>

#include "render/renderer_fixture.hpp"

using namespace scenehost;
using namespace scenehost::test;
using render::RenderScene;

namespace {

// Distinct values (neighbours differ by more than the 1/255 the LUT may round) over t, z, y, x.
uint8_t value_at(int64_t t, int64_t z, int64_t y, int64_t x) { return uint8_t(40 * t + 17 * z + 7 * y + 3 * x); }

std::shared_ptr<MemorySource> tzyx() {
    return MemorySource::uint8({3, 4, 5, 6}, [](const auto &at) { return value_at(at[0], at[1], at[2], at[3]); });
}

// A 64 x 64 canvas at zoom 8 over the 4D world of tzyx(), showing the last two axes of `order`.
RenderScene view_4d(std::vector<int64_t> order, std::vector<int64_t> step) {
    const std::vector<int64_t> nsteps{3, 4, 5, 6};
    RenderScene s = scene_2d(nsteps[size_t(order[2])], nsteps[size_t(order[3])]);
    s.dims.nsteps = nsteps;
    s.dims.order = std::move(order);
    s.dims.current_step = std::move(step);
    s.camera.zoom = 8;
    return s;
}

// The centre of data pixel (row, column) on a 64 x 64 canvas at zoom 8 showing rows x columns.
std::pair<int, int> centre_of(int64_t row, int64_t column, int64_t rows, int64_t columns) {
    return {int(32 - 4 * columns + 8 * column + 4), int(32 - 4 * rows + 8 * row + 4)};
}

void check_plane(const render::Frame &f, int64_t rows, int64_t columns, const std::function<uint8_t(int64_t, int64_t)> &expected) {
    for (int64_t r = 0; r < rows; ++r) {
        for (int64_t c = 0; c < columns; ++c) {
            const auto [x, y] = centre_of(r, c, rows, columns);
            INFO("row " << r << ", column " << c);
            CHECK(std::abs(pixel(f, x, y).r - int(expected(r, c))) <= 1);
        }
    }
}

}  // namespace

TEST_CASE("2D views of any two axes of a 4D layer show the right pixels") {
    Gl gl;
    RenderScene s = view_4d({0, 2, 1, 3}, {2, 0, 3, 0});  // rows z, columns x at t = 2, y = 3
    s.layers = {layer("4d", tzyx())};
    check_plane(gl.renderer.render(s), 4, 6, [](int64_t z, int64_t x) { return value_at(2, z, 3, x); });

    s = view_4d({1, 3, 0, 2}, {0, 1, 0, 4});  // rows t, columns y at z = 1, x = 4
    s.layers = {layer("4d", tzyx())};
    check_plane(gl.renderer.render(s), 3, 5, [](int64_t t, int64_t y) { return value_at(t, 1, y, 4); });

    s = view_4d({1, 2, 3, 0}, {0, 2, 1, 0});  // rows x, columns t (transposed) at z = 2, y = 1
    s.layers = {layer("4d", tzyx())};
    check_plane(gl.renderer.render(s), 6, 3, [](int64_t x, int64_t t) { return value_at(t, 2, 1, x); });
}

TEST_CASE("a gathered plane is uploaded once and again only when a step off the view changes") {
    Gl gl;
    auto source = tzyx();
    RenderScene s = view_4d({1, 3, 0, 2}, {0, 1, 0, 4});  // rows t, columns y
    s.layers = {layer("4d", source)};
    gl.renderer.render(s);
    const int reads = source->reads;
    CHECK(reads == 3);  // one plane (y, x) per t, never the whole array
    s.dims.current_step = {2, 1, 3, 4};  // t and y are shown: the same plane
    gl.renderer.render(s);
    CHECK(gl.renderer.texture_uploads() == 1);
    s.dims.current_step = {2, 1, 3, 5};  // x moved
    check_plane(gl.renderer.render(s), 3, 5, [](int64_t t, int64_t y) { return value_at(t, 1, y, 5); });
    CHECK(gl.renderer.texture_uploads() == 2);
}

TEST_CASE("a 3D view of (t, y, x) of a 4D layer shows the volume at the z step") {
    Gl gl;
    // Two bright voxels: (t 2, z 1, y 3, x 12) and (t 1, z 0, y 10, x 4).
    auto source = MemorySource::uint8({4, 3, 16, 16}, [](const auto &at) {
        const bool first = at[0] == 2 && at[1] == 1 && at[2] == 3 && at[3] == 12;
        const bool second = at[0] == 1 && at[1] == 0 && at[2] == 10 && at[3] == 4;
        return uint8_t(first || second ? 255 : 0);
    });
    RenderScene s;
    s.width = s.height = 64;
    s.dims = {{4, 3, 16, 16}, {0, 1, 0, 0}, {1, 0, 2, 3}, 3};  // displayed t, y, x at z = 1
    s.camera.center = {1.5, 7.5, 7.5};
    s.camera.zoom = 4;
    s.layers = {layer("4d", source)};
    s.layers[0].interpolation3d = "nearest";
    // Facing down t: x -> screen (x - 7.5) * 4 + 32, y likewise.
    const render::Frame at_z1 = gl.renderer.render(s);
    CHECK(pixel(at_z1, 50, 14).r == 255);
    CHECK(pixel(at_z1, 18, 42).r == 0);
    CHECK(count_bright(at_z1) == 16);
    s.dims.current_step = {0, 0, 0, 0};
    const render::Frame at_z0 = gl.renderer.render(s);
    CHECK(pixel(at_z0, 50, 14).r == 0);
    CHECK(pixel(at_z0, 18, 42).r == 255);
}

TEST_CASE("a layer whose read throws DataError is left out and reported while the others still draw") {
    Gl gl;
    auto below = MemorySource::uint8({8, 8}, [](const auto &) { return uint8_t(100); });
    auto broken = MemorySource::uint8({3, 8, 8}, [](const auto &at) { return uint8_t(200 + at[0]); });
    bool corrupt = true;
    broken->before_read = [&](std::span<const int64_t> index) {
        if (corrupt && (index.empty() || index[0] == 1)) throw data::DataError("/data/broken.tif: strip 1 of page 1 is corrupt");
    };
    RenderScene s = scene_2d(8, 8);
    s.dims = {{3, 8, 8}, {1, 0, 0}, {0, 1, 2}, 2};
    s.camera.zoom = 8;
    s.layers = {layer("below", below), layer("broken", broken)};
    s.layers[1].blending = "opaque";

    const render::Frame f = gl.renderer.render(s);
    CHECK(pixel(f, 32, 32).r == 100);  // only the layer below
    REQUIRE(f.errors.size() == 1);
    CHECK(f.errors[0].layer == "broken");
    CHECK(f.errors[0].message == "/data/broken.tif: strip 1 of page 1 is corrupt");

    // The same slice is not read again, and stays reported.
    const int reads = broken->reads;
    const render::Frame again = gl.renderer.render(s);
    CHECK(broken->reads == reads);
    CHECK(again.errors.size() == 1);
    CHECK(pixel(again, 32, 32).r == 100);

    // Another slice reads, draws and clears the report; back on the bad slice it is retried.
    s.dims.current_step = {2, 0, 0};
    const render::Frame other = gl.renderer.render(s);
    CHECK(pixel(other, 32, 32).r == 202);
    CHECK(other.errors.empty());
    s.dims.current_step = {1, 0, 0};
    const render::Frame back = gl.renderer.render(s);
    CHECK(broken->reads == reads + 2);
    CHECK(back.errors.size() == 1);
    CHECK(pixel(back, 32, 32).r == 100);
    corrupt = false;  // the file was repaired: it shows once the layer moves off and back
    s.dims.current_step = {0, 0, 0};
    gl.renderer.render(s);
    s.dims.current_step = {1, 0, 0};
    CHECK(pixel(gl.renderer.render(s), 32, 32).r == 201);

    // In 3D the volume read fails the same way; the 2D layer below still shows as a plane.
    corrupt = true;
    s.dims.ndisplay = 3;
    s.camera.center = {1, 3.5, 3.5};
    const render::Frame volume = gl.renderer.render(s);
    REQUIRE(volume.errors.size() == 1);
    CHECK(volume.errors[0].layer == "broken");
    CHECK(pixel(volume, 32, 32).r == 100);
}
