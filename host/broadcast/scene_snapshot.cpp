// Store scopes map onto the snapshot: view/main -> viewer.settings, dims/main -> viewer.dims,
// camera/main -> viewer.camera, layer/<id> -> layers[] (controls), volume/main -> metadata.
#include "broadcast/scene_snapshot.hpp"

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

}  // namespace

json::object compose_scene(const store::SceneStore &store) {
    json::object settings = records_of(store, "view", "main");
    json::object dims = records_of(store, "dims", "main");
    if (const auto *ndisplay = store.find("view", "main", "ndisplay")) dims["ndisplay"] = ndisplay->value;
    json::object camera = records_of(store, "camera", "main");

    json::array layers;
    for (std::string_view id : store.targets("layer")) {
        json::object controls = records_of(store, "layer", id);
        json::object layer{{"layer_id", id}, {"layer_type", "image"}};
        // Layer metadata written at seed time sits beside the controls.
        for (const char *meta : {"name", "shape", "dtype", "axis_labels", "multiscale", "ndim"}) {
            if (auto *v = controls.if_contains(meta)) {
                layer[meta] = *v;
                controls.erase(meta);
            }
        }
        layer["controls"] = std::move(controls);
        layers.push_back(std::move(layer));
    }
    json::object snapshot{{"viewer", {{"settings", std::move(settings)}, {"dims", std::move(dims)},
                                      {"camera", std::move(camera)}}},
                          {"layers", std::move(layers)}};
    json::object volume = records_of(store, "volume", "main");
    snapshot["metadata"] = {{"status", store.targets("layer").empty() ? "idle" : "ready"},
                            {"volume_state", std::move(volume)}};
    return snapshot;
}

}  // namespace scenehost::broadcast
