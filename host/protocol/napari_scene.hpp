// napari's scene model as the notify lanes show it, composed from the store: the notify.scene
// snapshot, the notify.dims and notify.camera state, and the keys layer-like scopes take on
// notify.layers. The only place outside host/render that knows the shipped scopes' names.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "protocol/dialect.hpp"
#include "store/scene_store.hpp"

namespace scenehost::protocol::napari {

// The notify.scene payload: viewer (dims, camera, settings) and one entry per layer, then every
// scope in `extension_scopes` (the notify.state topic's) under metadata.scopes as
// {scope: {target: {key: value}}}. Deterministic: the same store state gives the same bytes.
boost::json::object compose_scene(const store::SceneStore &store, const std::set<std::string, std::less<>> &extension_scopes);

// notify.dims now (nullopt while no dims are seeded); `source` says what changed them.
std::optional<DimsState> dims_state(const store::SceneStore &store, std::string_view source);

// The records of one target of a scope as {key: value}, in the store's key order.
boost::json::object records_of(const store::SceneStore &store, std::string_view scope, std::string_view target);

// view/main/ndisplay (2 when no view is seeded).
int64_t ndisplay(const store::SceneStore &store);

// The camera pose (camera/main) as one object; empty without a camera reducer.
boost::json::object camera_pose(const store::SceneStore &store);

// notify.camera for an applied change. napari-cuda's relative operations (orbit, pan, reset, fit,
// set, an anchored zoom) keep their mode and echo the intent's value; an absolute write is a "set"
// of what changed. intent_value is null for a change without an intent key.
CameraUpdate camera_update(const store::SceneStore &store, const store::ChangeSet &changes, std::string_view intent_key,
                           const boost::json::value &intent_value);

// notify.camera with the whole pose, for a resumed client (nullopt without a camera).
std::optional<CameraUpdate> camera_baseline(const store::SceneStore &store);

// The key a change of a layer-like scope takes in notify.layers' changes: volume records ride the
// layer topic under namespaced keys (spec §4: "volume.mode"); the layer scope's keys are as stored.
std::string layer_change_key(std::string_view scope, std::string_view key);

// Whether the scene has the layer `id` now.
bool has_layer(const store::SceneStore &store, std::string_view id);

}  // namespace scenehost::protocol::napari
