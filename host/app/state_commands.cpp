// state.get and state.schema: read-only views for clients that work by scope/target/key.
#include "app/state_commands.hpp"

#include <array>
#include <fmt/format.h>

#include "base/assert.hpp"
#include "protocol/command_results.hpp"

namespace scenehost::app {
namespace {

std::string_view publication_name(plugin::Publication publication) {
    switch (publication) {
        case plugin::Publication::state: return "state";
        case plugin::Publication::napari_layers: return "napari_layers";
        case plugin::Publication::napari_dims: return "napari_dims";
        case plugin::Publication::napari_camera: return "napari_camera";
        case plugin::Publication::napari_scene: return "napari_scene";
    }
    ::scenehost::base::assert_failed(__FILE__, __LINE__, "publication", "every Publication has a name");
}

engine::CommandError invalid(std::string message) { return {"command.invalid", std::move(message), {}}; }

}  // namespace

engine::CommandResult state_get(const store::SceneStore &store, const engine::CommandCall &call) {
    constexpr std::array<std::string_view, 3> kFields = {"scope", "target", "key"};
    if (!call.args.empty() || call.kwargs.size() != kFields.size()) {
        return invalid("state.get takes exactly the kwargs scope, target and key");
    }
    std::array<std::string_view, 3> field;
    for (size_t i = 0; i < kFields.size(); ++i) {
        const boost::json::value *v = call.kwargs.if_contains(kFields[i]);
        if (v == nullptr || !v->is_string()) return invalid(fmt::format("state.get: kwargs.{} must be a string", kFields[i]));
        field[i] = v->get_string();
    }
    const store::Record *record = store.find(field[0], field[1], field[2]);
    if (record == nullptr) {
        return invalid(fmt::format("state.get: no record {}/{}/{}", field[0], field[1], field[2]));
    }
    return engine::CommandReply(
        protocol::state_record_result(field[0], field[1], field[2], record->value, record->version));
}

engine::CommandResult state_schema(const plugin::PluginRegistry &registry, const engine::CommandCall &call) {
    if (!call.args.empty() || !call.kwargs.empty()) return invalid("state.schema takes no arguments");
    std::vector<protocol::ScopeSchema> scopes;
    for (const plugin::ReducerPlugin *reducer : registry.reducers()) {
        protocol::ScopeSchema &scope = scopes.emplace_back(reducer->scope(), publication_name(reducer->publication()));
        for (std::string_view key : reducer->keys()) scope.keys.emplace_back(key, &reducer->schema(key).document());
    }
    return engine::CommandReply(protocol::state_schema_result(scopes));
}

}  // namespace scenehost::app
