// intent → reducer → store → audit, in that order, on the control thread.
#include "engine/state_engine.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <optional>
#include <string_view>
#include <stdexcept>

#include "base/assert.hpp"
#include "base/json_text.hpp"

namespace scenehost::engine {
namespace {

// The scene description's problem, as base::unholdable finds it in the parsed text.
std::optional<std::string_view> unsafe_scene(std::string_view scene_json) {
    boost::system::error_code error;
    const boost::json::value scene = boost::json::parse(scene_json, error);
    SCENEHOST_ASSERT(!error, "scene descriptions are built by the host as JSON");
    return base::unholdable(scene);
}

// The value as the audit log can hold it: non-finite numbers become the strings "inf",
// "-inf" or "nan" (JSON has no such numbers).
boost::json::value auditable(const boost::json::value &v) {
    if (const double *d = v.if_double(); d && !std::isfinite(*d)) {
        return std::isnan(*d) ? "nan" : (*d > 0 ? "inf" : "-inf");
    }
    if (const auto *a = v.if_array()) {
        boost::json::array out;
        for (const auto &x : *a) out.push_back(auditable(x));
        return out;
    }
    if (const auto *o = v.if_object()) {
        boost::json::object out;
        for (const auto &kv : *o) out[kv.key()] = auditable(kv.value());
        return out;
    }
    return v;
}

}  // namespace

std::string stored_value_problem(const plugin::PluginRegistry &plugins, std::span<const WriteLimit> limits,
                                 std::string_view scope, std::string_view key, const boost::json::value &value) {
    const plugin::ReducerPlugin *reducer = plugins.reducer(scope);
    if (reducer == nullptr) return fmt::format("no loaded reducer owns scope '{}'", scope);
    if (!reducer->declares(key)) {
        return fmt::format("reducer '{}' ({}) does not declare key '{}'", reducer->info().name,
                           reducer->info().path.string(), key);
    }
    if (std::string why = reducer->schema(key).violations(value); !why.empty()) {
        return fmt::format("the value breaks the schema reducer '{}' declares for '{}': {}", reducer->info().name, key, why);
    }
    for (const WriteLimit &limit : limits) {
        if (limit.scope != scope || limit.key != key) continue;
        if (auto breach = limit.check(value)) return breach->message;
    }
    return {};
}

StateEngine::StateEngine(store::SceneStore &store, const plugin::PluginRegistry &plugins, store::AuditLog &audit,
                         const base::Clock &clock)
    : store_(store), plugins_(plugins), audit_(audit), clock_(clock) {
    for (const plugin::ReducerPlugin *reducer : plugins_.reducers()) {
        scopes_text_ += (scopes_text_.empty() ? "" : ", ") + reducer->scope();
    }
}

void StateEngine::seed(std::string_view scene_json) {
    if (auto why = unsafe_scene(scene_json)) throw std::runtime_error(fmt::format("the scene {}", *why));
    for (const plugin::ReducerPlugin *reducer : plugins_.reducers()) {
        auto outcome = reducer->seed(scene_json);
        if (auto *rejection = std::get_if<plugin::Rejection>(&outcome)) {
            throw std::runtime_error(fmt::format("reducer '{}' ({}) cannot seed this scene: {}: {}",
                                                 reducer->info().name, reducer->info().path.string(), rejection->code,
                                                 rejection->message));
        }
        const auto &writes = std::get<std::vector<store::Write>>(outcome);
        if (!writes.empty()) store_.apply(reducer->scope(), writes, {"host", "seed"});
    }
}

LoadOutcome StateEngine::load(std::string_view scene_json, const boost::json::value &request,
                              const IntentSource &source) {
    constexpr std::string_view kScope = store::kLoadScope, kTarget = store::kLoadTarget, kKey = store::kLoadKey;
    if (auto why = unsafe_scene(scene_json)) {
        const std::string message = fmt::format("the scene {}", *why);
        if (auto failed = record_refusal({kScope, kTarget, kKey, request, "state.invalid_value", message}, source)) {
            return std::move(*failed);
        }
        return Rejected{"state.invalid_value", message, {{"field", "scene"}}, 0};
    }
    std::vector<store::PendingApply> plans;
    const store::WriteOrigin origin{std::string(source.actor_id), "scene.load"};
    for (const plugin::ReducerPlugin *reducer : plugins_.reducers()) {
        auto outcome = reducer->seed(scene_json);
        if (auto *rejection = std::get_if<plugin::Rejection>(&outcome)) {
            const std::string message = fmt::format("reducer '{}' cannot show this scene: {}", reducer->info().name,
                                                    rejection->message);
            if (auto failed = record_refusal({kScope, kTarget, kKey, request, rejection->code, message}, source)) {
                return std::move(*failed);
            }
            return Rejected{std::move(rejection->code), message, std::move(rejection->details), 0};
        }
        plans.push_back(store_.replace_plan(reducer->scope(), std::get<std::vector<store::Write>>(outcome), origin));
    }
    std::vector<store::AuditWrite> audit_writes;
    for (const store::PendingApply &plan : plans) {
        for (const store::Change &c : plan.changes.changes) {
            audit_writes.push_back({c.property.target, c.property.key, c.old_value.value_or(nullptr), c.new_value,
                                    c.version, c.property.scope, c.removed});
        }
    }
    if (auto failed = append({.time_us = clock_.now_us(),
                              .actor = std::string(source.actor_id),
                              .session = std::string(source.session_id),
                              .intent_id = std::string(source.intent_id),
                              .scope = std::string(kScope),
                              .target = std::string(kTarget),
                              .key = std::string(kKey),
                              .status = "accepted",
                              .writes = std::move(audit_writes),
                              .requested_value = request,
                              .version = 0,
                              .error_code = {},
                              .error_message = {}})) {
        return std::move(*failed);
    }
    Loaded loaded;
    for (store::ChangeSet &set : store_.commit_all(std::move(plans))) {
        if (!set.changes.empty()) loaded.changes.push_back(std::move(set));
    }
    return loaded;
}

std::optional<NotRecorded> StateEngine::append(const store::AuditEntry &entry) {
    try {
        audit_.append(entry);
    } catch (const store::AuditWriteError &e) {
        return NotRecorded{e.what()};
    }
    return std::nullopt;
}

Outcome StateEngine::reject(const Intent &intent, const IntentSource &source, std::string code, std::string message,
                            boost::json::object details) {
    if (auto failed = record_refusal({intent.scope, intent.target, intent.key, intent.value, code, message}, source)) {
        return std::move(*failed);
    }
    const store::Record *record = store_.find(intent.scope, intent.target, intent.key);
    return Rejected{std::move(code), std::move(message), std::move(details), record == nullptr ? 0 : record->version};
}

std::optional<NotRecorded> StateEngine::record_refusal(const Refusal &refusal, const IntentSource &source) {
    const store::Record *record = store_.find(refusal.scope, refusal.target, refusal.key);
    return append({.time_us = clock_.now_us(),
                   .actor = std::string(source.actor_id),
                   .session = std::string(source.session_id),
                   .intent_id = std::string(source.intent_id),
                   .scope = std::string(refusal.scope),
                   .target = std::string(refusal.target),
                   .key = std::string(refusal.key),
                   .status = "rejected",
                   .writes = {},
                   .requested_value = auditable(refusal.value),
                   .version = record == nullptr ? 0 : record->version,
                   .error_code = std::string(refusal.code),
                   .error_message = std::string(refusal.message)});
}

void StateEngine::add_limit(WriteLimit limit) {
    SCENEHOST_ASSERT(limit.check != nullptr && !limit.name.empty(), "a limit has a name and a check");
    limits_.push_back(std::move(limit));
}

Outcome StateEngine::apply(const Intent &intent, const IntentSource &source) {
    const plugin::ReducerPlugin *reducer = plugins_.reducer(intent.scope);
    if (reducer == nullptr) {
        return reject(intent, source, "state.unknown_scope",
                      fmt::format("scope '{}' is not one of: {}", intent.scope, scopes_text_),
                      {{"scope", intent.scope}});
    }
    if (intent.base_version) {
        const store::PropertyKey property{std::string(intent.scope), std::string(intent.target),
                                          std::string(intent.key)};
        if (auto conflict = store_.check_base_version(property, *intent.base_version)) {
            return reject(intent, source, "state.conflict",
                          fmt::format("{}/{}/{} is at version {}, not base_version {}", intent.scope, intent.target,
                                      intent.key, conflict->current_version, *intent.base_version),
                          {{"current_value", conflict->current_value},
                           {"current_version", conflict->current_version},
                           {"base_version", *intent.base_version}});
        }
    }

    if (auto why = base::unholdable(intent.value)) {
        return reject(intent, source, "state.invalid_value", fmt::format("{}.{} {}", intent.scope, intent.key, *why),
                      {{"key", intent.key}});
    }
    for (const auto &[field, text] : {std::pair{"target", intent.target}, std::pair{"key", intent.key}}) {
        if (text.find('\0') != std::string_view::npos) {
            return reject(intent, source, "state.invalid_value", fmt::format("the intent's {} holds U+0000 (NUL)", field),
                          {{"field", field}});
        }
    }
    const std::string value_json = boost::json::serialize(intent.value);
    auto outcome =
        reducer->reduce({intent.target, intent.key, value_json, source.actor_id, source.intent_id}, store_);
    if (auto *rejection = std::get_if<plugin::Rejection>(&outcome)) {
        return reject(intent, source, std::move(rejection->code), std::move(rejection->message),
                      std::move(rejection->details));
    }

    const auto &writes = std::get<std::vector<store::Write>>(outcome);
    for (const WriteLimit &limit : limits_) {
        if (limit.scope != intent.scope) continue;
        for (const store::Write &w : writes) {
            if (w.key != limit.key) continue;
            if (auto breach = limit.check(w.value)) {
                limit_refusals_.with({limit.name}).inc();
                breach->details["key"] = w.key;
                breach->details["limit"] = limit.name;
                return reject(intent, source, "state.out_of_range", std::move(breach->message), std::move(breach->details));
            }
        }
    }
    store::PendingApply pending = store_.plan(intent.scope, writes, {std::string(source.actor_id), "state.update"});
    // What each write does, for the audit line: the value it replaces and the version it gets
    // (a write that changes nothing keeps the record's version).
    auto planned = [&](const store::Write &w) -> const store::Change * {
        const store::Change *last = nullptr;
        for (const store::Change &c : pending.changes.changes) {
            if (c.property.target == w.target && c.property.key == w.key) last = &c;
        }
        return last;
    };
    std::vector<store::AuditWrite> audit_writes;
    audit_writes.reserve(writes.size());
    for (const store::Write &w : writes) {
        const store::Record *before = store_.find(intent.scope, w.target, w.key);
        const store::Change *change = planned(w);
        audit_writes.push_back({w.target, w.key, before == nullptr ? boost::json::value() : before->value, w.value,
                                change != nullptr ? change->version : before->version, {}, false});
    }

    // The ack reports the intent's own property when the reducer wrote it, else its first write
    // (a relative operation may write other keys than the one it names).
    const store::Write *primary = &writes.front();
    for (const store::Write &w : writes) {
        if (w.target == intent.target && w.key == intent.key) primary = &w;
    }
    const store::Change *primary_change = planned(*primary);
    const store::Record *primary_before = store_.find(intent.scope, primary->target, primary->key);
    SCENEHOST_ASSERT(primary_change != nullptr || primary_before != nullptr,
                     "a write that changes nothing rewrites a record that exists");
    const uint64_t version = primary_change != nullptr ? primary_change->version : primary_before->version;

    if (auto failed = append({.time_us = clock_.now_us(),
                              .actor = std::string(source.actor_id),
                              .session = std::string(source.session_id),
                              .intent_id = std::string(source.intent_id),
                              .scope = std::string(intent.scope),
                              .target = std::string(intent.target),
                              .key = std::string(intent.key),
                              .status = "accepted",
                              .writes = std::move(audit_writes),
                              .requested_value = intent.value,
                              .version = version,
                              .error_code = {},
                              .error_message = {}})) {
        return std::move(*failed);  // not recorded, so not applied: the store is as it was
    }
    store::ChangeSet changes = store_.commit(std::move(pending));
    const store::Record *record = store_.find(intent.scope, primary->target, primary->key);
    SCENEHOST_ASSERT(record != nullptr && record->version == version, "the committed plan is the audited one");
    return Accepted{record->value, record->version, std::move(changes)};
}

}  // namespace scenehost::engine
