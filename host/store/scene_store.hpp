// The authoritative scene store: one record per (scope, target, key) with its value, version,
// actor, origin and time. Written only by the engine on the control thread.
#pragma once

#include <boost/json/value.hpp>
#include <compare>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.hpp"

namespace scenehost::store {

struct PropertyKey {
    std::string scope;
    std::string target;
    std::string key;
    auto operator<=>(const PropertyKey &) const = default;
};

struct Record {
    boost::json::value value;
    uint64_t version = 0;  // the scope version at which this value was written
    std::string actor_id;
    std::string origin;  // "seed", "state.update", …
    base::TimeUs timestamp_us = 0;
};

// One write a reducer asks for, in its own scope.
struct Write {
    std::string target;
    std::string key;
    boost::json::value value;
};

// Who writes and through which path.
struct WriteOrigin {
    std::string actor_id;
    std::string origin;
};

// One applied write or removal, as subscribers see it.
struct Change {
    PropertyKey property;
    std::optional<boost::json::value> old_value;  // nullopt when the record is new
    boost::json::value new_value;                 // null when removed
    uint64_t version = 0;
    std::string actor_id;
    std::string origin;
    base::TimeUs timestamp_us = 0;
    bool removed = false;  // the record is gone (only a scene load removes records: replace_plan)
};

// Everything one atomic apply changed, in write order.
struct ChangeSet {
    std::string scope;
    std::vector<Change> changes;
};

// A base_version that is not the property's current version.
struct Conflict {
    PropertyKey property;
    uint64_t base_version = 0;
    uint64_t current_version = 0;      // 0 when the record does not exist
    boost::json::value current_value;  // null when the record does not exist
};

// What apply would change, computed without changing anything: the engine records it in the
// audit log first and commits it only then, so no subscriber ever sees an unrecorded change.
// Valid until the next commit to its scope.
struct PendingApply {
    ChangeSet changes;
    uint64_t scope_version = 0;  // the scope's version when planned; commit checks it is unchanged
};

// Invariants: single writer; within a scope, versions strictly increase in apply order; a
// record's version is the scope version of the write that set it; subscribers see only
// committed changes.
class SceneStore {
public:
    using Subscriber = std::function<void(const ChangeSet &)>;

    explicit SceneStore(const base::Clock &clock) : clock_(clock) {}

    // The record, or nullptr. Does not allocate.
    const Record *find(std::string_view scope, std::string_view target, std::string_view key) const;
    // The last version given out in scope; 0 before any write.
    uint64_t scope_version(std::string_view scope) const;
    // nullopt when base_version is the property's current version (0 when absent).
    std::optional<Conflict> check_base_version(const PropertyKey &property, uint64_t base_version) const;

    // What applying every write to scope would change. A write whose value equals the stored
    // one (or an earlier write's in the same call) is skipped (no version, no change); each other
    // write takes the scope's next version.
    PendingApply plan(std::string_view scope, std::span<const Write> writes, const WriteOrigin &origin) const;
    // plan, and a removal of every record of scope that `writes` does not write, so that the
    // scope then holds exactly `writes` (a scene load). Each removal takes the scope's next
    // version too, after the writes, so versions never go back.
    PendingApply replace_plan(std::string_view scope, std::span<const Write> writes, const WriteOrigin &origin) const;
    // Applies a plan atomically. When anything changed, every subscriber is called with the
    // change set, after the whole apply, in subscription order.
    ChangeSet commit(PendingApply pending);
    // Applies plans of distinct scopes atomically: subscribers see the first change set only
    // once every plan is applied (so no one ever sees a scene half loaded), then each in order.
    std::vector<ChangeSet> commit_all(std::vector<PendingApply> pending);
    // plan, then commit (seeding, tests).
    ChangeSet apply(std::string_view scope, std::span<const Write> writes, const WriteOrigin &origin) {
        return commit(plan(scope, writes, origin));
    }
    void subscribe(Subscriber subscriber);

    // Recovery only (store/state_snapshot.hpp), before anything else wrote the store and before
    // anyone subscribed: scope's version and records as a snapshot holds them, which the reader
    // checked (each record's version at most `version`, no property twice, no scope twice).
    struct Restored {
        std::string target;
        std::string key;
        Record record;
    };
    void restore(std::string_view scope, uint64_t version, std::vector<Restored> records);

    // Targets holding at least one record in scope, sorted.
    std::vector<std::string_view> targets(std::string_view scope) const;
    // Every record of scope, sorted by (target, key).
    void for_each_record(std::string_view scope,
                         const std::function<void(const PropertyKey &, const Record &)> &visit) const;
    // Every scope that holds records, sorted.
    std::vector<std::string_view> scopes() const;

private:
    // target -> key -> record, with heterogeneous lookup.
    using KeyMap = std::map<std::string, Record, std::less<>>;
    using TargetMap = std::map<std::string, KeyMap, std::less<>>;
    struct Scope {
        uint64_t version = 0;
        TargetMap targets;
    };

    void apply_plan(const PendingApply &pending);

    const base::Clock &clock_;
    std::map<std::string, Scope, std::less<>> scopes_;
    std::vector<Subscriber> subscribers_;
    bool applying_ = false;
};

}  // namespace scenehost::store
