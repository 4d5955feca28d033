// Which encoder plugin streams: `auto` probes the configured order and takes the first that can
// run here; a name takes that plugin or fails. A named encoder that cannot run is a start-up
// error, never a silent fallback.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "plugin/plugin_registry.hpp"

namespace scenehost::pixel {

struct EncoderChoice {
    const plugin::EncoderPlugin *plugin = nullptr;
    std::vector<std::string> passed_over;  // `auto`: "<name>: <why it cannot run>" for each skipped
};

// choice is "auto" or a plugin name; auto_order names plugins, earlier preferred. Returns the
// choice or the start-up error (naming every encoder tried and why it could not run).
std::variant<EncoderChoice, std::string> select_encoder(const plugin::PluginRegistry &registry, std::string_view choice,
                                                        std::span<const std::string> auto_order);

}  // namespace scenehost::pixel
