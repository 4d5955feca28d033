// Every plugin found in the configured directories: the loaded reducers by scope, the loaded
// encoders by name, and a row
// per file saying what it is and whether it loaded or why it was refused.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "plugin/encoder_plugin.hpp"
#include "plugin/plugin_library.hpp"
#include "plugin/reducer_plugin.hpp"

namespace scenehost::plugin {

// One file of a plugin directory, as `scenehost plugins` prints it.
struct PluginRow {
    PluginInfo info;
    bool loaded = false;
    std::string refusal;  // empty when loaded
};

class PluginRegistry {
public:
    // Loads every *.so of each directory, in directory order then file-name order. A refused
    // file loads nothing and gets a row with its reason; it never stops the others.
    // Throws std::runtime_error naming a directory that does not exist or cannot be read.
    static PluginRegistry load(std::span<const std::filesystem::path> directories);

    const std::vector<PluginRow> &rows() const { return rows_; }
    bool any_refused() const;
    // The reducer owning scope, or nullptr.
    const ReducerPlugin *reducer(std::string_view scope) const;
    // All reducers, ordered by scope.
    std::vector<const ReducerPlugin *> reducers() const;
    // The encoder named name, or nullptr.
    const EncoderPlugin *encoder(std::string_view name) const;
    // All encoders, in load order.
    std::vector<const EncoderPlugin *> encoders() const;

private:
    void add(const std::filesystem::path &path);

    std::vector<PluginRow> rows_;
    std::map<std::string, std::unique_ptr<ReducerPlugin>, std::less<>> reducers_;
    std::vector<std::unique_ptr<EncoderPlugin>> encoders_;
};

}  // namespace scenehost::plugin
