// What the renderer draws: the store's records turned into plain values (the projections),
// built on the control thread and handed to the render thread whole.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "data/array_source.hpp"
#include "store/scene_store.hpp"

namespace scenehost::render {

struct LayerState {
    std::string id;
    std::shared_ptr<const data::ArraySource> source;
    bool visible = true;
    double opacity = 1;
    std::string colormap = "gray";
    std::array<double, 2> contrast_limits{0, 1};
    double gamma = 1;
    std::string blending = "translucent";
    std::string interpolation2d = "nearest";
    std::string interpolation3d = "linear";
    size_t level = 0;
    // Volume rendering (ndisplay 3).
    std::string volume_mode = "mip";
    double iso_threshold = 0.5;
    double attenuation = 0.05;
    double sample_step = 1;
};

struct DimsState {
    std::vector<int64_t> nsteps{1, 1};
    std::vector<int64_t> current_step{0, 0};
    std::vector<int64_t> order{0, 1};
    int ndisplay = 2;

    // The world axes shown: the last ndisplay of order.
    std::vector<int64_t> displayed() const { return {order.end() - ndisplay, order.end()}; }
};

struct CameraState {
    std::array<double, 3> center{0, 0, 0};  // c0, c1, c2 over the last three displayed axes
    double zoom = 1;                         // screen pixels per data pixel
    std::array<double, 3> angles{0, 0, 0};   // degrees; docs/scene.md
    double perspective = 0;                  // field of view in degrees; 0 is orthographic
};

struct RenderScene {
    int width = 1280, height = 720;
    std::array<float, 4> background{0, 0, 0, 1};
    double fps_target = 60;
    std::vector<LayerState> layers;  // bottom to top
    DimsState dims;
    CameraState camera;
    // Store version per scope at projection time: a frame shows exactly these.
    std::map<std::string, uint64_t, std::less<>> versions;
    int64_t projected_us = 0;  // when it was projected (system clock, µs since the epoch); 0: not stamped
};

// Layer id -> its data. Every layer the store holds has one.
using data::SourceMap;

LayerState project_layer(const store::SceneStore &store, std::string_view id, const SourceMap &sources);
DimsState project_dims(const store::SceneStore &store);
CameraState project_camera(const store::SceneStore &store);
// All of it, with the canvas, background, fps target and the versions.
RenderScene project_scene(const store::SceneStore &store, const SourceMap &sources);

// The scopes the projection reads; rendering needs a reducer for each.
inline constexpr std::string_view kProjectedScopes[] = {"view", "dims", "camera", "layer", "volume"};

}  // namespace scenehost::render
