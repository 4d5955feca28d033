// Scenes the host can serve: their description (what the reducers seed from, docs/sdk.md)
// together with the data behind each layer.
#pragma once

#include <boost/json/object.hpp>

#include "data/array_source.hpp"

namespace scenehost::data {

struct Scene {
    boost::json::object description;
    SourceMap sources;
};

// The built-in demo, so `scenehost serve --demo` needs no files: layer-0 a procedural 3D volume
// (magma), layer-1 a 2D image over its last two axes, added over the volume at opacity 0.6 so
// that both show.
Scene demo_scene();

// No layers, for a host started without data.
Scene empty_scene();

}  // namespace scenehost::data
