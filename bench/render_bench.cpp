// Render benchmark: frames per second and readback time of the GL renderer on this machine's
// GL (Mesa llvmpipe under Xvfb when there is no GPU), for a 2D slice of the demo scene and a
// 3D MIP of the demo volume, at 1280x720 and 1920x1080. The baseline, measured in the same
// run at the same size, is a frame with no layers: clear plus readback, the floor any frame
// pays. `build/bin/render_bench [--frames N]`
#include <QOffscreenSurface>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fmt/format.h>
#include <string>
#include <vector>

#include "data/demo_scene.hpp"
#include "demo_view.hpp"
#include "render/gl_context.hpp"
#include "render/renderer.hpp"

using namespace scenehost;

namespace {

struct Timing {
    double frame_ms;     // median wall time of render() (draw + readback)
    double readback_ms;  // median readback
};

template <class Vary>
Timing measure(render::Renderer &renderer, render::RenderScene scene, int frames, Vary &&vary) {
    std::vector<double> total, readback;
    renderer.render(scene);  // warm: uploads, shader compilation
    for (int i = 0; i < frames; ++i) {
        vary(scene, i);
        const auto start = std::chrono::steady_clock::now();
        const render::Frame f = renderer.render(scene);
        total.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
        readback.push_back(f.readback_ms);
    }
    auto median = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        return v[v.size() / 2];
    };
    return {median(total), median(readback)};
}

}  // namespace

int main(int argc, char **argv) {
    int frames = 60;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (std::string(argv[i]) == "--frames") frames = std::stoi(argv[i + 1]);
    }
    render::QtRuntime qt("auto");
    auto surface = qt.make_surface();
    render::GlContext context(*surface);
    render::Renderer renderer(context.context());
    const data::Scene data = data::demo_scene();
    std::printf("GL: %s, %d frames per row\n\n", context.description().c_str(), frames);
    std::printf("| case | size | ms/frame | frames/s | readback ms | baseline ms/frame (clear + readback) | ratio |\n");
    std::printf("|---|---|---:|---:|---:|---:|---:|\n");
    for (auto [w, h] : {std::pair{1280, 720}, std::pair{1920, 1080}}) {
        render::RenderScene empty = bench::demo_view(w, h, data);
        empty.layers.clear();
        const Timing floor = measure(renderer, empty, frames, [](auto &, int) {});
        auto row = [&](const char *name, const Timing &t) {
            std::printf("| %s | %dx%d | %.2f | %.1f | %.2f | %.2f | %.2f |\n", name, w, h, t.frame_ms, 1000.0 / t.frame_ms,
                        t.readback_ms, floor.frame_ms, t.frame_ms / floor.frame_ms);
        };
        row("2D slice, same slice", measure(renderer, bench::demo_view(w, h, data), frames, [](auto &, int) {}));
        row("2D slice, new slice each frame", measure(renderer, bench::demo_view(w, h, data), frames, [](auto &s, int i) {
                s.dims.current_step[0] = i % 64;
            }));
        render::RenderScene volume = bench::demo_view(w, h, data);
        volume.layers.erase(std::remove_if(volume.layers.begin(), volume.layers.end(),
                                           [](const auto &l) { return l.id != "layer-0"; }),
                            volume.layers.end());
        volume.dims.ndisplay = 3;
        row("3D MIP, orbiting", measure(renderer, volume, frames, [](auto &s, int i) { s.camera.angles = {0, double(i * 3), 0}; }));
    }
    return 0;
}
