// Scans plugin directories and keeps what loads; refusals become rows, never exceptions.
#include "plugin/plugin_registry.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <stdexcept>
#include <system_error>
#include <unistd.h>

#include "base/assert.hpp"

namespace scenehost::plugin {

PluginRegistry PluginRegistry::load(std::span<const std::filesystem::path> directories) {
    PluginRegistry registry;
    for (const auto &directory : directories) {
        std::error_code error;
        std::vector<std::filesystem::path> files;
        for (std::filesystem::directory_iterator it(directory, error), end; !error && it != end; it.increment(error)) {
            if (it->path().extension() == ".so") {
                files.push_back(it->path());
            }
        }
        if (error) {
            throw std::runtime_error(fmt::format("plugin directory {}: {}", directory.string(), error.message()));
        }
        std::sort(files.begin(), files.end());
        for (const auto &file : files) {
            registry.add(file);
        }
    }
    return registry;
}

void PluginRegistry::add(const std::filesystem::path &path) {
    auto opened = open_plugin_library(path);
    if (auto *refusal = std::get_if<Refusal>(&opened)) {
        spdlog::error("plugin {} refused: {}", path.string(), refusal->reason);
        rows_.push_back({std::move(refusal->info), false, std::move(refusal->reason)});
        return;
    }
    const PluginLibrary &library = std::get<PluginLibrary>(opened);
    PluginRow row{library.info(), false, {}};
    auto refuse = [&](std::string reason) {
        spdlog::error("plugin {} refused: {}", path.string(), reason);
        row.refusal = std::move(reason);
        rows_.push_back(std::move(row));
    };
    if (library.info().kind == SCENEHOST_PLUGIN_KIND_ENCODER) {
        if (const EncoderPlugin *loaded = encoder(library.info().name)) {
            return refuse(fmt::format("an encoder named '{}' is already loaded from {}", loaded->info().name,
                                      loaded->info().path.string()));
        }
        auto created = EncoderPlugin::create(library);
        if (auto *why = std::get_if<std::string>(&created)) {
            return refuse(std::move(*why));
        }
        auto plugin = std::move(std::get<std::unique_ptr<EncoderPlugin>>(created));
        spdlog::info("plugin {} loaded: encoder '{}' {} for {} (SDK {}.{})", path.string(), plugin->info().name,
                     plugin->info().version, codec_name(plugin->codec()), plugin->info().sdk_major,
                     plugin->info().sdk_minor);
        row.loaded = true;
        rows_.push_back(std::move(row));
        encoders_.push_back(std::move(plugin));
        return;
    }
    SCENEHOST_ASSERT(library.info().kind == SCENEHOST_PLUGIN_KIND_REDUCER, "open_plugin_library admits two kinds");
    for (const auto &[scope, reducer] : reducers_) {
        if (reducer->info().name == library.info().name) {
            return refuse(fmt::format("a reducer named '{}' is already loaded from {}", reducer->info().name,
                                      reducer->info().path.string()));
        }
    }
    auto created = ReducerPlugin::create(library, [&](std::string_view scope) -> std::string {
        const ReducerPlugin *owner = this->reducer(scope);
        return owner == nullptr ? std::string()
                                : fmt::format("scope '{}' is already owned by reducer '{}' ({})", scope,
                                              owner->info().name, owner->info().path.string());
    });
    if (auto *why = std::get_if<std::string>(&created)) {
        return refuse(std::move(*why));
    }
    auto reducer = std::move(std::get<std::unique_ptr<ReducerPlugin>>(created));
    spdlog::info("plugin {} loaded: reducer '{}' {} for scope '{}' (SDK {}.{})", path.string(), reducer->info().name,
                 reducer->info().version, reducer->scope(), reducer->info().sdk_major, reducer->info().sdk_minor);
    row.loaded = true;
    rows_.push_back(std::move(row));
    std::string scope = reducer->scope();
    reducers_.emplace(std::move(scope), std::move(reducer));
}

bool PluginRegistry::any_refused() const {
    return std::any_of(rows_.begin(), rows_.end(), [](const PluginRow &row) { return !row.loaded; });
}

const ReducerPlugin *PluginRegistry::reducer(std::string_view scope) const {
    auto it = reducers_.find(scope);
    return it == reducers_.end() ? nullptr : it->second.get();
}

std::vector<const ReducerPlugin *> PluginRegistry::reducers() const {
    std::vector<const ReducerPlugin *> out;
    for (const auto &[scope, reducer] : reducers_) out.push_back(reducer.get());
    return out;
}

const EncoderPlugin *PluginRegistry::encoder(std::string_view name) const {
    for (const auto &e : encoders_) {
        if (e->info().name == name) return e.get();
    }
    return nullptr;
}

std::vector<const EncoderPlugin *> PluginRegistry::encoders() const {
    std::vector<const EncoderPlugin *> out;
    for (const auto &e : encoders_) out.push_back(e.get());
    return out;
}

}  // namespace scenehost::plugin
