// Versioned property records and synchronous change notification.
#include "store/scene_store.hpp"

#include <algorithm>

#include "base/assert.hpp"

namespace scenehost::store {

const Record *SceneStore::find(std::string_view scope, std::string_view target, std::string_view key) const {
    const auto s = scopes_.find(scope);
    if (s == scopes_.end()) return nullptr;
    const auto t = s->second.targets.find(target);
    if (t == s->second.targets.end()) return nullptr;
    const auto k = t->second.find(key);
    return k == t->second.end() ? nullptr : &k->second;
}

uint64_t SceneStore::scope_version(std::string_view scope) const {
    const auto s = scopes_.find(scope);
    return s == scopes_.end() ? 0 : s->second.version;
}

std::optional<Conflict> SceneStore::check_base_version(const PropertyKey &property, uint64_t base_version) const {
    const Record *record = find(property.scope, property.target, property.key);
    const uint64_t current = record == nullptr ? 0 : record->version;
    if (current == base_version) return std::nullopt;
    return Conflict{property, base_version, current, record == nullptr ? boost::json::value() : record->value};
}

PendingApply SceneStore::plan(std::string_view scope, std::span<const Write> writes, const WriteOrigin &origin) const {
    SCENEHOST_ASSERT(!scope.empty(), "every write belongs to a scope");
    PendingApply pending{ChangeSet{std::string(scope), {}}, scope_version(scope)};
    const base::TimeUs now = clock_.now_us();
    uint64_t version = pending.scope_version;
    for (const Write &write : writes) {
        SCENEHOST_ASSERT(!write.key.empty() && !write.target.empty(), "reducer outcomes are checked for empty names");
        // The value this write replaces: an earlier write of this call to the same property, or the record.
        std::optional<boost::json::value> old_value;
        bool planned = false;
        for (auto c = pending.changes.changes.rbegin(); c != pending.changes.changes.rend(); ++c) {
            if (c->property.target == write.target && c->property.key == write.key) {
                old_value = c->new_value;
                planned = true;
                break;
            }
        }
        if (!planned) {
            if (const Record *record = find(scope, write.target, write.key)) old_value = record->value;
        }
        if (old_value && *old_value == write.value) continue;  // nothing changes: no version, no notify
        pending.changes.changes.push_back(Change{PropertyKey{pending.changes.scope, write.target, write.key},
                                                 std::move(old_value), write.value, ++version, origin.actor_id,
                                                 origin.origin, now});
    }
    return pending;
}

PendingApply SceneStore::replace_plan(std::string_view scope, std::span<const Write> writes,
                                      const WriteOrigin &origin) const {
    PendingApply pending = plan(scope, writes, origin);
    const auto s = scopes_.find(scope);
    if (s == scopes_.end()) return pending;
    uint64_t version = pending.changes.changes.empty() ? pending.scope_version : pending.changes.changes.back().version;
    const base::TimeUs now = clock_.now_us();
    for (const auto &[target, keys] : s->second.targets) {
        for (const auto &[key, record] : keys) {
            // Init-captures: clang 14 cannot capture structured bindings (P1091, C++20).
            const bool kept = std::any_of(writes.begin(), writes.end(), [&target = target, &key = key](const Write &w) {
                return w.target == target && w.key == key;
            });
            if (kept) continue;
            pending.changes.changes.push_back(Change{PropertyKey{pending.changes.scope, target, key}, record.value,
                                                     nullptr, ++version, origin.actor_id, origin.origin, now, true});
        }
    }
    return pending;
}

void SceneStore::apply_plan(const PendingApply &pending) {
    const ChangeSet &set = pending.changes;
    auto s = scopes_.find(set.scope);
    if (s == scopes_.end()) s = scopes_.emplace(set.scope, Scope{}).first;
    Scope &state = s->second;
    SCENEHOST_ASSERT(state.version == pending.scope_version, "a plan is committed before anything else changes its scope");
    for (const Change &c : set.changes) {
        SCENEHOST_ASSERT(c.version == state.version + 1, "planned versions follow the scope's version one by one");
        state.version = c.version;
        if (c.removed) {
            const auto t = state.targets.find(c.property.target);
            SCENEHOST_ASSERT(t != state.targets.end() && t->second.erase(c.property.key) == 1,
                             "a planned removal removes a record that exists");
            if (t->second.empty()) state.targets.erase(t);
            continue;
        }
        auto t = state.targets.find(c.property.target);
        if (t == state.targets.end()) t = state.targets.emplace(c.property.target, KeyMap{}).first;
        t->second[c.property.key] = Record{c.new_value, c.version, c.actor_id, c.origin, c.timestamp_us};
    }
}

ChangeSet SceneStore::commit(PendingApply pending) {
    std::vector<PendingApply> one;
    one.push_back(std::move(pending));
    return std::move(commit_all(std::move(one)).front());
}

std::vector<ChangeSet> SceneStore::commit_all(std::vector<PendingApply> pending) {
    SCENEHOST_ASSERT(!applying_, "subscribers never write back into the store while it notifies");
    for (size_t i = 0; i < pending.size(); ++i) {
        for (size_t j = 0; j < i; ++j) {
            SCENEHOST_ASSERT(pending[i].changes.scope != pending[j].changes.scope, "one plan per scope");
        }
        if (!pending[i].changes.changes.empty()) apply_plan(pending[i]);
    }
    std::vector<ChangeSet> sets;
    sets.reserve(pending.size());
    for (PendingApply &p : pending) sets.push_back(std::move(p.changes));
    applying_ = true;
    for (const ChangeSet &set : sets) {
        if (set.changes.empty()) continue;
        for (const Subscriber &subscriber : subscribers_) subscriber(set);
    }
    applying_ = false;
    return sets;
}

void SceneStore::subscribe(Subscriber subscriber) {
    SCENEHOST_ASSERT(subscriber != nullptr, "a subscriber is callable");
    subscribers_.push_back(std::move(subscriber));
}

void SceneStore::restore(std::string_view scope, uint64_t version, std::vector<Restored> records) {
    SCENEHOST_ASSERT(subscribers_.empty(), "a store is restored before anyone subscribes");
    SCENEHOST_ASSERT(!scope.empty() && scopes_.find(scope) == scopes_.end(), "each scope is restored once, into nothing");
    Scope &state = scopes_.emplace(std::string(scope), Scope{version, {}}).first->second;
    for (Restored &r : records) {
        SCENEHOST_ASSERT(!r.target.empty() && !r.key.empty() && r.record.version >= 1 && r.record.version <= version,
                         "the snapshot reader checked every record");
        const bool inserted = state.targets[r.target].emplace(std::move(r.key), std::move(r.record)).second;
        SCENEHOST_ASSERT(inserted, "the snapshot reader refuses a property held twice");
    }
}

std::vector<std::string_view> SceneStore::targets(std::string_view scope) const {
    std::vector<std::string_view> out;
    const auto s = scopes_.find(scope);
    if (s == scopes_.end()) return out;
    for (const auto &[target, keys] : s->second.targets) {
        if (!keys.empty()) out.push_back(target);
    }
    return out;
}

void SceneStore::for_each_record(std::string_view scope,
                                 const std::function<void(const PropertyKey &, const Record &)> &visit) const {
    const auto s = scopes_.find(scope);
    if (s == scopes_.end()) return;
    for (const auto &[target, keys] : s->second.targets) {
        for (const auto &[key, record] : keys) visit(PropertyKey{s->first, target, key}, record);
    }
}

std::vector<std::string_view> SceneStore::scopes() const {
    std::vector<std::string_view> out;
    for (const auto &[scope, state] : scopes_) out.push_back(scope);
    return out;
}

}  // namespace scenehost::store
