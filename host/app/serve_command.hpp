// `scenehost serve`: loads the plugins, seeds the scene through the reducers, opens the audit
// log and runs until SIGINT or SIGTERM.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace scenehost::app {

struct ServeOptions {
    std::vector<std::filesystem::path> plugin_dirs;
    bool demo = false;
    std::string audit_log = "scenehost-audit.jsonl";
    std::string fsync = "batch";
};

// Returns the process exit code; throws std::runtime_error for a start-up error.
int run_serve_command(const ServeOptions &options);

}  // namespace scenehost::app
