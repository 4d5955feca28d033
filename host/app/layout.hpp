// Where an installation keeps its files, derived from the running executable's prefix by the
// GNU rules: a package in /usr and a build tree read the same way (docs/packaging.md).
#pragma once

#include <filesystem>

namespace scenehost::app {

struct Layout {
    std::filesystem::path plugin_dir;   // <prefix>/lib/scenehost/plugins: the system plugins
    std::filesystem::path web_root;     // <prefix>/share/scenehost/web: the browser viewer
    std::filesystem::path config_file;  // <sysconf>/scenehost/scenehost.toml, read when it exists
    std::filesystem::path state_dir;    // <localstate>/lib/scenehost: audit log and state
};

// For an installation under prefix: sysconf is /etc and localstate /var when the prefix is
// /usr (the package), else <prefix>/etc and <prefix>/var (a build tree, /usr/local, /opt/...).
Layout layout_for_prefix(const std::filesystem::path &prefix);

// The layout of the running executable, <prefix>/bin/scenehost. Throws std::runtime_error
// when /proc/self/exe cannot be read.
Layout running_layout();

// The layout the scenehost package installs (prefix /usr): what the shipped config documents.
inline Layout package_layout() { return layout_for_prefix("/usr"); }

}  // namespace scenehost::app
