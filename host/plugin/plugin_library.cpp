// Boost.DLL is the loader; this file is the only one that includes it.
#include "plugin/plugin_library.hpp"

#include <algorithm>
#include <bit>
#include <cstddef>
#include <fmt/format.h>
#include <stdexcept>
#include <system_error>
#include <vector>

#define BOOST_DLL_USE_STD_FS
#include <boost/dll/library_info.hpp>
#include <boost/dll/shared_library.hpp>

#include "scenehost/sdk/version.h"

namespace scenehost::plugin {
namespace {

// The bytes of the manifest that every SDK 1.x plugin must have: up to and including `version`.
constexpr size_t kManifestRequiredBytes =
    offsetof(scenehost_plugin_manifest, version) + sizeof(scenehost_plugin_manifest::version);
// The fixed-forever prefix: magic, struct_size, sdk_major, sdk_minor.
constexpr size_t kManifestFixedBytes =
    offsetof(scenehost_plugin_manifest, sdk_minor) + sizeof(scenehost_plugin_manifest::sdk_minor);

template <class Field>
bool has_field(const scenehost_plugin_manifest &m, size_t offset) {
    return offset + sizeof(Field) <= m.struct_size;
}

std::string sdk_text(uint16_t major, uint16_t minor) { return fmt::format("{}.{}", major, minor); }

std::string host_sdk_text() { return sdk_text(SCENEHOST_SDK_VERSION_MAJOR, SCENEHOST_SDK_VERSION_MINOR); }

// Returns the reason the manifest is unacceptable, or an empty string.
std::string check_manifest(const scenehost_plugin_manifest &m, PluginInfo &info) {
    if (m.magic != SCENEHOST_PLUGIN_MAGIC) {
        return fmt::format("manifest magic is {:#010x}, expected {:#010x}", m.magic, SCENEHOST_PLUGIN_MAGIC);
    }
    info.sdk_major = m.sdk_major;
    info.sdk_minor = m.sdk_minor;
    if (m.sdk_major != SCENEHOST_SDK_VERSION_MAJOR) {
        return fmt::format("built against SDK {}, host has SDK {} (major must match)",
                           sdk_text(m.sdk_major, m.sdk_minor), host_sdk_text());
    }
    if (m.sdk_minor > SCENEHOST_SDK_VERSION_MINOR) {
        return fmt::format("built against SDK {}, newer than the host's SDK {}", sdk_text(m.sdk_major, m.sdk_minor),
                           host_sdk_text());
    }
    if (m.struct_size < kManifestRequiredBytes) {
        return fmt::format("manifest struct_size {} is smaller than the {} bytes SDK {}.x requires", m.struct_size,
                           kManifestRequiredBytes, SCENEHOST_SDK_VERSION_MAJOR);
    }
    if (m.sdk_minor == SCENEHOST_SDK_VERSION_MINOR && m.struct_size != sizeof(scenehost_plugin_manifest)) {
        return fmt::format("manifest struct_size {} does not fit SDK {} (expected {})", m.struct_size,
                           host_sdk_text(), sizeof(scenehost_plugin_manifest));
    }
    if (m.kind == nullptr || m.name == nullptr || m.version == nullptr) {
        return "manifest lacks kind, name or version";
    }
    info.kind = m.kind;
    info.name = m.name;
    info.version = m.version;
    if (has_field<uint32_t>(m, offsetof(scenehost_plugin_manifest, boost_version))) {
        info.boost_version = m.boost_version;
    }
    if (has_field<const char *>(m, offsetof(scenehost_plugin_manifest, compiler)) && m.compiler != nullptr) {
        info.compiler = m.compiler;
    }
    if (info.kind != SCENEHOST_PLUGIN_KIND_REDUCER && info.kind != SCENEHOST_PLUGIN_KIND_ENCODER) {
        return fmt::format("manifest kind '{}' is neither '{}' nor '{}'", info.kind, SCENEHOST_PLUGIN_KIND_REDUCER,
                           SCENEHOST_PLUGIN_KIND_ENCODER);
    }
    if (info.name.empty()) {
        return "manifest name is empty";
    }
    return {};
}

}  // namespace

PluginLibrary::PluginLibrary(std::shared_ptr<boost::dll::shared_library> library, PluginInfo info)
    : library_(std::move(library)), info_(std::move(info)) {}

void *PluginLibrary::symbol(const char *name) const {
    if (!library_->has(name)) {
        return nullptr;
    }
    // get<char> yields a reference to the byte at the symbol's address; its address is the symbol.
    return &library_->get<char>(name);
}

std::variant<PluginLibrary, Refusal> open_plugin_library(const std::filesystem::path &path) {
    PluginInfo info;
    info.path = path;
    // 1. Read the export table from the file without loading it. Boost.DLL reports a file it
    //    cannot parse by throwing; that is the boundary, and the reason goes to the user.
    std::vector<std::string> symbols;
    try {
        boost::dll::library_info file_info(path);
        symbols = file_info.symbols();
    } catch (const std::exception &e) {
        return Refusal{info, fmt::format("not a shared library ({})", e.what())};
    }
    if (std::find(symbols.begin(), symbols.end(), SCENEHOST_PLUGIN_MANIFEST_SYMBOL) == symbols.end()) {
        return Refusal{info, fmt::format("does not export the symbol '{}'", SCENEHOST_PLUGIN_MANIFEST_SYMBOL)};
    }

    // 2. Load it: all symbols resolved now, nothing leaked into the global namespace.
    std::error_code error;
    auto library = std::make_shared<boost::dll::shared_library>(
        path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, error);
    if (error) {
        return Refusal{info, fmt::format("cannot be loaded: {}", error.message())};
    }

    // 3. Read the manifest: first the fixed prefix, then whatever struct_size covers.
    const auto &manifest = library->get<const scenehost_plugin_manifest>(SCENEHOST_PLUGIN_MANIFEST_SYMBOL);
    static_assert(kManifestFixedBytes == 12, "the manifest's first four fields are fixed forever");
    if (std::string reason = check_manifest(manifest, info); !reason.empty()) {
        return Refusal{info, std::move(reason)};
    }
    return PluginLibrary(std::move(library), std::move(info));
}

std::string unknown_capability_reason(std::string_view table_kind, uint32_t capabilities, uint32_t known) {
    const uint32_t unknown = capabilities & ~known;
    if (unknown == 0) return {};
    const int bit = std::countr_zero(unknown);
    return fmt::format("{} table announces capability bit {} ({:#x}), which this host (SDK {}) does not know",
                       table_kind, bit, uint32_t{1} << bit, host_sdk_text());
}

}  // namespace scenehost::plugin
