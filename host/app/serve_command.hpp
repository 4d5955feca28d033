// `scenehost serve`: loads the plugins, seeds the scene through the reducers, opens the audit
// log and runs until SIGINT or SIGTERM.
#pragma once

#include "app/serve_options.hpp"

namespace scenehost::app {

// Returns the process exit code; throws std::runtime_error for a start-up error.
// Plugins come from plugin_directories(layout, ...).
int run_serve_command(const ServeOptions &options, const Layout &layout);

}  // namespace scenehost::app
