// Renders the plugin registry's rows as an aligned table.
#include "app/plugins_command.hpp"

#include <algorithm>
#include <array>
#include <fmt/format.h>
#include <string>

#include "plugin/plugin_registry.hpp"

namespace scenehost::app {

int run_plugins_command(const std::vector<std::filesystem::path> &directories, std::ostream &out) {
    const auto registry = plugin::PluginRegistry::load(directories);
    using Row = std::array<std::string, 6>;
    std::vector<Row> table = {{"KIND", "NAME", "VERSION", "SDK", "PATH", "STATUS"}};
    auto or_dash = [](const std::string &s) { return s.empty() ? std::string("-") : s; };
    for (const auto &row : registry.rows()) {
        const auto &info = row.info;
        std::string sdk = info.sdk_major == 0 ? "-" : fmt::format("{}.{}", info.sdk_major, info.sdk_minor);
        table.push_back({or_dash(info.kind), or_dash(info.name), or_dash(info.version), sdk, info.path.string(),
                         row.loaded ? std::string("loaded") : "refused: " + row.refusal});
    }
    std::array<size_t, 6> widths{};
    for (const auto &row : table) {
        for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
    }
    for (const auto &row : table) {
        std::string line;
        for (size_t i = 0; i < row.size(); ++i) {
            line += i + 1 == row.size() ? row[i] : fmt::format("{:<{}}  ", row[i], widths[i]);
        }
        out << line << '\n';
    }
    if (registry.rows().empty()) {
        out << "(no plugins found)\n";
    }
    return registry.any_refused() ? 1 : 0;
}

}  // namespace scenehost::app
