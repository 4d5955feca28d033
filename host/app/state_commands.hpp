// The commands that read the store and the reducers' declarations for scripts and agents
// (scenehostctl, its MCP server): `state.get` one record, `state.schema` every declared key.
#pragma once

#include "engine/command_registry.hpp"
#include "plugin/plugin_registry.hpp"
#include "store/scene_store.hpp"

namespace scenehost::app {

// state.get {scope, target, key} (kwargs, all strings): {scope, target, key, value, version};
// command.invalid for other arguments or a record that does not exist.
engine::CommandResult state_get(const store::SceneStore &store, const engine::CommandCall &call);

// state.schema (no arguments): {scopes: {SCOPE: {publication, keys: {KEY: JSON Schema}}}}, each
// schema as the reducer declared it.
engine::CommandResult state_schema(const plugin::PluginRegistry &registry, const engine::CommandCall &call);

}  // namespace scenehost::app
