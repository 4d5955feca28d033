// The config file: one TOML file whose [serve] table sets serve's options (the command line
// wins), and the two views of it users read: the effective config with each value's origin,
// and the template the package ships, every option commented out with its default.
#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>
#include <map>
#include <string>

namespace scenehost::app {

// Where each option's value came from, by option name without the dashes ("heartbeat-s"):
// "command line" or "FILE:LINE". An option not named here has its default.
using ValueSources = std::map<std::string, std::string, std::less<>>;

// The options of `command` the command line gave.
ValueSources command_line_sources(const CLI::App &command);

// Reads `file` and sets every option of its [serve] table on `serve` that `sources` does not
// already name (the command line wins), validated by the option's own checks; adds them to
// `sources`. Throws std::runtime_error "FILE:LINE: serve.KEY ...: problem (bound)" for a file
// that cannot be read or parsed, a key that is not an option, a value of the wrong type or out
// of the option's bound, and two options that exclude each other.
void apply_config_file(const std::filesystem::path &file, CLI::App &serve, ValueSources &sources);

// The effective options as TOML, each line commented with its origin ("default", the command
// line or FILE:LINE) and `notes[name]` when given (e.g. what an empty default means).
std::string effective_config(const CLI::App &serve, const ValueSources &sources,
                             const std::map<std::string, std::string, std::less<>> &notes);

// The shipped config file: a header, then the [serve] table with every option as a comment
// giving its help, bound and default.
std::string config_template(const CLI::App &serve);

}  // namespace scenehost::app
