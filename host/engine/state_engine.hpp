// The state update engine: the only code that mutates the scene store. It routes an intent to
// the reducer owning its scope, checks base_version, writes the intent's audit line, and only
// then applies the reducer's writes atomically, so no subscriber ever sees an unrecorded change.
// Every refused intent is audited too. It returns what the ack must say; the intent lane sends
// the ack and only then hands the change set to the broadcaster.
#pragma once

#include <boost/json/value.hpp>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/clock.hpp"
#include "metrics/metrics.hpp"
#include "plugin/plugin_registry.hpp"
#include "store/audit_log.hpp"
#include "store/scene_store.hpp"

namespace scenehost::engine {

// One client intent, already parsed and shape-checked by the protocol layer.
struct Intent {
    std::string_view scope;
    std::string_view target;
    std::string_view key;
    const boost::json::value &value;
    std::optional<uint64_t> base_version;
};

// Who sent it, for the store records and the audit log.
struct IntentSource {
    std::string_view actor_id;
    std::string_view session_id;
    std::string_view intent_id;
};

struct Accepted {
    boost::json::value applied_value;  // the stored value of the intent's property after apply
    uint64_t version;                  // its version (unchanged when the value already was so)
    store::ChangeSet changes;          // what changed; empty when nothing did
};

struct Rejected {
    std::string code;  // state.*
    std::string message;
    boost::json::object details;
    uint64_t version;  // current version of the intent's property (0 when absent)
};

// The audit log could not record the intent: nothing was applied, and the host cannot go on.
struct NotRecorded {
    std::string reason;  // the audit log's error: file, call and OS reason
};

using Outcome = std::variant<Accepted, Rejected, NotRecorded>;

// A scene load every reducer took: what changed, one set per scope that changed, in reducer order.
struct Loaded {
    std::vector<store::ChangeSet> changes;
};
using LoadOutcome = std::variant<Loaded, Rejected, NotRecorded>;

// An intent refused before any reducer saw it (rate limited, malformed): what the audit line
// holds. Fields the client's frame did not let the host read are empty (value: null).
struct Refusal {
    std::string_view scope;
    std::string_view target;
    std::string_view key;
    const boost::json::value &value;
    std::string_view code;
    std::string_view message;
};

// A host bound on a value reducers write: what the host allocates for a value (a canvas's frame
// buffers) is the host's to limit, whatever the reducer accepts. Checked on the writes of every
// intent a reducer accepted, before its audit line; a write beyond it rejects the intent with
// state.out_of_range (audited like any rejection, and counted).
struct WriteLimit {
    struct Breach {
        std::string message;  // names the key, the value's cost and the bound, and the option that sets it
        boost::json::object details;
    };
    std::string name;  // for /metrics, e.g. "canvas_pixels"
    std::string scope;
    std::string key;
    // Why value is beyond the limit, or nothing. value satisfies the key's declared schema.
    std::function<std::optional<Breach>(const boost::json::value &value)> check;
};

// Why the store may not hold `value` at scope/key under these plugins and limits (no reducer
// owns the scope, the reducer does not declare the key, the value breaks the key's schema or a
// limit), or empty. Recovery checks every value it reads back from the state directory with it.
std::string stored_value_problem(const plugin::PluginRegistry &plugins, std::span<const WriteLimit> limits,
                                 std::string_view scope, std::string_view key, const boost::json::value &value);

class StateEngine {
public:
    StateEngine(store::SceneStore &store, const plugin::PluginRegistry &plugins, store::AuditLog &audit,
                const base::Clock &clock);

    // Seeds every reducer's initial values for the scene. Throws std::runtime_error naming the
    // reducer when a scene does not suit it (the scene comes from outside: files, flags).
    void seed(std::string_view scene_json);

    // Replaces the scene (napari.load_zarr): every reducer seeds from scene_json, and each scope
    // then holds exactly its seed (records the seed does not write are removed, a client's
    // included). Versions go on from the old scene's, so a base_version from before conflicts.
    // One audit line (scope "scene", target "main", key "load", `request` its value) records
    // every write and removal before anything is applied, and the whole load is committed at
    // once. A reducer refusing the scene rejects the load, audited, with nothing changed.
    LoadOutcome load(std::string_view scene_json, const boost::json::value &request, const IntentSource &source);

    // Adds a bound on what reducers write to limit.scope / limit.key (before serving starts).
    void add_limit(WriteLimit limit);
    // Intents refused by a limit, by limit name (attached to /metrics).
    const metrics::Family<metrics::Counter> &limit_refusals() const { return limit_refusals_; }

    // Whether a reducer owns `scope`.
    bool has_scope(std::string_view scope) const { return plugins_.reducer(scope) != nullptr; }
    const store::SceneStore &store() const { return store_; }

    // Applies one intent: reducer, audit line, then the store. NotRecorded leaves the store as it was.
    Outcome apply(const Intent &intent, const IntentSource &source);
    // Audits an intent refused at the boundary; the reason when the log could not record it.
    std::optional<NotRecorded> record_refusal(const Refusal &refusal, const IntentSource &source);

private:
    Outcome reject(const Intent &intent, const IntentSource &source, std::string code, std::string message,
                   boost::json::object details);
    std::optional<NotRecorded> append(const store::AuditEntry &entry);

    store::SceneStore &store_;
    const plugin::PluginRegistry &plugins_;
    store::AuditLog &audit_;
    const base::Clock &clock_;
    std::string scopes_text_;  // "camera, dims, layer, …" for unknown-scope messages
    std::vector<WriteLimit> limits_;
    metrics::Family<metrics::Counter> limit_refusals_{{"limit"}};
};

}  // namespace scenehost::engine
