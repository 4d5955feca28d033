// Probes every encoder plugin and prints the outcome as an aligned table.
#include "app/encoders_command.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <string>

#include "app/text_table.hpp"
#include "plugin/plugin_registry.hpp"

namespace scenehost::app {

int run_encoders_command(const std::vector<std::filesystem::path> &directories, std::ostream &out) {
    const auto registry = plugin::PluginRegistry::load(directories);
    std::vector<std::vector<std::string>> table = {{"NAME", "VERSION", "CODEC", "INPUT", "STATUS"}};
    bool any_available = false;
    for (const plugin::EncoderPlugin *encoder : registry.encoders()) {
        std::vector<std::string> formats;
        for (scenehost_pixel_format f : encoder->input_formats()) formats.emplace_back(plugin::pixel_format_name(f));
        const auto why = encoder->probe();
        any_available = any_available || !why;
        table.push_back({encoder->info().name, encoder->info().version, std::string(plugin::codec_name(encoder->codec())),
                         fmt::format("{}", fmt::join(formats, ",")), why ? "unavailable: " + *why : "available"});
    }
    print_table(table, out);
    if (registry.encoders().empty()) out << "(no encoder plugins found)\n";
    return any_available ? 0 : 1;
}

}  // namespace scenehost::app
