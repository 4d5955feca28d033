// The demo scene's 2D view at a canvas size, as the benchmarks render it: the volume (magma)
// and the image (gray) over slice 32, the whole 256 x 256 plane filling the height.
#pragma once

#include "data/demo_scene.hpp"
#include "render/render_scene.hpp"

namespace scenehost::bench {

inline render::RenderScene demo_view(int width, int height, const data::Scene &data) {
    render::RenderScene s;
    s.width = width;
    s.height = height;
    s.dims = {{64, 256, 256}, {32, 0, 0}, {0, 1, 2}, 2};
    s.camera.center = {31.5, 127.5, 127.5};
    s.camera.zoom = 0.95 * height / 256.0;
    for (const auto &[id, source] : data.sources) {
        render::LayerState layer;
        layer.id = id;
        layer.source = source;
        layer.colormap = id == "layer-0" ? "magma" : "gray";
        layer.contrast_limits = {0, id == "layer-0" ? 255.0 : 4095.0};
        s.layers.push_back(layer);
    }
    return s;
}

}  // namespace scenehost::bench
