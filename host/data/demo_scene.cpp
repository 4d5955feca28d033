#include "data/demo_scene.hpp"

namespace scenehost::data {

boost::json::object demo_scene_description() {
    return {
        {"layers",
         {{{"id", "layer-0"},
           {"name", "demo volume"},
           {"shape", {64, 256, 256}},
           {"dtype", "uint8"},
           {"axis_labels", {"z", "y", "x"}},
           {"colormap", "magma"},
           {"multiscale",
            {{{"shape", {64, 256, 256}}, {"downsample", {1, 1, 1}}, {"path", "0"}},
             {{"shape", {32, 128, 128}}, {"downsample", {2, 2, 2}}, {"path", "1"}}}}},
          {{"id", "layer-1"},
           {"name", "demo image"},
           {"shape", {256, 256}},
           {"dtype", "uint16"},
           {"axis_labels", {"y", "x"}},
           {"contrast_limits", {0, 4095}}}}},
        {"canvas_size", {1280, 720}},
    };
}

boost::json::object empty_scene_description() { return {{"layers", boost::json::array()}, {"canvas_size", {1280, 720}}}; }

}  // namespace scenehost::data
