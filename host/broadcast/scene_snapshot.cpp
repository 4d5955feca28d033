// The notify.scene snapshot, composed from the store in a fixed key order so the same state
// always serializes to the same bytes:
//   viewer.settings  <- view/main (all but ndisplay)
//   viewer.dims      <- dims/main, with ndisplay from view/main and displayed derived from order
//   viewer.camera    <- camera/main, with ndisplay
//   layers[]         <- layer/<id>: metadata at the top, the rest under controls; volume/<id>
//                       under volume; multiscale.levels and multiscale.level under multiscale
//   metadata.scopes  <- every other scope a plugin owns, as {target: {key: value}}
#include "broadcast/scene_snapshot.hpp"

#include <algorithm>
#include <array>
#include <initializer_list>

namespace scenehost::broadcast {
namespace {

namespace json = boost::json;

json::object records_of(const store::SceneStore &store, std::string_view scope, std::string_view target) {
    json::object out;
    store.for_each_record(scope, [&](const store::PropertyKey &p, const store::Record &r) {
        if (p.target == target) out[p.key] = r.value;
    });
    return out;
}

const json::value *find(const json::object &o, std::string_view key) { return o.if_contains(key); }

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

}  // namespace

json::object compose_scene(const store::SceneStore &store) {
    json::array layers;
    for (std::string_view id : store.targets("layer")) layers.push_back(layer(store, id));

    json::object scopes;
    for (std::string_view scope : store.scopes()) {
        static constexpr std::array<std::string_view, 5> kComposed = {"view", "dims", "camera", "layer", "volume"};
        if (std::find(kComposed.begin(), kComposed.end(), scope) != kComposed.end()) continue;
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

}  // namespace scenehost::broadcast
