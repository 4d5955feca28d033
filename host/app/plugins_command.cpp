// Renders the plugin registry's rows as an aligned table.
#include "app/plugins_command.hpp"

#include <fmt/format.h>
#include <string>

#include "app/text_table.hpp"
#include "plugin/plugin_registry.hpp"

namespace scenehost::app {

int run_plugins_command(const std::vector<std::filesystem::path> &directories, const std::filesystem::path &system_dir,
                        std::ostream &out) {
    const auto registry = plugin::PluginRegistry::load(directories);
    std::vector<std::vector<std::string>> table = {{"KIND", "NAME", "VERSION", "SDK", "FROM", "PATH", "STATUS"}};
    auto or_dash = [](const std::string &s) { return s.empty() ? std::string("-") : s; };
    for (const auto &row : registry.rows()) {
        const auto &info = row.info;
        std::string sdk = info.sdk_major == 0 ? "-" : fmt::format("{}.{}", info.sdk_major, info.sdk_minor);
        const char *from = info.path.parent_path() == system_dir ? "system" : "site";
        table.push_back({or_dash(info.kind), or_dash(info.name), or_dash(info.version), sdk, from, info.path.string(),
                         row.loaded ? std::string("loaded") : "refused: " + row.refusal});
    }
    print_table(table, out);
    if (registry.rows().empty()) {
        out << "(no plugins found)\n";
    }
    return registry.any_refused() ? 1 : 0;
}

}  // namespace scenehost::app
