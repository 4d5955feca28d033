// What the renderer tests share: the Qt runtime, a current context with a renderer, pixel
// access and small scenes whose pixels the tests know exactly.
#pragma once

#include <QOffscreenSurface>
#include <memory>
#include <string>

#include "render/gl_context.hpp"
#include "render/renderer.hpp"
#include "support/memory_source.hpp"

namespace scenehost::test {

inline render::QtRuntime &qt() {
    static render::QtRuntime runtime("auto");
    return runtime;
}

// A context current on this thread and a renderer, per test.
struct Gl {
    std::unique_ptr<QOffscreenSurface> surface = qt().make_surface();
    render::GlContext context{*surface};
    render::Renderer renderer{context.context()};
};

struct Rgba {
    int r, g, b, a;
};

inline Rgba pixel(const render::Frame &f, int x, int y) {
    const size_t i = (size_t(y) * size_t(f.width) + size_t(x)) * 4;
    return {f.rgba[i], f.rgba[i + 1], f.rgba[i + 2], f.rgba[i + 3]};
}

inline render::LayerState layer(std::string id, std::shared_ptr<const data::ArraySource> source) {
    render::LayerState l;
    l.id = std::move(id);
    l.source = std::move(source);
    l.contrast_limits = {0, 255};
    return l;
}

// A 64 x 64 canvas looking at a 2D world of `rows` x `cols` pixels at zoom 1, centred.
inline render::RenderScene scene_2d(int64_t rows, int64_t cols) {
    render::RenderScene s;
    s.width = s.height = 64;
    s.dims.nsteps = {rows, cols};
    s.dims.current_step = {0, 0};
    s.dims.order = {0, 1};
    s.camera.center = {0, (double(rows) - 1) / 2, (double(cols) - 1) / 2};
    s.camera.zoom = 1;
    return s;
}

inline int count_bright(const render::Frame &f) {
    int n = 0;
    for (int y = 0; y < f.height; ++y)
        for (int x = 0; x < f.width; ++x) n += pixel(f, x, y).r > 128;
    return n;
}

}  // namespace scenehost::test
