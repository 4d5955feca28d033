// The store as napari-cuda's v2 code shows it: the notify.scene snapshot its builders compose and
// the sections of a notify.layers delta as its layer mirror splits them.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "store/scene_store.hpp"

namespace scenehost::protocol::v2 {

// viewer {settings, dims, camera}, layers[] (napari-cuda's layer blocks), policies, metadata
// (status, and the notify.state topic's scopes under metadata.scopes).
boost::json::object compose_scene(const store::SceneStore &store,
                                  const std::set<std::string, std::less<>> &extension_scopes);

// A layer's changes (keys as the history holds them: the layer scope's, and "volume.K") as
// {controls?, data?}: napari's control keys under controls (the volume mode as `rendering`,
// the interpolation of the current ndisplay as `interpolation`), the volume and multiscale
// keys under data as namespaced keys and only in 3D (volume.render_mode, volume.sample_step,
// multiscale.level), anything else under data. Empty when nothing shows at this ndisplay.
boost::json::object layer_sections(const boost::json::object &changes, int64_t ndisplay);

// All of a layer's current state as sections, for a session's baseline.
boost::json::object layer_baseline(const store::SceneStore &store, std::string_view layer_id);

}  // namespace scenehost::protocol::v2
