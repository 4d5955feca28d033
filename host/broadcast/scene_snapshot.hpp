// Composes the notify.scene payload from the store: viewer (dims, camera, settings) and one
// entry per layer. Deterministic: the same store state gives the same bytes.
#pragma once

#include <boost/json/object.hpp>

#include "store/scene_store.hpp"

namespace scenehost::broadcast {

boost::json::object compose_scene(const store::SceneStore &store);

}  // namespace scenehost::broadcast
