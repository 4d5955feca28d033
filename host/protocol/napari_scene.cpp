// The notify.scene snapshot, composed from the store in a fixed key order so the same state
// always serializes to the same bytes:
//   viewer.settings  <- view/main (all but ndisplay)
//   viewer.dims      <- dims/main, with ndisplay from view/main and displayed derived from order
//   viewer.camera    <- camera/main, with ndisplay
//   layers[]         <- layer/<id>: metadata at the top, the rest under controls; volume/<id>
//                       under volume; multiscale.levels and multiscale.level under multiscale
//   metadata.scopes  <- the notify.state topic's scopes, as {target: {key: value}}
// and the dims and camera lanes.
#include "protocol/napari_scene.hpp"

#include <algorithm>
#include <array>
#include <fmt/format.h>
#include <initializer_list>

#include "base/assert.hpp"

namespace scenehost::protocol::napari {
namespace {

namespace json = boost::json;

const json::value *find(const json::object &o, std::string_view key) { return o.if_contains(key); }

// A record holding an array of integers (the reducers' schemas say so).
std::vector<int64_t> int_vector(const store::Record &record) {
    std::vector<int64_t> out;
    for (const json::value &v : record.value.as_array()) out.push_back(v.to_number<int64_t>());
    return out;
}

bool is_one_of(std::string_view key, std::initializer_list<std::string_view> keys) {
    return std::find(keys.begin(), keys.end(), key) != keys.end();
}

// Builds each section in a fixed order; keys a section does not name keep the store's sorted order.
json::object viewer(const store::SceneStore &store) {
    const json::object view = records_of(store, "view", "main");
    const json::value ndisplay = find(view, "ndisplay") != nullptr ? *find(view, "ndisplay") : json::value(2);
    json::object settings;
    for (const auto &kv : view) {
        if (kv.key() != "ndisplay") settings[kv.key()] = kv.value();
    }

    const json::object records = records_of(store, "dims", "main");
    json::object dims;
    if (const json::value *nsteps = find(records, "nsteps")) dims["ndim"] = nsteps->as_array().size();
    dims["ndisplay"] = ndisplay;
    for (std::string_view key : {"nsteps", "current_step", "order"}) {
        if (const json::value *v = find(records, key)) dims[key] = *v;
    }
    if (const json::value *order = find(records, "order")) {
        const json::array &axes = order->as_array();
        const size_t shown = std::min(axes.size(), size_t(ndisplay.to_number<int64_t>()));
        dims["displayed"] = json::array(axes.end() - ptrdiff_t(shown), axes.end());
    }
    for (const auto &kv : records) {
        if (!is_one_of(kv.key(), {"nsteps", "current_step", "order"})) dims[kv.key()] = kv.value();
    }

    json::object camera{{"ndisplay", ndisplay}};
    for (const auto &kv : records_of(store, "camera", "main")) camera[kv.key()] = kv.value();

    return {{"settings", std::move(settings)}, {"dims", std::move(dims)}, {"camera", std::move(camera)}};
}

json::object layer(const store::SceneStore &store, std::string_view id) {
    const json::object records = records_of(store, "layer", id);
    json::object out{{"layer_id", id}};
    out["layer_type"] = find(records, "layer_type") != nullptr ? *find(records, "layer_type") : json::value("image");
    if (const json::value *name = find(records, "name")) out["name"] = *name;
    if (const json::value *shape = find(records, "shape")) out["ndim"] = shape->as_array().size();
    for (std::string_view meta : {"shape", "dtype", "axis_labels"}) {
        if (const json::value *v = find(records, meta)) out[meta] = *v;
    }
    json::object controls;
    for (const auto &kv : records) {
        if (!is_one_of(kv.key(), {"layer_type", "name", "shape", "dtype", "axis_labels", "multiscale.levels",
                                  "multiscale.level"})) {
            controls[kv.key()] = kv.value();
        }
    }
    out["controls"] = std::move(controls);
    json::object volume = records_of(store, "volume", id);
    if (!volume.empty()) out["volume"] = std::move(volume);
    json::object multiscale;
    if (const json::value *levels = find(records, "multiscale.levels")) multiscale["levels"] = *levels;
    if (const json::value *level = find(records, "multiscale.level")) multiscale["level"] = *level;
    if (!multiscale.empty()) out["multiscale"] = std::move(multiscale);
    return out;
}

// The sliders' pyramid: the levels of the first layer whose finest shape is the dims' extent,
// else the extent alone as one level.
void dims_levels(const store::SceneStore &store, const std::vector<int64_t> &nsteps, DimsState &dims) {
    for (std::string_view id : store.targets("layer")) {
        const store::Record *shape = store.find("layer", id, "shape");
        const store::Record *levels = store.find("layer", id, "multiscale.levels");
        if (shape == nullptr || levels == nullptr || int_vector(*shape) != nsteps) continue;
        dims.levels = levels->value.as_array();
        for (const json::value &level : dims.levels) {
            std::vector<int64_t> level_shape;
            for (const json::value &n : level.at("shape").as_array()) level_shape.push_back(n.to_number<int64_t>());
            dims.level_shapes.push_back(std::move(level_shape));
        }
        return;
    }
    dims.levels = {json::object{{"shape", json::array(nsteps.begin(), nsteps.end())},
                                {"downsample", json::array(nsteps.size(), 1)}}};
    dims.level_shapes = {nsteps};
}

}  // namespace

json::object records_of(const store::SceneStore &store, std::string_view scope, std::string_view target) {
    json::object out;
    store.for_each_record(scope, [&](const store::PropertyKey &p, const store::Record &r) {
        if (p.target == target) out[p.key] = r.value;
    });
    return out;
}

int64_t ndisplay(const store::SceneStore &store) {
    const store::Record *record = store.find("view", "main", "ndisplay");
    return record == nullptr ? 2 : record->value.to_number<int64_t>();
}

json::object compose_scene(const store::SceneStore &store, const std::set<std::string, std::less<>> &extension_scopes) {
    json::array layers;
    for (std::string_view id : store.targets("layer")) layers.push_back(layer(store, id));

    json::object scopes;
    for (const std::string &scope : extension_scopes) {
        json::object targets;
        for (std::string_view target : store.targets(scope)) targets[target] = records_of(store, scope, target);
        scopes[scope] = std::move(targets);
    }
    json::object metadata{{"status", layers.empty() ? "idle" : "ready"}};
    if (!scopes.empty()) metadata["scopes"] = std::move(scopes);

    return {{"viewer", viewer(store)},
            {"layers", std::move(layers)},
            {"policies", {{"multiscale", {{"policy", "manual"}}}}},
            {"metadata", std::move(metadata)}};
}

std::optional<DimsState> dims_state(const store::SceneStore &store, std::string_view source) {
    const store::Record *step = store.find("dims", "main", "current_step");
    if (step == nullptr) return std::nullopt;
    DimsState dims;
    dims.current_step = int_vector(*step);
    dims.ndisplay = ndisplay(store);
    dims.mode = dims.ndisplay == 3 ? "volume" : "plane";
    dims.source = std::string(source);
    if (const store::Record *order = store.find("dims", "main", "order")) {
        // napari's displayed axes: the last ndisplay of the order.
        dims.order = int_vector(*order);
        const size_t shown = std::min(dims.order->size(), size_t(dims.ndisplay));
        dims.displayed = std::vector<int64_t>(dims.order->end() - ptrdiff_t(shown), dims.order->end());
    }
    if (const store::Record *labels = store.find("dims", "main", "axis_labels"); labels && labels->value.is_array()) {
        std::vector<std::string> names;
        for (const json::value &l : labels->value.get_array()) names.emplace_back(l.as_string());
        dims.axis_labels = std::move(names);
    }
    if (const store::Record *nsteps = store.find("dims", "main", "nsteps")) {
        dims_levels(store, int_vector(*nsteps), dims);
    } else {
        dims_levels(store, std::vector<int64_t>(dims.current_step.size(), 1), dims);
    }
    dims.version = store.scope_version("dims");
    return dims;
}

json::object camera_pose(const store::SceneStore &store) { return records_of(store, "camera", "main"); }

CameraUpdate camera_update(const store::SceneStore &store, const store::ChangeSet &changes, std::string_view intent_key,
                           const json::value &intent_value) {
    SCENEHOST_ASSERT(!changes.changes.empty(), "only applied changes are published");
    const bool relative = is_one_of(intent_key, {"orbit", "pan", "reset", "fit", "set"}) ||
                          (intent_key == "zoom" && intent_value.is_object());
    json::object written;
    for (const store::Change &c : changes.changes) written[c.property.key] = c.new_value;
    return CameraUpdate{relative ? std::string(intent_key) : "set",
                        relative ? intent_value : json::value(std::move(written)), std::string(kCameraFromIntent),
                        camera_pose(store),
                        changes.changes.back().version};
}

std::optional<CameraUpdate> camera_baseline(const store::SceneStore &store) {
    json::object pose = camera_pose(store);
    if (pose.empty()) return std::nullopt;
    return CameraUpdate{"set", pose, std::string(kCameraBaseline), pose, store.scope_version("camera")};
}

bool has_layer(const store::SceneStore &store, std::string_view id) {
    const auto layers = store.targets("layer");
    return std::find(layers.begin(), layers.end(), id) != layers.end();
}

std::string layer_change_key(std::string_view scope, std::string_view key) {
    return scope == "volume" ? fmt::format("volume.{}", key) : std::string(key);
}

}  // namespace scenehost::protocol::napari
