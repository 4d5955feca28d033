// napari-cuda's dialect of intents: the historic scopes and namespaced keys its clients still
// send (spec §5.1: "historic volume and multiscale intents are treated as aliases"), resolved to
// the scope that owns the property, and the commands that are intents under a name. Pure tables.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace scenehost::protocol {

// Where an intent goes: the owning scope, the target and the key.
struct IntentAddress {
    std::string scope;
    std::string target;
    std::string key;

    bool operator==(const IntentAddress &) const = default;
};

// Scope and key are matched case-insensitively (napari-cuda lower-cases them); the result
// names the owning scope:
//   settings/*                     -> view/*
//   dims/*/ndisplay                -> view/main/ndisplay
//   layer/L/volume.K               -> volume/L/K
//   layer/L/{rendering, attenuation, iso_threshold} -> volume/L/{same}
//   volume/L/{opacity, colormap, contrast_limits}   -> layer/L/{same}
//   multiscale/L/K                 -> layer/L/multiscale.K
// Everything else goes where it says.
IntentAddress resolve_intent(std::string_view scope, std::string_view target, std::string_view key);

// A command that is an intent under a name (spec §15 "command success": reply.command, then the
// notify.* of the change), offered when a reducer owns its scope.
struct IntentCommand {
    std::string name;
    IntentAddress address;
    boost::json::value value;
};
// camera.reset -> camera/main/reset {reason: "command"}.
const std::vector<IntentCommand> &intent_commands();

}  // namespace scenehost::protocol
