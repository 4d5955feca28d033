// A loaded reducer: its checked function table, its compiled key declarations and one
// instance. Every outcome it reports is checked against its declaration; a mismatch is a
// plugin bug and aborts the host naming the plugin, scope and key.
#pragma once

#include <cstdint>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <boost/json/value.hpp>

#include "plugin/host_services.hpp"
#include "plugin/plugin_library.hpp"
#include "plugin/value_schema.hpp"
#include "scenehost/sdk/reducer.h"
#include "store/scene_store.hpp"

namespace scenehost::plugin {

// A reducer's refusal of an intent, in wire terms.
struct Rejection {
    std::string code;  // one of kReducerRejectCodes
    std::string message;
    boost::json::object details;
};

// The state.* codes a reducer may reject with; the host owns the others. Entry i is the wire
// code of scenehost_reject_code i + 1.
inline constexpr std::string_view kReducerRejectCodes[] = {
    "state.unknown_key", "state.invalid_value", "state.out_of_range", "state.forbidden", "state.conflict",
};

// The wire code of a scenehost_reject_code number, or an empty view for one the SDK does not define.
constexpr std::string_view reject_code_wire(uint32_t code) {
    if (code < SCENEHOST_REJECT_UNKNOWN_KEY || code > SCENEHOST_REJECT_CONFLICT) return {};
    return kReducerRejectCodes[code - SCENEHOST_REJECT_UNKNOWN_KEY];
}
static_assert(std::size(kReducerRejectCodes) == SCENEHOST_REJECT_CONFLICT, "one wire code per scenehost_reject_code");
static_assert(reject_code_wire(SCENEHOST_REJECT_UNKNOWN_KEY) == "state.unknown_key" &&
                  reject_code_wire(SCENEHOST_REJECT_INVALID_VALUE) == "state.invalid_value" &&
                  reject_code_wire(SCENEHOST_REJECT_OUT_OF_RANGE) == "state.out_of_range" &&
                  reject_code_wire(SCENEHOST_REJECT_FORBIDDEN) == "state.forbidden" &&
                  reject_code_wire(SCENEHOST_REJECT_CONFLICT) == "state.conflict",
              "kReducerRejectCodes follows scenehost_reject_code");

// How the host publishes a reducer's changes (scenehost_publication, see reducer.h).
enum class Publication {
    state,          // notify.state {scope, target, changes, version} to clients that ask; resumable
    napari_layers,  // notify.layers per-target deltas; resumable
    napari_dims,    // notify.dims latest-value lane; a resuming client gets the current value
    napari_camera,  // notify.camera latest-value lane; likewise
    napari_scene,   // part of the viewer snapshot: a change publishes notify.scene anew
};

// Either the writes to apply to the reducer's scope (at least one), or a rejection.
using ReduceOutcome = std::variant<std::vector<store::Write>, Rejection>;

// The intent as the engine hands it over; value_json is the client's value as JSON text.
struct IntentView {
    std::string_view target;
    std::string_view key;
    std::string_view value_json;
    std::string_view actor_id;
    std::string_view intent_id;
};

class ReducerPlugin {
public:
    // Why a scope cannot be loaded (e.g. another reducer owns it), or empty when it can.
    using ScopeCheck = std::function<std::string(std::string_view scope)>;
    // Checks the library's reducer table and declarations and asks scope_refusal (when given)
    // about its scope, all before running any plugin code; then creates the instance.
    // Returns the refusal reason when anything is missing, malformed or refused.
    static std::variant<std::unique_ptr<ReducerPlugin>, std::string> create(const PluginLibrary &library,
                                                                            const ScopeCheck &scope_refusal = {});
    ~ReducerPlugin();
    ReducerPlugin(const ReducerPlugin &) = delete;
    ReducerPlugin &operator=(const ReducerPlugin &) = delete;

    const PluginInfo &info() const { return info_; }
    const std::string &scope() const { return scope_; }
    // What the table declares; Publication::state for an SDK 1.1 table, which has no such field.
    Publication publication() const { return publication_; }
    bool declares(std::string_view key) const { return keys_.find(key) != keys_.end(); }
    const ValueSchema &schema(std::string_view key) const;
    std::vector<std::string_view> keys() const;

    // The initial values for a scene (see docs/sdk.md for scene_json). A rejection here means
    // the scene does not suit the plugin; the caller reports it at start-up.
    ReduceOutcome seed(std::string_view scene_json) const;
    // Turns one intent of this scope into writes or a rejection, reading the store.
    ReduceOutcome reduce(const IntentView &intent, const store::SceneStore &store) const;

private:
    ReducerPlugin(const PluginLibrary &library, const scenehost_reducer_v1 *table);

    std::shared_ptr<const void> keep_alive_;  // declared first: released last
    PluginInfo info_;
    const scenehost_reducer_v1 *table_;
    std::string scope_;
    Publication publication_ = Publication::state;
    std::map<std::string, ValueSchema, std::less<>> keys_;
    std::unique_ptr<HostServices> host_;
    void *instance_ = nullptr;
};

}  // namespace scenehost::plugin
