// Versioned property records and synchronous change notification.
#include "store/scene_store.hpp"

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

ChangeSet SceneStore::apply(std::string_view scope, std::span<const Write> writes, const WriteOrigin &origin) {
    SCENEHOST_ASSERT(!applying_, "subscribers never write back into the store while it notifies");
    SCENEHOST_ASSERT(!scope.empty(), "every write belongs to a scope");
    ChangeSet set{std::string(scope), {}};
    auto s = scopes_.find(scope);
    if (s == scopes_.end()) s = scopes_.emplace(std::string(scope), Scope{}).first;
    Scope &state = s->second;
    const base::TimeUs now = clock_.now_us();
    for (const Write &write : writes) {
        SCENEHOST_ASSERT(!write.key.empty() && !write.target.empty(), "reducer outcomes are checked for empty names");
        auto t = state.targets.find(write.target);
        if (t == state.targets.end()) t = state.targets.emplace(write.target, KeyMap{}).first;
        auto k = t->second.find(write.key);
        std::optional<boost::json::value> old_value;
        if (k != t->second.end()) {
            if (k->second.value == write.value) continue;  // nothing changes: no version, no notify
            old_value = std::move(k->second.value);
        } else {
            k = t->second.emplace(write.key, Record{}).first;
        }
        const uint64_t version = ++state.version;
        Record &record = k->second;
        record = Record{write.value, version, origin.actor_id, origin.origin, now};
        set.changes.push_back(Change{PropertyKey{set.scope, write.target, write.key}, std::move(old_value), write.value,
                                     version, origin.actor_id, origin.origin, now});
    }
    if (!set.changes.empty()) {
        applying_ = true;
        for (const Subscriber &subscriber : subscribers_) subscriber(set);
        applying_ = false;
    }
    return set;
}

void SceneStore::subscribe(Subscriber subscriber) {
    SCENEHOST_ASSERT(subscriber != nullptr, "a subscriber is callable");
    subscribers_.push_back(std::move(subscriber));
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
