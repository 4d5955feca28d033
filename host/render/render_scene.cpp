#include "render/render_scene.hpp"

#include <boost/json.hpp>

#include "base/assert.hpp"

namespace scenehost::render {
namespace {

namespace json = boost::json;

// The value of a record the reducers always seed; absent means a reducer is missing, which
// the host refuses at start-up when rendering.
const json::value &value(const store::SceneStore &store, std::string_view scope, std::string_view target,
                         std::string_view key) {
    const store::Record *r = store.find(scope, target, key);
    SCENEHOST_ASSERT(r != nullptr, "the reducers seed every record the renderer reads");
    return r->value;
}

double number(const json::value &v) { return v.to_number<double>(); }

std::vector<int64_t> integers(const json::value &v) {
    std::vector<int64_t> out;
    for (const json::value &x : v.as_array()) out.push_back(x.to_number<int64_t>());
    return out;
}

std::array<double, 3> triple(const json::value &v) {
    const json::array &a = v.as_array();
    SCENEHOST_ASSERT(a.size() == 3, "the camera stores 3-vectors");
    return {number(a[0]), number(a[1]), number(a[2])};
}

std::string text(const json::value &v) { return std::string(v.as_string()); }

}  // namespace

LayerState project_layer(const store::SceneStore &store, std::string_view id, const SourceMap &sources) {
    const auto source = sources.find(id);
    SCENEHOST_ASSERT(source != sources.end(), "every layer in the store has a data source");
    LayerState layer;
    layer.id = std::string(id);
    layer.source = source->second;
    layer.visible = value(store, "layer", id, "visible").as_bool();
    layer.opacity = number(value(store, "layer", id, "opacity"));
    layer.colormap = text(value(store, "layer", id, "colormap"));
    const json::array &clim = value(store, "layer", id, "contrast_limits").as_array();
    layer.contrast_limits = {number(clim[0]), number(clim[1])};
    layer.gamma = number(value(store, "layer", id, "gamma"));
    layer.blending = text(value(store, "layer", id, "blending"));
    layer.interpolation2d = text(value(store, "layer", id, "interpolation2d"));
    layer.interpolation3d = text(value(store, "layer", id, "interpolation3d"));
    layer.level = size_t(value(store, "layer", id, "multiscale.level").to_number<int64_t>());
    SCENEHOST_ASSERT(layer.level < layer.source->level_count(), "the layers reducer bounds the level");
    layer.volume_mode = text(value(store, "volume", id, "mode"));
    layer.iso_threshold = number(value(store, "volume", id, "iso_threshold"));
    layer.attenuation = number(value(store, "volume", id, "attenuation"));
    layer.sample_step = number(value(store, "volume", id, "sample_step"));
    return layer;
}

DimsState project_dims(const store::SceneStore &store) {
    DimsState dims;
    dims.nsteps = integers(value(store, "dims", "main", "nsteps"));
    dims.current_step = integers(value(store, "dims", "main", "current_step"));
    dims.order = integers(value(store, "dims", "main", "order"));
    dims.ndisplay = int(value(store, "view", "main", "ndisplay").to_number<int64_t>());
    SCENEHOST_ASSERT(dims.order.size() == dims.nsteps.size() && size_t(dims.ndisplay) <= dims.order.size(),
                     "dims records agree with each other");
    return dims;
}

CameraState project_camera(const store::SceneStore &store) {
    CameraState camera;
    camera.center = triple(value(store, "camera", "main", "center"));
    camera.angles = triple(value(store, "camera", "main", "angles"));
    camera.zoom = number(value(store, "camera", "main", "zoom"));
    camera.perspective = number(value(store, "camera", "main", "perspective"));
    return camera;
}

RenderScene project_scene(const store::SceneStore &store, const SourceMap &sources) {
    RenderScene scene;
    const json::array &canvas = value(store, "view", "main", "canvas_size").as_array();
    scene.width = int(canvas[0].to_number<int64_t>());
    scene.height = int(canvas[1].to_number<int64_t>());
    const json::array &background = value(store, "view", "main", "background").as_array();
    for (size_t i = 0; i < 4; ++i) scene.background[i] = float(number(background[i]));
    scene.fps_target = number(value(store, "view", "main", "fps_target"));
    for (std::string_view id : store.targets("layer")) scene.layers.push_back(project_layer(store, id, sources));
    scene.dims = project_dims(store);
    scene.camera = project_camera(store);
    for (std::string_view scope : store.scopes()) scene.versions.emplace(scope, store.scope_version(scope));
    return scene;
}

}  // namespace scenehost::render
