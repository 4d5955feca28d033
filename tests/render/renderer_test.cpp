// The GL renderer on Qt's offscreen platform (a private Xvfb when there is no DISPLAY), drawing
// small canvases whose pixels the tests know exactly.
#include <catch2/catch.hpp>

#include "render/colormap.hpp"
#include "render/renderer_fixture.hpp"

using namespace scenehost;
using namespace scenehost::test;
using render::RenderScene;

TEST_CASE("a gradient through gray and contrast limits gives the expected values within 1/255") {
    Gl gl;
    auto gradient = MemorySource::uint8({64, 64}, [](const auto &at) { return uint8_t(at[1] * 4); });
    RenderScene s = scene_2d(64, 64);
    s.layers = {layer("g", gradient)};
    s.layers[0].contrast_limits = {0, 252};
    const render::Frame f = gl.renderer.render(s);
    REQUIRE(f.width == 64);
    for (int x = 0; x < 64; ++x) {
        const Rgba p = pixel(f, x, 10);
        const double expected = 255.0 * x * 4 / 252;
        INFO("x = " << x);
        CHECK(std::abs(p.r - expected) <= 1.0);
        CHECK(p.g == p.r);
        CHECK(p.b == p.r);
    }
    // Narrower limits saturate both ends; gamma bends the middle.
    s.layers[0].contrast_limits = {64, 192};
    const render::Frame narrow = gl.renderer.render(s);
    CHECK(pixel(narrow, 8, 5).r == 0);    // 32 < 64
    CHECK(pixel(narrow, 56, 5).r == 255);  // 224 > 192
    CHECK(std::abs(pixel(narrow, 32, 5).r - 255.0 * (128 - 64) / 128) <= 1.0);
    s.layers[0].gamma = 2;
    const render::Frame bent = gl.renderer.render(s);
    CHECK(std::abs(pixel(bent, 32, 5).r - 255.0 * 0.25) <= 1.0);
}

TEST_CASE("opacity 0 shows the background, and the background is the settings' colour") {
    Gl gl;
    RenderScene s = scene_2d(64, 64);
    s.background = {0.2f, 0.4f, 0.6f, 1};
    s.layers = {layer("white", MemorySource::uint8({64, 64}, [](const auto &) { return uint8_t(255); }))};
    s.layers[0].opacity = 0;
    const Rgba p = pixel(gl.renderer.render(s), 20, 20);
    CHECK(p.r == 51);
    CHECK(p.g == 102);
    CHECK(p.b == 153);
    s.layers[0].opacity = 0.5;
    const Rgba half = pixel(gl.renderer.render(s), 20, 20);
    CHECK(std::abs(half.r - (255 + 51) / 2.0) <= 1.0);
    s.layers[0].visible = false;
    CHECK(pixel(gl.renderer.render(s), 20, 20).r == 51);
}

TEST_CASE("additive blending of a red and a green layer gives yellow, opaque covers and minimum takes the least") {
    Gl gl;
    RenderScene s = scene_2d(64, 64);
    auto full = MemorySource::uint8({64, 64}, [](const auto &) { return uint8_t(255); });
    s.layers = {layer("r", full), layer("g", full)};
    s.layers[0].colormap = "red";
    s.layers[1].colormap = "green";
    s.layers[0].blending = s.layers[1].blending = "additive";
    const Rgba yellow = pixel(gl.renderer.render(s), 30, 30);
    CHECK(yellow.r == 255);
    CHECK(yellow.g == 255);
    CHECK(yellow.b == 0);
    s.layers[1].blending = "opaque";
    const Rgba green = pixel(gl.renderer.render(s), 30, 30);
    CHECK(green.r == 0);
    CHECK(green.g == 255);
    s.layers[0].colormap = "yellow";
    s.layers[1].colormap = "cyan";
    s.layers[1].blending = "minimum";
    const Rgba least = pixel(gl.renderer.render(s), 30, 30);  // min(yellow, cyan) = green
    CHECK(least.r == 0);
    CHECK(least.g == 255);
    CHECK(least.b == 0);
}

TEST_CASE("changing current_step shows another slice, uploading only what changed") {
    Gl gl;
    auto stack = MemorySource::uint8({3, 8, 8}, [](const auto &at) { return uint8_t(at[0] * 100); });
    RenderScene s = scene_2d(8, 8);
    s.dims.nsteps = {3, 8, 8};
    s.dims.order = {0, 1, 2};
    s.dims.current_step = {1, 0, 0};
    s.camera.zoom = 8;  // 8 x 8 pixels fill the canvas
    s.layers = {layer("stack", stack)};
    CHECK(pixel(gl.renderer.render(s), 32, 32).r == 100);
    CHECK(gl.renderer.texture_uploads() == 1);
    gl.renderer.render(s);
    s.layers[0].opacity = 0.9;
    s.layers[0].colormap = "magma";
    gl.renderer.render(s);
    CHECK(gl.renderer.texture_uploads() == 1);  // same slice: no upload
    s.layers[0].opacity = 1;
    s.layers[0].colormap = "gray";
    s.dims.current_step = {2, 0, 0};
    CHECK(pixel(gl.renderer.render(s), 32, 32).r == 200);
    CHECK(gl.renderer.texture_uploads() == 2);
}

TEST_CASE("a layer the scene no longer has gives up its textures, and a new one draws") {
    Gl gl;
    auto dark = MemorySource::uint8({8, 8}, [](const auto &) { return uint8_t(40); });
    auto bright = MemorySource::uint8({8, 8}, [](const auto &) { return uint8_t(220); });
    RenderScene s = scene_2d(8, 8);
    s.camera.zoom = 8;
    s.layers = {layer("old-a", dark), layer("old-b", dark)};
    CHECK(pixel(gl.renderer.render(s), 32, 32).r == 40);
    CHECK(gl.renderer.textured_layers() == 2);
    s.layers = {layer("new", bright)};  // a scene load: new ids, new data
    CHECK(pixel(gl.renderer.render(s), 32, 32).r == 220);
    CHECK(gl.renderer.textured_layers() == 1);
}

TEST_CASE("another order shows a plane across the stack") {
    Gl gl;
    // value = 10 * z + y: looking at (z, x) at y = 3 shows 10 * z + 3 along the rows.
    auto stack = MemorySource::uint8({4, 8, 8}, [](const auto &at) { return uint8_t(10 * at[0] + at[1]); });
    RenderScene s = scene_2d(4, 8);
    s.dims.nsteps = {4, 8, 8};
    s.dims.order = {1, 0, 2};  // displayed: z (rows), x (columns)
    s.dims.current_step = {0, 3, 0};
    s.camera.zoom = 8;
    s.layers = {layer("stack", stack)};
    const render::Frame f = gl.renderer.render(s);
    // 4 rows of 8 px each around the centre: row z at screen y 16 + 8 z .. 24 + 8 z.
    for (int z = 0; z < 4; ++z) CHECK(pixel(f, 32, 20 + 8 * z).r == 10 * z + 3);
}

TEST_CASE("zoom changes a pixel's footprint") {
    Gl gl;
    auto dot = MemorySource::uint8({16, 16}, [](const auto &at) { return uint8_t(at[0] == 8 && at[1] == 8 ? 255 : 0); });
    RenderScene s = scene_2d(16, 16);
    s.layers = {layer("dot", dot)};
    s.camera.zoom = 1;
    CHECK(count_bright(gl.renderer.render(s)) == 1);
    s.camera.zoom = 4;
    CHECK(count_bright(gl.renderer.render(s)) == 16);
}

TEST_CASE("MIP of a volume with one bright voxel shows it where the camera projects it") {
    Gl gl;
    // The voxel at z = 5, y = 3, x = 12 in a 16^3 volume.
    auto volume = MemorySource::uint8({16, 16, 16}, [](const auto &at) {
        return uint8_t(at[0] == 5 && at[1] == 3 && at[2] == 12 ? 255 : 0);
    });
    RenderScene s;
    s.width = s.height = 64;
    s.dims.nsteps = {16, 16, 16};
    s.dims.current_step = {0, 0, 0};
    s.dims.order = {0, 1, 2};
    s.dims.ndisplay = 3;
    s.camera.center = {7.5, 7.5, 7.5};
    s.camera.zoom = 4;
    s.layers = {layer("v", volume)};
    s.layers[0].interpolation3d = "nearest";
    const render::Frame front = gl.renderer.render(s);
    // Facing down z: x = 12 -> screen (12 - 7.5) * 4 + 32 = 50, y = 3 -> 14.
    CHECK(pixel(front, 50, 14).r == 255);
    CHECK(pixel(front, 32, 32).r == 0);
    CHECK(count_bright(front) == 16);  // one voxel, 4 x 4 pixels

    // Turned 90 degrees about the vertical, screen right runs along -z: z = 5 -> x = 42.
    s.camera.angles = {0, 90, 0};
    const render::Frame side = gl.renderer.render(s);
    CHECK(pixel(side, 42, 14).r == 255);
    CHECK(pixel(side, 50, 14).r == 0);

    // Centred on it and zoomed in, it grows to 8 x 8 pixels in the middle.
    s.camera.angles = {0, 0, 0};
    s.camera.center = {5, 3, 12};
    s.camera.zoom = 8;
    const render::Frame close = gl.renderer.render(s);
    CHECK(count_bright(close) == 64);
    CHECK(pixel(close, 32, 32).r == 255);
}

TEST_CASE("a 2D layer shows in the 3D view as a plane at 0 on the axis it lacks") {
    Gl gl;
    auto image = MemorySource::uint8({8, 8}, [](const auto &at) { return uint8_t(at[1] < 4 ? 200 : 50); });
    RenderScene s;
    s.width = s.height = 64;
    s.dims = {{4, 8, 8}, {0, 0, 0}, {0, 1, 2}, 3};
    s.camera.center = {1.5, 3.5, 3.5};
    s.camera.zoom = 8;
    s.layers = {layer("image", image)};
    const render::Frame front = gl.renderer.render(s);
    CHECK(pixel(front, 16, 32).r == 200);  // left half
    CHECK(pixel(front, 48, 32).r == 50);   // right half
    // Seen edge-on (turned 90 degrees about the vertical) the plane is a thin line at z = 0.
    s.camera.angles = {0, 90, 0};
    CHECK(count_bright(gl.renderer.render(s)) <= 64 * 8);
}

TEST_CASE("every volume mode renders, and minip and mip differ on the same data") {
    Gl gl;
    auto ramp = MemorySource::uint8({8, 8, 8}, [](const auto &at) { return uint8_t(30 * at[0] + 10); });
    RenderScene s;
    s.width = s.height = 64;
    s.dims = {{8, 8, 8}, {0, 0, 0}, {0, 1, 2}, 3};
    s.camera.center = {3.5, 3.5, 3.5};
    s.camera.zoom = 8;
    s.layers = {layer("v", ramp)};
    auto centre = [&](const std::string &mode) {
        s.layers[0].volume_mode = mode;
        return pixel(gl.renderer.render(s), 32, 32).r;
    };
    CHECK(std::abs(centre("mip") - 220) <= 2);  // 30 * 7 + 10
    CHECK(std::abs(centre("minip") - 10) <= 2);
    CHECK(std::abs(centre("average") - 115) <= 3);  // the mean of 10 .. 220
    CHECK(centre("attenuated_mip") > 10);
    s.layers[0].iso_threshold = 100;
    CHECK(centre("iso") > 0);
    CHECK(centre("translucent") > 0);
    CHECK(centre("additive") > 0);
    s.camera.perspective = 30;
    CHECK(std::abs(centre("mip") - 220) <= 2);
}

TEST_CASE("colormap tables match napari's") {
    const render::ColormapLut viridis = render::colormap_lut("viridis");
    CHECK(int(viridis[0]) == 68);  // matplotlib's first viridis entry (0.267004, 0.004874, 0.329415)
    CHECK(int(viridis[1]) == 1);
    CHECK(int(viridis[2]) == 84);
    const render::ColormapLut gray_r = render::colormap_lut("gray_r");
    CHECK(int(gray_r[0]) == 255);
    CHECK(int(gray_r[255 * 4]) == 0);
}
