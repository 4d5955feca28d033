// The built-in demo scene, so `scenehost serve --demo` needs no files: a procedural 3D volume
// and a 2D image over its last two axes.
#pragma once

#include <boost/json/object.hpp>

namespace scenehost::data {

// The scene description the reducers seed from (docs/sdk.md, "Scene description").
boost::json::object demo_scene_description();

// A scene with no layers, for a host started without data.
boost::json::object empty_scene_description();

}  // namespace scenehost::data
