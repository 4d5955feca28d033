// Encoder selection; see encoder_selection.hpp.
#include "pixel/encoder_selection.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace scenehost::pixel {
namespace {

std::string loaded_names(const plugin::PluginRegistry &registry) {
    std::vector<std::string> names;
    for (const plugin::EncoderPlugin *e : registry.encoders()) names.push_back(e->info().name);
    return names.empty() ? std::string("none") : fmt::format("{}", fmt::join(names, ", "));
}

}  // namespace

std::variant<EncoderChoice, std::string> select_encoder(const plugin::PluginRegistry &registry, std::string_view choice,
                                                        std::span<const std::string> auto_order) {
    if (choice != "auto") {
        const plugin::EncoderPlugin *plugin = registry.encoder(choice);
        if (plugin == nullptr) {
            return fmt::format("encoder '{}': no encoder plugin of that name is loaded (loaded: {})", choice,
                               loaded_names(registry));
        }
        if (auto why = plugin->probe()) return fmt::format("encoder '{}' cannot run here: {}", choice, *why);
        return EncoderChoice{plugin, {}};
    }
    if (auto_order.empty()) return std::string("encoder 'auto': the encoder order is empty");
    EncoderChoice result;
    for (const std::string &name : auto_order) {
        const plugin::EncoderPlugin *plugin = registry.encoder(name);
        if (plugin == nullptr) {
            result.passed_over.push_back(fmt::format("{}: no encoder plugin of that name is loaded", name));
            continue;
        }
        if (auto why = plugin->probe()) {
            result.passed_over.push_back(fmt::format("{}: {}", name, *why));
            continue;
        }
        result.plugin = plugin;
        return result;
    }
    return fmt::format("encoder 'auto': none of {} can run here ({}); loaded encoders: {}",
                       fmt::join(auto_order, ", "), fmt::join(result.passed_over, "; "), loaded_names(registry));
}

}  // namespace scenehost::pixel
