// Opens one plugin file and checks it before any of its functions runs: the manifest symbol
// exists (read from the file), then the library is loaded RTLD_NOW|RTLD_LOCAL and the manifest
// checked against this host's SDK. The loaded library lives as long as its last user.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "scenehost/sdk/manifest.h"

namespace boost::dll {
class shared_library;
}

namespace scenehost::plugin {

// What the manifest says, copied out of the plugin.
struct PluginInfo {
    std::filesystem::path path;
    std::string kind;  // "reducer" or "encoder"; empty when the manifest could not be read
    std::string name;
    std::string version;
    uint16_t sdk_major = 0;
    uint16_t sdk_minor = 0;
    std::string compiler;
    uint32_t boost_version = 0;
};

// A library whose manifest passed every check. Copies share the loaded library.
class PluginLibrary {
public:
    PluginLibrary(std::shared_ptr<boost::dll::shared_library> library, PluginInfo info);
    const PluginInfo &info() const { return info_; }
    // Address of an exported symbol, or nullptr when the library does not export it.
    void *symbol(const char *name) const;
    // Keeps the library loaded while the returned handle lives.
    std::shared_ptr<const void> keep_alive() const { return library_; }

private:
    std::shared_ptr<boost::dll::shared_library> library_;
    PluginInfo info_;
};

// Why a file was not loaded, in words that name the file and the exact reason.
struct Refusal {
    PluginInfo info;     // as much as was read before the refusal
    std::string reason;  // e.g. "built against SDK 2.0, host has SDK 1.0 (major must match)"
};

std::variant<PluginLibrary, Refusal> open_plugin_library(const std::filesystem::path &path);

// "", or why a function table of `table_kind` ("reducer", "encoder") whose capabilities field
// sets a bit outside `known` is refused, naming the lowest such bit and this host's SDK.
std::string unknown_capability_reason(std::string_view table_kind, uint32_t capabilities, uint32_t known);

}  // namespace scenehost::plugin
