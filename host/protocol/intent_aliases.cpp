// The alias table and the intent commands of the napari-cuda dialect.
#include "protocol/intent_aliases.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace scenehost::protocol {
namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return out;
}

bool is_one_of(std::string_view s, std::initializer_list<std::string_view> names) {
    return std::find(names.begin(), names.end(), s) != names.end();
}

}  // namespace

IntentAddress resolve_intent(std::string_view scope_in, std::string_view target, std::string_view key_in) {
    const std::string scope = lower(scope_in);
    const std::string key = lower(key_in);
    if (scope == "settings") return {"view", std::string(target), key};
    if (scope == "dims" && key == "ndisplay") return {"view", "main", key};
    if (scope == "layer" && key.starts_with("volume.")) return {"volume", std::string(target), key.substr(7)};
    if (scope == "layer" && is_one_of(key, {"rendering", "attenuation", "iso_threshold"})) {
        return {"volume", std::string(target), key};
    }
    if (scope == "volume" && is_one_of(key, {"opacity", "colormap", "contrast_limits"})) {
        return {"layer", std::string(target), key};
    }
    if (scope == "multiscale") return {"layer", std::string(target), "multiscale." + key};
    return {scope, std::string(target), key};
}

const std::vector<IntentCommand> &intent_commands() {
    static const std::vector<IntentCommand> commands = {
        {"camera.reset", {"camera", "main", "reset"}, boost::json::object{{"reason", "command"}}},
    };
    return commands;
}

}  // namespace scenehost::protocol
