// The installation layout from the executable's prefix.
#include "app/layout.hpp"

#include <stdexcept>
#include <system_error>

namespace scenehost::app {

Layout layout_for_prefix(const std::filesystem::path &prefix) {
    const bool system = prefix == "/usr";
    const std::filesystem::path sysconf = system ? "/etc" : prefix / "etc";
    const std::filesystem::path localstate = system ? "/var" : prefix / "var";
    return {.plugin_dir = prefix / "lib" / "scenehost" / "plugins",
            .web_root = prefix / "share" / "scenehost" / "web",
            .config_file = sysconf / "scenehost" / "scenehost.toml",
            .state_dir = localstate / "lib" / "scenehost"};
}

Layout running_layout() {
    std::error_code error;
    const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", error);
    if (error) {
        throw std::runtime_error("cannot locate the running executable (/proc/self/exe): " + error.message());
    }
    return layout_for_prefix(exe.parent_path().parent_path());
}

}  // namespace scenehost::app
