// `scenehost encoders`: one row per loaded encoder plugin: name, version, codec, input formats
// and whether it can run on this machine, with the plugin's reason when it cannot.
#pragma once

#include <filesystem>
#include <ostream>
#include <vector>

namespace scenehost::app {

// Prints the table to out; returns the exit code: 0 when at least one encoder can run, 1 when
// none can. Throws std::runtime_error for a directory that cannot be read.
int run_encoders_command(const std::vector<std::filesystem::path> &directories, std::ostream &out);

}  // namespace scenehost::app
