// napari-cuda's layer blocks and viewer blocks from the store; napari_scene has the shared
// readings (records, ndisplay, the dims pyramid).
#include "protocol/v2/scene.hpp"

#include <algorithm>
#include <array>
#include <boost/json/array.hpp>

#include "protocol/napari_scene.hpp"

namespace scenehost::protocol::v2 {
namespace {

namespace json = boost::json;

// Read-only metadata from the data: in the scene's layer block, never in a delta's sections.
constexpr std::array<std::string_view, 5> kMetadataKeys = {"layer_type", "shape", "dtype", "axis_labels",
                                                           "multiscale.levels"};
// napari-cuda's control keys that scenehost's layer scope holds under the same name.
constexpr std::array<std::string_view, 6> kControls = {"visible", "opacity", "blending",
                                                       "colormap", "gamma", "contrast_limits"};

template <size_t N>
bool is_one_of(const std::array<std::string_view, N> &names, std::string_view key) {
    return std::find(names.begin(), names.end(), key) != names.end();
}

// The layer's records and its volume records ("volume.K"), metadata left out.
json::object layer_state(const store::SceneStore &store, std::string_view id) {
    json::object changes;
    for (const auto &kv : napari::records_of(store, "layer", id)) {
        if (!is_one_of(kMetadataKeys, kv.key())) changes[kv.key()] = kv.value();
    }
    for (const auto &kv : napari::records_of(store, "volume", id)) {
        changes[napari::layer_change_key("volume", kv.key())] = kv.value();
    }
    return changes;
}

json::array ints(const std::vector<int64_t> &values) { return json::array(values.begin(), values.end()); }

json::object viewer(const store::SceneStore &store, int64_t ndisplay) {
    json::object settings;
    for (const auto &kv : napari::records_of(store, "view", "main")) {
        if (kv.key() != "ndisplay") settings[kv.key()] = kv.value();
    }
    settings["volume_enabled"] = ndisplay == 3;

    json::object dims{{"ndisplay", ndisplay}};
    if (const auto state = napari::dims_state(store, "baseline")) {
        dims["ndim"] = state->current_step.size();
        if (state->axis_labels) dims["axis_labels"] = json::array(state->axis_labels->begin(), state->axis_labels->end());
        if (state->order) dims["order"] = ints(*state->order);
        json::array shapes;
        for (const auto &shape : state->level_shapes) shapes.push_back(ints(shape));
        dims["level_shapes"] = std::move(shapes);
        dims["levels"] = state->levels;
        dims["current_level"] = 0;
        dims["current_step"] = ints(state->current_step);
        if (state->displayed) dims["displayed"] = ints(*state->displayed);
        dims["mode"] = state->mode;
    }
    for (const auto &kv : napari::records_of(store, "dims", "main")) {
        if (!dims.contains(kv.key())) dims[kv.key()] = kv.value();
    }

    json::object camera{{"ndisplay", ndisplay}};
    for (const auto &kv : napari::camera_pose(store)) camera[kv.key()] = kv.value();
    return {{"settings", std::move(settings)}, {"dims", std::move(dims)}, {"camera", std::move(camera)}};
}

json::object layer_block(const store::SceneStore &store, std::string_view id, int64_t ndisplay) {
    const json::object records = napari::records_of(store, "layer", id);
    json::object block{{"layer_id", id}};
    block["layer_type"] = records.contains("layer_type") ? records.at("layer_type") : json::value("image");
    if (const json::value *name = records.if_contains("name")) block["name"] = *name;
    if (const json::value *shape = records.if_contains("shape")) {
        block["ndim"] = shape->as_array().size();
        block["shape"] = *shape;
    }
    for (std::string_view key : {"dtype", "axis_labels"}) {
        if (const json::value *v = records.if_contains(key)) block[key] = *v;
    }
    block["volume"] = ndisplay == 3;
    // Every control, whatever the ndisplay: the baseline's sections at 3D name them all.
    json::object all = layer_sections(layer_state(store, id), 3);
    json::object controls = all.contains("controls") ? all.at("controls").as_object() : json::object{};
    if (const json::value *interpolation = records.if_contains(ndisplay == 3 ? "interpolation3d" : "interpolation2d")) {
        controls["interpolation"] = *interpolation;
    }
    if (const json::value *limits = records.if_contains("contrast_limits")) block["contrast_limits"] = *limits;
    block["controls"] = std::move(controls);
    if (const json::value *levels = records.if_contains("multiscale.levels")) {
        json::array shapes;
        for (const json::value &level : levels->as_array()) shapes.push_back(level.at("shape"));
        const json::value *level = records.if_contains("multiscale.level");
        block["multiscale"] = {{"levels", *levels},
                               {"current_level", level != nullptr ? *level : json::value(0)},
                               {"metadata", {{"policy", "manual"}, {"index_space", "base"}}}};
        block["level_shapes"] = std::move(shapes);
    }
    return block;
}

}  // namespace

json::object layer_sections(const json::object &changes, int64_t ndisplay) {
    const bool volume = ndisplay == 3;
    json::object controls;
    json::object data;
    for (const auto &kv : changes) {
        const std::string_view key = kv.key();
        const json::value &value = kv.value();
        if (is_one_of(kControls, key)) {
            controls[key] = value;
        } else if (key == "interpolation2d" || key == "interpolation3d") {
            const bool current = (key == "interpolation3d") == volume;
            (current ? controls["interpolation"] : data[key]) = value;
        } else if (key == "volume.mode") {
            controls["rendering"] = value;
            if (volume) data["volume.render_mode"] = value;
        } else if (key == "volume.iso_threshold" || key == "volume.attenuation") {
            controls[key.substr(7)] = value;
        } else if (key == "volume.sample_step" || key == "multiscale.level") {
            if (volume) data[key] = value;  // napari-cuda's mirror sends volume and multiscale keys in 3D only
        } else if (!is_one_of(kMetadataKeys, key)) {
            data[key] = value;
        }
    }
    json::object sections;
    if (!controls.empty()) sections["controls"] = std::move(controls);
    if (!data.empty()) sections["data"] = std::move(data);
    return sections;
}

json::object layer_baseline(const store::SceneStore &store, std::string_view layer_id) {
    return layer_sections(layer_state(store, layer_id), napari::ndisplay(store));
}

json::object compose_scene(const store::SceneStore &store,
                           const std::set<std::string, std::less<>> &extension_scopes) {
    const int64_t ndisplay = napari::ndisplay(store);
    json::array layers;
    json::object policy{{"policy", "manual"}, {"active_level", 0}, {"levels", json::array{}}};
    for (std::string_view id : store.targets("layer")) {
        json::object block = layer_block(store, id, ndisplay);
        if (layers.empty() && block.contains("multiscale")) {
            policy["active_level"] = block.at("multiscale").at("current_level");
            policy["levels"] = block.at("multiscale").at("levels");
        }
        layers.push_back(std::move(block));
    }
    json::object scopes;
    for (const std::string &scope : extension_scopes) {
        json::object targets;
        for (std::string_view target : store.targets(scope)) targets[target] = napari::records_of(store, scope, target);
        scopes[scope] = std::move(targets);
    }
    json::object metadata{{"status", layers.empty() ? "idle" : "ready"}};
    if (!scopes.empty()) metadata["scopes"] = std::move(scopes);
    return {{"viewer", viewer(store, ndisplay)},
            {"layers", std::move(layers)},
            {"policies", {{"multiscale", std::move(policy)}}},
            {"metadata", std::move(metadata)}};
}

}  // namespace scenehost::protocol::v2
