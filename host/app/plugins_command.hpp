// `scenehost plugins`: one row per plugin file: kind, name, version, SDK, the directory it came
// from (the system one or a site one), path, status.
#pragma once

#include <filesystem>
#include <ostream>
#include <vector>

namespace scenehost::app {

// Prints the table to out; returns the exit code: 0 when everything loaded, 1 when anything
// was refused. Throws std::runtime_error for a directory that cannot be read.
// `system_dir` is the system plugin directory, marked `system` in the FROM column.
int run_plugins_command(const std::vector<std::filesystem::path> &directories, const std::filesystem::path &system_dir,
                        std::ostream &out);

}  // namespace scenehost::app
