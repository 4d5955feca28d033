// Header-only C++ layer over reducer.h, compiled into each reducer plugin: a Reducer base
// class, thin views over the C structs, and SCENEHOST_EXPORT_REDUCER, which writes the
// manifest, the function table and the noexcept trampolines that are the only exception barrier.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <type_traits>

#include "scenehost/sdk/plugin.hpp"
#include "scenehost/sdk/reducer.h"
#include "scenehost/sdk/types.h"

namespace scenehost::sdk {

// One declared key: its name and the JSON Schema (draft 7) of the values written to it.
struct KeyDecl {
    std::string_view key;
    std::string_view schema_json;
};

// A client's intent; every view lives until reduce returns.
class Intent {
public:
    explicit Intent(const scenehost_intent_v1 *intent) : intent_(intent) {}
    std::string_view scope() const { return to_std(intent_->scope); }
    std::string_view target() const { return to_std(intent_->target); }
    std::string_view key() const { return to_std(intent_->key); }
    std::string_view value_json() const { return to_std(intent_->value_json); }
    std::string_view actor_id() const { return to_std(intent_->actor_id); }
    std::string_view intent_id() const { return to_std(intent_->intent_id); }

private:
    const scenehost_intent_v1 *intent_;
};

// A stored value as JSON text and its version; the text lives until reduce returns and must not
// be kept (see scenehost_store_view_v1).
struct StoredValue {
    std::string_view value_json;
    uint64_t version;
};

// Read-only view of the whole store during one reduce call; must not be kept after it.
class StoreView {
public:
    explicit StoreView(const scenehost_store_view_v1 *store) : store_(store) {}
    std::optional<StoredValue> get(std::string_view scope, std::string_view target, std::string_view key) const {
        scenehost_string_view value{};
        uint64_t version = 0;
        if (store_->get(store_->context, to_c(scope), to_c(target), to_c(key), &value, &version) == 0) {
            return std::nullopt;
        }
        return StoredValue{to_std(value), version};
    }
    // Calls visit(std::string_view target) for each target of scope, in sorted order.
    template <class Visit>
    void for_each_target(std::string_view scope, Visit &&visit) const {
        store_->list_targets(
            store_->context, to_c(scope),
            [](void *user, scenehost_string_view target) { (*static_cast<Visit *>(user))(to_std(target)); },
            &visit);
    }

private:
    const scenehost_store_view_v1 *store_;
};

// Why a reducer refuses an intent (scenehost_reject_code); the comment is the wire code.
enum class RejectCode : uint32_t {
    unknown_key = SCENEHOST_REJECT_UNKNOWN_KEY,      // state.unknown_key
    invalid_value = SCENEHOST_REJECT_INVALID_VALUE,  // state.invalid_value
    out_of_range = SCENEHOST_REJECT_OUT_OF_RANGE,    // state.out_of_range
    forbidden = SCENEHOST_REJECT_FORBIDDEN,          // state.forbidden
    conflict = SCENEHOST_REJECT_CONFLICT,            // state.conflict
};

// Where a reducer reports: write() one or more times, or reject() once. Lives for one call.
class Outcome {
public:
    explicit Outcome(const scenehost_outcome_sink_v1 *sink) : sink_(sink) {}
    void write(std::string_view target, std::string_view key, std::string_view value_json) const {
        sink_->write(sink_->context, to_c(target), to_c(key), to_c(value_json));
    }
    // message names the key and the bound; details_json is a JSON object.
    void reject(RejectCode code, std::string_view message, std::string_view details_json = "{}") const {
        sink_->reject_code(sink_->context, static_cast<uint32_t>(code), to_c(message), to_c(details_json));
    }

private:
    const scenehost_outcome_sink_v1 *sink_;
};

// Base of every reducer. A subclass also provides
//   static constexpr const char *kScope;            the scope it owns
//   static constexpr std::array<KeyDecl, N> kKeys;  the keys it writes
// and a constructor taking `const Host &`; optionally
//   static constexpr scenehost_publication kPublication;  how its changes reach clients
// (without it: SCENEHOST_PUBLICATION_STATE, scenehost's generic notify.state).
// The host calls seed and reduce one at a time (see the THREADING notes in reducer.h).
class Reducer {
public:
    virtual ~Reducer() = default;
    virtual void seed(std::string_view scene_json, const Outcome &out) = 0;
    virtual void reduce(const Intent &intent, const StoreView &store, const Outcome &out) = 0;
};

namespace detail {

// R::kPublication as the table stores it, or SCENEHOST_PUBLICATION_STATE when R declares none.
template <class R>
constexpr uint32_t publication_of() {
    if constexpr (requires { R::kPublication; }) {
        static_assert(std::is_same_v<std::remove_cv_t<decltype(R::kPublication)>, scenehost_publication>,
                      "kPublication is a scenehost_publication");
        static_assert(R::kPublication >= SCENEHOST_PUBLICATION_STATE &&
                          R::kPublication <= SCENEHOST_PUBLICATION_NAPARI_SCENE,
                      "kPublication is one of the SCENEHOST_PUBLICATION_* values (not INVALID)");
        return static_cast<uint32_t>(R::kPublication);
    } else {
        return SCENEHOST_PUBLICATION_STATE;
    }
}

template <class R>
void *create(const scenehost_host_v1 *host) noexcept {
    return barrier("create", [&]() -> void * { return new R(Host(host)); });
}

template <class R>
void destroy(void *instance) noexcept {
    delete static_cast<R *>(instance);
}

template <class R>
void seed(void *instance, scenehost_string_view scene_json, const scenehost_outcome_sink_v1 *sink) noexcept {
    barrier("seed", [&] { static_cast<R *>(instance)->seed(to_std(scene_json), Outcome(sink)); });
}

template <class R>
void reduce(void *instance, const scenehost_intent_v1 *intent, const scenehost_store_view_v1 *store,
            const scenehost_outcome_sink_v1 *sink) noexcept {
    barrier("reduce", [&] { static_cast<R *>(instance)->reduce(Intent(intent), StoreView(store), Outcome(sink)); });
}

template <class R>
const scenehost_reducer_v1 *reducer_table() noexcept {
    static const auto keys = [] {
        std::array<scenehost_key_decl_v1, R::kKeys.size()> out{};
        for (size_t i = 0; i < out.size(); ++i) {
            out[i] = {sizeof(scenehost_key_decl_v1), to_c(R::kKeys[i].key), to_c(R::kKeys[i].schema_json)};
        }
        return out;
    }();
    static const scenehost_reducer_v1 table = {
        sizeof(scenehost_reducer_v1), 0, R::kScope, keys.data(), keys.size(),
        &create<R>, &destroy<R>, &seed<R>, &reduce<R>, publication_of<R>(),
    };
    return &table;
}

}  // namespace detail
}  // namespace scenehost::sdk

// Exports ReducerClass as this library's reducer plugin named plugin_name. Use once per plugin.
#define SCENEHOST_EXPORT_REDUCER(ReducerClass, plugin_name, plugin_version)                        \
    SCENEHOST_DETAIL_DEFINE_MANIFEST(SCENEHOST_PLUGIN_KIND_REDUCER, plugin_name, plugin_version);  \
    extern "C" SCENEHOST_EXPORT const scenehost_reducer_v1 *scenehost_reducer_entry_v1(void) {     \
        return ::scenehost::sdk::detail::reducer_table<ReducerClass>();                            \
    }
