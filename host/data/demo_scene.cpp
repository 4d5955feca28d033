#include "data/demo_scene.hpp"

#include "data/demo_source.hpp"

namespace scenehost::data {

boost::json::object demo_scene_description() {
    boost::json::object volume = describe_layer("layer-0", *make_demo_volume());
    volume["colormap"] = "magma";
    boost::json::object image = describe_layer("layer-1", *make_demo_image());
    image["contrast_limits"] = {0, 4095};
    return {{"layers", {std::move(volume), std::move(image)}}, {"canvas_size", {1280, 720}}};
}

boost::json::object empty_scene_description() { return {{"layers", boost::json::array()}, {"canvas_size", {1280, 720}}}; }

}  // namespace scenehost::data
