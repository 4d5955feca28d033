#include "data/demo_scene.hpp"

#include "data/demo_source.hpp"

namespace scenehost::data {

Scene demo_scene() {
    Scene scene;
    scene.sources.emplace("layer-0", make_demo_volume());
    scene.sources.emplace("layer-1", make_demo_image());
    boost::json::object volume = describe_layer("layer-0", *scene.sources.at("layer-0"));
    volume["colormap"] = "magma";
    boost::json::object image = describe_layer("layer-1", *scene.sources.at("layer-1"));
    image["contrast_limits"] = {0, 4095};
    // Added over the volume, so that both show at once, in 2D and in 3D.
    image["blending"] = "additive";
    image["opacity"] = 0.6;
    scene.description = {{"layers", {std::move(volume), std::move(image)}}, {"canvas_size", {1280, 720}}};
    return scene;
}

Scene empty_scene() { return {{{"layers", boost::json::array()}, {"canvas_size", {1280, 720}}}, {}}; }

}  // namespace scenehost::data
