// Header-only C++ pieces every plugin kind shares: string view conversions, the host's
// services, the manifest macro and the one way a plugin dies on an escaped exception.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string_view>

#include "scenehost/sdk/manifest.h"
#include "scenehost/sdk/types.h"
#include "scenehost/sdk/version.h"

#if __has_include(<boost/version.hpp>)
#include <boost/version.hpp>
#define SCENEHOST_DETAIL_BOOST_VERSION BOOST_VERSION
#else
#define SCENEHOST_DETAIL_BOOST_VERSION 0
#endif

// Defined once per plugin by an SCENEHOST_EXPORT_* macro.
extern "C" SCENEHOST_EXPORT const struct scenehost_plugin_manifest scenehost_plugin_manifest;

namespace scenehost::sdk {

// Converts between the C string view and std::string_view.
constexpr std::string_view to_std(scenehost_string_view v) {
    return v.size == 0 ? std::string_view() : std::string_view(v.data, v.size);
}
constexpr scenehost_string_view to_c(std::string_view v) { return {v.data(), v.size()}; }

// The host's services for one plugin instance.
class Host {
public:
    explicit Host(const scenehost_host_v1 *host) : host_(host) {}
    void log(scenehost_log_level level, std::string_view message) const {
        host_->log(host_->context, level, to_c(message));
    }

private:
    const scenehost_host_v1 *host_;
};

}  // namespace scenehost::sdk

namespace scenehost::sdk::detail {

[[noreturn]] inline void die(const char *function, const char *what) {
    std::fprintf(stderr, "scenehost: plugin '%s' let an exception escape %s: %s\n",
                 scenehost_plugin_manifest.name, function, what);
    std::abort();
}

// Runs body, the plugin's own code behind one trampoline, and returns what it returns. This is
// the plugin's one exception barrier: whatever escapes body ends the process after naming the
// plugin and `function`. Nothing is recovered, so a plugin bug is a crash with a culprit.
template <class Body>
decltype(auto) barrier(const char *function, Body &&body) noexcept {
    try {
        return body();
    } catch (const std::exception &e) {
        die(function, e.what());
    } catch (...) {
        // The one catch-all allowed in scenehost, because it does not carry on: it aborts. Without
        // it, a `throw 42;` would hit the noexcept boundary and terminate without naming a culprit.
        die(function, "an exception that is not a std::exception, so it carries no message");
    }
}

}  // namespace scenehost::sdk::detail

// Writes the manifest of a plugin of `kind_string` (see manifest.h).
#define SCENEHOST_DETAIL_DEFINE_MANIFEST(kind_string, plugin_name, plugin_version)                 \
    extern "C" SCENEHOST_EXPORT const struct scenehost_plugin_manifest scenehost_plugin_manifest = { \
        SCENEHOST_PLUGIN_MAGIC,                                                                     \
        sizeof(struct scenehost_plugin_manifest),                                                   \
        SCENEHOST_SDK_VERSION_MAJOR,                                                                \
        SCENEHOST_SDK_VERSION_MINOR,                                                                \
        kind_string,                                                                                \
        plugin_name,                                                                                \
        plugin_version,                                                                             \
        SCENEHOST_DETAIL_BOOST_VERSION,                                                             \
        __VERSION__,                                                                                \
    }

