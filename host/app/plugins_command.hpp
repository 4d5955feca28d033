// `scenehost plugins`: one row per plugin file: kind, name, version, SDK, path, status.
#pragma once

#include <filesystem>
#include <ostream>
#include <vector>

namespace scenehost::app {

// Prints the table to out; returns the exit code: 0 when everything loaded, 1 when anything
// was refused. Throws std::runtime_error for a directory that cannot be read.
int run_plugins_command(const std::vector<std::filesystem::path> &directories, std::ostream &out);

}  // namespace scenehost::app
