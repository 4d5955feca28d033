// The C boundary of reducers: builds the host's sinks and store view, calls the plugin, and
// checks what comes back against the plugin's declaration.
#include "plugin/reducer_plugin.hpp"

#include <algorithm>
#include <cstddef>
#include <deque>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "base/assert.hpp"

namespace scenehost::plugin {
namespace {

using sdk_view = scenehost_string_view;

std::string_view to_std(sdk_view v) { return v.size == 0 ? std::string_view() : std::string_view(v.data, v.size); }
sdk_view to_c(std::string_view v) { return {v.data(), v.size()}; }

constexpr size_t kTableRequiredBytes = offsetof(scenehost_reducer_v1, reduce) + sizeof(scenehost_reducer_v1::reduce);
// A table that ends before this (SDK 1.1) has no `publication` and gets Publication::state.
constexpr size_t kTablePublicationBytes =
    offsetof(scenehost_reducer_v1, publication) + sizeof(scenehost_reducer_v1::publication);
constexpr size_t kKeyDeclRequiredBytes =
    offsetof(scenehost_key_decl_v1, schema_json) + sizeof(scenehost_key_decl_v1::schema_json);

// Collects one call's outcome and checks each report as it arrives.
struct Collector {
    const ReducerPlugin *plugin;
    const char *phase;  // "seed" or "reduce"
    std::vector<store::Write> writes;
    std::optional<Rejection> rejection;

    [[noreturn]] void violation(std::string_view key, std::string_view what) const {
        base::assert_failed(__FILE__, __LINE__, "reducer outcome matches its declaration",
                            fmt::format("reducer plugin '{}' ({}) scope '{}' key '{}' in {}: {}", plugin->info().name,
                                        plugin->info().path.string(), plugin->scope(), key, phase, what));
    }

    void on_write(std::string_view target, std::string_view key, std::string_view value_json) {
        if (rejection) violation(key, "wrote after rejecting");
        if (target.empty()) violation(key, "wrote an empty target");
        if (!plugin->declares(key)) violation(key, "wrote a key it did not declare");
        boost::system::error_code error;
        boost::json::value value = boost::json::parse(value_json, error);
        if (error) violation(key, fmt::format("wrote a value that is not JSON ({}): {}", error.message(), value_json));
        if (std::string why = plugin->schema(key).violations(value); !why.empty()) {
            violation(key, fmt::format("wrote {} which breaks its declared schema: {}", value_json, why));
        }
        writes.push_back({std::string(target), std::string(key), std::move(value)});
    }

    // The SDK 1.0 / 1.1 reject: the wire code as text.
    void on_reject(std::string_view code, std::string_view message, std::string_view details_json) {
        if (std::find(std::begin(kReducerRejectCodes), std::end(kReducerRejectCodes), code) ==
            std::end(kReducerRejectCodes)) {
            violation("", fmt::format("rejected with code '{}', which reducers may not use", code));
        }
        add_rejection(code, message, details_json);
    }

    // The SDK 1.2 reject: a scenehost_reject_code number.
    void on_reject_code(uint32_t code, std::string_view message, std::string_view details_json) {
        const std::string_view wire = reject_code_wire(code);
        if (wire.empty()) {
            violation("", fmt::format("rejected with code number {}, which is not a SCENEHOST_REJECT_* value", code));
        }
        add_rejection(wire, message, details_json);
    }

    void add_rejection(std::string_view code, std::string_view message, std::string_view details_json) {
        if (rejection) violation("", "rejected twice");
        if (!writes.empty()) violation(writes.front().key, "rejected after writing");
        if (message.empty()) violation("", fmt::format("rejected with code '{}' and no message", code));
        boost::json::object details;
        if (!details_json.empty()) {
            boost::system::error_code error;
            boost::json::value parsed = boost::json::parse(details_json, error);
            if (error || !parsed.is_object()) violation("", "rejected with details that are not a JSON object");
            details = std::move(parsed.as_object());
        }
        rejection = Rejection{std::string(code), std::string(message), std::move(details)};
    }

    // A reduce call must write or reject; a seed may write nothing (no layers, no volume records).
    ReduceOutcome finish(std::string_view key) {
        if (rejection) return std::move(*rejection);
        if (writes.empty() && std::string_view(phase) == "reduce") violation(key, "neither wrote nor rejected");
        return std::move(writes);
    }

    scenehost_outcome_sink_v1 sink() {
        return {
            sizeof(scenehost_outcome_sink_v1),
            this,
            [](void *c, sdk_view target, sdk_view key, sdk_view value) {
                static_cast<Collector *>(c)->on_write(to_std(target), to_std(key), to_std(value));
            },
            [](void *c, sdk_view code, sdk_view message, sdk_view details) {
                static_cast<Collector *>(c)->on_reject(to_std(code), to_std(message), to_std(details));
            },
            [](void *c, uint32_t code, sdk_view message, sdk_view details) {
                static_cast<Collector *>(c)->on_reject_code(code, to_std(message), to_std(details));
            },
        };
    }
};

// The read-only store view of one reduce call; the serialized values it hands out live as long
// as it does, which is until the reduce call returns (the lifetime reducer.h promises).
struct StoreReader {
    const store::SceneStore *store;
    std::deque<std::string> texts;

    scenehost_store_view_v1 view() {
        return {
            sizeof(scenehost_store_view_v1),
            this,
            [](void *c, sdk_view scope, sdk_view target, sdk_view key, sdk_view *value, uint64_t *version) -> int {
                auto *self = static_cast<StoreReader *>(c);
                const store::Record *record = self->store->find(to_std(scope), to_std(target), to_std(key));
                if (record == nullptr) return 0;
                const std::string &text = self->texts.emplace_back(boost::json::serialize(record->value));
                *value = to_c(text);
                *version = record->version;
                return 1;
            },
            [](void *c, sdk_view scope, void (*visit)(void *, sdk_view), void *user) {
                auto *self = static_cast<StoreReader *>(c);
                for (std::string_view target : self->store->targets(to_std(scope))) {
                    visit(user, to_c(target));
                }
            },
        };
    }
};

}  // namespace

ReducerPlugin::ReducerPlugin(const PluginLibrary &library, const scenehost_reducer_v1 *table)
    : keep_alive_(library.keep_alive()),
      info_(library.info()),
      table_(table),
      scope_(table->scope),
      host_(std::make_unique<HostServices>(library.info().name)) {}

ReducerPlugin::~ReducerPlugin() {
    if (instance_ != nullptr) {
        table_->destroy(instance_);
    }
}

std::variant<std::unique_ptr<ReducerPlugin>, std::string> ReducerPlugin::create(const PluginLibrary &library,
                                                                                 const ScopeCheck &scope_refusal) {
    void *entry_address = library.symbol(SCENEHOST_REDUCER_ENTRY_SYMBOL_V1);
    if (entry_address == nullptr) {
        return fmt::format("does not export the symbol '{}'", SCENEHOST_REDUCER_ENTRY_SYMBOL_V1);
    }
    auto entry = reinterpret_cast<scenehost_reducer_entry_v1_fn>(entry_address);
    const scenehost_reducer_v1 *table = entry();
    if (table == nullptr) {
        return fmt::format("{} returned NULL", SCENEHOST_REDUCER_ENTRY_SYMBOL_V1);
    }
    if (table->struct_size < kTableRequiredBytes) {
        return fmt::format("reducer table struct_size {} is smaller than the {} bytes SDK 1.x requires",
                           table->struct_size, kTableRequiredBytes);
    }
    const std::pair<const char *, bool> required[] = {
        {"scope", table->scope != nullptr && table->scope[0] != '\0'},
        {"keys", table->keys != nullptr && table->key_count > 0},
        {"create", table->create != nullptr},
        {"destroy", table->destroy != nullptr},
        {"seed", table->seed != nullptr},
        {"reduce", table->reduce != nullptr},
    };
    for (const auto &[field, present] : required) {
        if (!present) {
            return fmt::format("reducer table lacks the required field '{}'", field);
        }
    }
    if (std::string why = unknown_capability_reason("reducer", table->capabilities, SCENEHOST_REDUCER_CAPS_KNOWN);
        !why.empty()) {
        return why;
    }
    Publication publication = Publication::state;
    if (table->struct_size >= kTablePublicationBytes) {
        switch (table->publication) {
            case SCENEHOST_PUBLICATION_STATE: publication = Publication::state; break;
            case SCENEHOST_PUBLICATION_NAPARI_LAYERS: publication = Publication::napari_layers; break;
            case SCENEHOST_PUBLICATION_NAPARI_DIMS: publication = Publication::napari_dims; break;
            case SCENEHOST_PUBLICATION_NAPARI_CAMERA: publication = Publication::napari_camera; break;
            case SCENEHOST_PUBLICATION_NAPARI_SCENE: publication = Publication::napari_scene; break;
            default:
                return fmt::format("reducer table field 'publication' is {}, not a SCENEHOST_PUBLICATION_* value this "
                                   "host knows",
                                   table->publication);
        }
    }

    if (scope_refusal) {
        if (std::string why = scope_refusal(table->scope); !why.empty()) return why;
    }
    std::unique_ptr<ReducerPlugin> plugin(new ReducerPlugin(library, table));
    plugin->publication_ = publication;
    for (size_t i = 0; i < table->key_count; ++i) {
        const scenehost_key_decl_v1 &decl = table->keys[i];
        if (decl.struct_size < kKeyDeclRequiredBytes) {
            return fmt::format("key declaration {} has struct_size {}, smaller than the {} bytes SDK 1.x requires", i,
                               decl.struct_size, kKeyDeclRequiredBytes);
        }
        std::string key(to_std(decl.key));
        if (key.empty()) {
            return fmt::format("key declaration {} has an empty key", i);
        }
        auto compiled = ValueSchema::compile(to_std(decl.schema_json));
        if (auto *why = std::get_if<std::string>(&compiled)) {
            return fmt::format("key '{}': {}", key, *why);
        }
        if (!plugin->keys_.emplace(key, std::move(std::get<ValueSchema>(compiled))).second) {
            return fmt::format("key '{}' is declared twice", key);
        }
    }
    plugin->instance_ = table->create(plugin->host_->table());
    if (plugin->instance_ == nullptr) {
        return std::string("create() returned NULL (the plugin's log says why)");
    }
    return plugin;
}

const ValueSchema &ReducerPlugin::schema(std::string_view key) const {
    auto it = keys_.find(key);
    SCENEHOST_ASSERT(it != keys_.end(), "callers ask only for declared keys");
    return it->second;
}

std::vector<std::string_view> ReducerPlugin::keys() const {
    std::vector<std::string_view> out;
    for (const auto &[key, schema] : keys_) out.push_back(key);
    return out;
}

ReduceOutcome ReducerPlugin::seed(std::string_view scene_json) const {
    Collector collector{this, "seed", {}, {}};
    const scenehost_outcome_sink_v1 sink = collector.sink();
    table_->seed(instance_, to_c(scene_json), &sink);
    return collector.finish("");
}

ReduceOutcome ReducerPlugin::reduce(const IntentView &intent, const store::SceneStore &store) const {
    Collector collector{this, "reduce", {}, {}};
    StoreReader reader{&store, {}};
    const scenehost_outcome_sink_v1 sink = collector.sink();
    const scenehost_store_view_v1 view = reader.view();
    const scenehost_intent_v1 c_intent = {
        sizeof(scenehost_intent_v1), to_c(scope_),           to_c(intent.target),   to_c(intent.key),
        to_c(intent.value_json),     to_c(intent.actor_id), to_c(intent.intent_id),
    };
    table_->reduce(instance_, &c_intent, &view, &sink);
    return collector.finish(intent.key);
}

}  // namespace scenehost::plugin
