// Lanes to frames: resumable deltas (notify.layers, notify.state) through the history, the hot
// lanes (notify.dims, notify.camera) as the latest value, the scene lane as a new snapshot.
#include "broadcast/broadcaster.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <vector>

#include "base/assert.hpp"
#include "protocol/napari_scene.hpp"

namespace scenehost::broadcast {
namespace {

namespace json = boost::json;
using plugin::Publication;
using store::Topic;

// A change set's changes grouped by target, in the order the targets were first written.
std::vector<std::pair<std::string, std::vector<const store::Change *>>> by_target(const store::ChangeSet &changes) {
    std::vector<std::pair<std::string, std::vector<const store::Change *>>> out;
    for (const store::Change &c : changes.changes) {
        auto it = std::find_if(out.begin(), out.end(), [&](const auto &t) { return t.first == c.property.target; });
        if (it == out.end()) it = out.insert(out.end(), {c.property.target, {}});
        it->second.push_back(&c);
    }
    return out;
}

// A dims state as the lane shows it, whatever (and whoever) caused it.
bool same_dims(protocol::DimsState a, const protocol::DimsState &b) {
    a.source = b.source;
    a.actor_id = b.actor_id;
    return a == b;
}

}  // namespace

bool Broadcaster::Member::replaying(Topic topic) const {
    return std::any_of(replay.begin(), replay.end(), [&](const auto &r) { return r.first == topic; });
}

namespace {
store::Retention with_bytes(store::Retention retention, size_t max_bytes) {
    retention.max_bytes = max_bytes;
    return retention;
}
}  // namespace

Broadcaster::Broadcaster(const store::SceneStore &store, Lanes lanes, const base::Clock &clock,
                         size_t replay_budget_bytes, size_t history_bytes)
    : store_(store),
      lanes_(std::move(lanes)),
      replay_budget_bytes_(replay_budget_bytes),
      history_(clock, with_bytes(store::kLayersRetention, history_bytes), store::kStreamRetention,
               with_bytes(store::kStateRetention, history_bytes)) {
    for (const auto &[scope, lane] : lanes_) {
        if (lane == Publication::state) state_scopes_.insert(scope);
    }
    history_.seed_snapshot(Topic::scene, scene(), scene_version());
    dims_ = protocol::napari::dims_state(store_, "baseline");
}

Broadcaster::~Broadcaster() { SCENEHOST_ASSERT(members_.empty(), "every session leaves before the broadcaster goes"); }

json::object Broadcaster::scene() const { return protocol::napari::compose_scene(store_, state_scopes_); }

uint64_t Broadcaster::scene_version() const {
    uint64_t sum = 0;
    for (std::string_view scope : store_.scopes()) sum += store_.scope_version(scope);
    return sum;
}

std::optional<MalformedToken> Broadcaster::check_tokens(const Subscription &subscription) const {
    for (const auto &[topic, token] : subscription.tokens) {
        const store::ReplayResult result = history_.replay_since(topic, token);
        if (const auto *bad = std::get_if<store::MalformedToken>(&result)) {
            return MalformedToken{topic, bad->reason};
        }
    }
    return std::nullopt;
}

bool Broadcaster::join(Recipient &recipient, const Subscription &subscription) {
    SCENEHOST_ASSERT(!check_tokens(subscription), "the session refuses malformed tokens before it joins");
    auto [it, inserted] = members_.emplace(recipient.id(), Member{&recipient, subscription.state_topic, {}});
    SCENEHOST_ASSERT(inserted, "session ids are unique");
    Member &member = it->second;

    // It resumes when every topic it takes has a token that still replays. The scene token only
    // says that no snapshot was published since; the delta topics replay what was missed.
    std::vector<Topic> needed = {Topic::scene, Topic::layers};
    if (member.state_topic) needed.push_back(Topic::state);
    bool resume = true;
    for (Topic topic : needed) {
        const auto token = subscription.tokens.find(topic);
        resume = resume && token != subscription.tokens.end() &&
                 std::holds_alternative<store::Replay>(history_.replay_since(topic, token->second));
    }
    if (resume) {
        for (Topic topic : needed) {
            if (topic != Topic::scene) member.replay.emplace_back(topic, subscription.tokens.at(topic));
        }
        continue_replay(member);
    } else {
        send_scene(member);
    }

    // notify.stream: the configs it missed, or else the latest one.
    std::vector<const store::HistoryEntry *> stream_entries = history_.deltas(Topic::stream);
    if (!stream_entries.empty()) stream_entries = {stream_entries.back()};
    if (const auto token = subscription.tokens.find(Topic::stream); token != subscription.tokens.end()) {
        const store::ReplayResult stream = history_.replay_since(Topic::stream, token->second);
        if (const auto *replay = std::get_if<store::Replay>(&stream)) stream_entries = replay->entries;
    }
    for (const store::HistoryEntry *e : stream_entries) {
        recipient.send(recipient.dialect().stream(recipient.id(), e->payload.get_object(), e->seq, e->delta_token));
    }
    return resume;
}

void Broadcaster::leave(const Recipient &recipient) { members_.erase(recipient.id()); }

void Broadcaster::drained(Recipient &recipient) {
    const auto it = members_.find(recipient.id());
    if (it != members_.end()) continue_replay(it->second);
}

void Broadcaster::send_scene(Member &member) {
    member.replay.clear();  // the snapshot is a whole baseline: no replay continues
    Recipient &r = *member.recipient;
    protocol::Dialect &d = r.dialect();
    r.send(d.scene(r.id(), d.scene_payload(store_, state_scopes_), history_.latest(Topic::scene).delta_token,
                   std::nullopt));
    for (std::string &frame : d.scene_followers(r.id(), store_, history_.latest(Topic::layers), thumbnails_)) {
        r.send(std::move(frame));
    }
}

void Broadcaster::continue_replay(Member &member) {
    if (member.replay.empty()) return;
    Recipient &r = *member.recipient;
    while (!member.replay.empty()) {
        auto &[topic, token] = member.replay.front();
        const auto result = history_.replay_since(topic, token);
        if (!std::holds_alternative<store::Replay>(result)) {
            SCENEHOST_ASSERT(std::holds_alternative<store::BaselineNeeded>(result),
                             "the host issued the token it replays from");
            // The window moved past the client while it read: the composed scene replaces the rest.
            spdlog::info("session {}: the {} replay fell out of the history window; sending a baseline", r.id(),
                         store::topic_name(topic));
            return send_scene(member);
        }
        const auto &entries = std::get<store::Replay>(result).entries;
        size_t sent = 0;
        for (; sent < entries.size() && r.queued_bytes() < replay_budget_bytes_; ++sent) {
            const store::HistoryEntry *e = entries[sent];
            const json::object &payload = e->payload.get_object();
            if (topic == Topic::state) {
                r.send(r.dialect().state(r.id(), payload, e->seq, e->delta_token, std::nullopt));
            } else if (auto frame = r.dialect().layers(r.id(), payload, e->seq, e->delta_token, std::nullopt, store_)) {
                r.send(std::move(*frame));
            }
            token = e->delta_token;
        }
        if (sent < entries.size()) return;  // more when the connection drains
        member.replay.pop_front();
    }
    send_lane_state(member);
}

// The hot lanes and the thumbnails are not resumable: a resumed client gets their current state.
void Broadcaster::send_lane_state(Member &member) {
    Recipient &r = *member.recipient;
    protocol::Dialect &d = r.dialect();
    if (auto dims = protocol::napari::dims_state(store_, "baseline")) r.send(d.dims(r.id(), *dims, std::nullopt));
    if (auto camera = protocol::napari::camera_baseline(store_)) {
        for (std::string &frame : d.camera(r.id(), *camera, std::nullopt)) r.send(std::move(frame));
    }
    for (const auto &[id, thumbnail] : thumbnails_) {
        if (auto frame = d.layer_thumbnail(r.id(), thumbnail, history_.latest(Topic::layers))) r.send(std::move(*frame));
    }
}

void Broadcaster::fan_out(protocol::FrameType type, const Cause &cause, const Build &build,
                          const std::function<bool(const Member &)> &takes, transport::SendClass send_class,
                          const std::string &coalesce_key) {
    struct Built {
        const protocol::Dialect *dialect;
        std::optional<std::string> intent_id;
        std::vector<protocol::SessionTemplate> frames;
    };
    std::vector<Built> built;  // at most two dialects, each with and without the intent
    for (auto &[id, member] : members_) {
        if (!takes(member)) continue;
        protocol::Dialect &d = member.recipient->dialect();
        std::optional<std::string> intent = d.attribution(type, cause.intent_id, member.recipient == cause.origin);
        auto it = std::find_if(built.begin(), built.end(),
                               [&](const Built &b) { return b.dialect == &d && b.intent_id == intent; });
        if (it == built.end()) {
            std::vector<protocol::SessionTemplate> frames;
            for (std::string &text : build(d, protocol::Dialect::kSessionPlaceholder, intent)) {
                frames.emplace_back(std::move(text));
            }
            it = built.insert(built.end(), Built{&d, std::move(intent), std::move(frames)});
        }
        for (size_t i = 0; i < it->frames.size(); ++i) {
            std::string key = coalesce_key.empty() || i == 0 ? coalesce_key : fmt::format("{}#{}", coalesce_key, i);
            member.recipient->send(it->frames[i].for_session(id), send_class, std::move(key));
        }
    }
}

void Broadcaster::publish(const store::ChangeSet &changes, const Cause &cause) {
    SCENEHOST_ASSERT(!changes.changes.empty(), "only a change that changed something is published");
    const auto lane = lanes_.find(changes.scope);
    SCENEHOST_ASSERT(lane != lanes_.end(), "every scope with records has a reducer, and so a lane");
    const std::string &actor = changes.changes.front().actor_id;  // one apply is one actor's
    switch (lane->second) {
        case Publication::napari_layers: return publish_deltas(changes, Topic::layers, cause);
        case Publication::state: return publish_deltas(changes, Topic::state, cause);
        case Publication::napari_dims:
            return publish_dims(cause, transport::SendClass::coalescible, actor);
        case Publication::napari_camera: {
            static const json::value kNoValue;
            protocol::CameraUpdate update = protocol::napari::camera_update(
                store_, changes, cause.intent_key, cause.intent_value != nullptr ? *cause.intent_value : kNoValue);
            update.actor_id = actor;
            return fan_out(
                protocol::FrameType::notify_camera, cause,
                [&](protocol::Dialect &d, std::string_view s, const auto &intent) { return d.camera(s, update, intent); },
                [](const Member &) { return true; }, transport::SendClass::coalescible, "notify.camera");
        }
        case Publication::napari_scene: {
            // What the hot lanes show may derive from this scope (napari's ndisplay lives in the
            // view and shows on notify.dims): a lane whose state changed goes out first.
            const auto dims = protocol::napari::dims_state(store_, "state.update");
            if (dims && (!dims_ || !same_dims(*dims, *dims_))) {
                publish_dims(cause, transport::SendClass::kept, actor);
            }
            return publish_scene(cause);
        }
    }
    SCENEHOST_ASSERT(false, "every lane is handled");
}

void Broadcaster::publish_deltas(const store::ChangeSet &changes, Topic topic, const Cause &cause) {
    const std::string actor = changes.changes.front().actor_id;
    for (const auto &[target, target_changes] : by_target(changes)) {
        json::object payload;
        if (topic == Topic::layers) {
            protocol::LayersDelta delta{target, {}, target_changes.back()->version, actor};
            for (const store::Change *c : target_changes) {
                delta.changes[protocol::napari::layer_change_key(changes.scope, c->property.key)] = c->new_value;
            }
            payload = protocol::layers_payload(delta);
        } else {
            protocol::StateDelta delta{changes.scope, target, {}, target_changes.back()->version, actor};
            for (const store::Change *c : target_changes) delta.changes[c->property.key] = c->new_value;
            payload = protocol::state_payload(delta);
        }
        const uint64_t version = target_changes.back()->version;
        const store::Cursor cursor = history_.apply_delta(topic, payload, version, actor);
        fan_out(
            topic == Topic::layers ? protocol::FrameType::notify_layers : protocol::FrameType::notify_state, cause,
            [&](protocol::Dialect &d, std::string_view s, const auto &intent) -> std::vector<std::string> {
                if (topic == Topic::state) return {d.state(s, payload, cursor.seq, cursor.delta_token, intent)};
                auto frame = d.layers(s, payload, cursor.seq, cursor.delta_token, intent, store_);
                if (!frame) return {};
                return {std::move(*frame)};
            },
            [topic](const Member &m) { return (topic != Topic::state || m.state_topic) && !m.replaying(topic); });
    }
}

void Broadcaster::publish_dims(const Cause &cause, transport::SendClass send_class, const std::string &actor) {
    dims_ = protocol::napari::dims_state(store_, "state.update");
    if (!dims_) return;
    dims_->actor_id = actor;
    const protocol::DimsState &dims = *dims_;
    fan_out(
        protocol::FrameType::notify_dims, cause,
        [&](protocol::Dialect &d, std::string_view s, const auto &intent) {
            return std::vector<std::string>{d.dims(s, dims, intent)};
        },
        [](const Member &) { return true; }, send_class,
        send_class == transport::SendClass::coalescible ? "notify.dims" : "");
}

void Broadcaster::publish_scene(const Cause &cause) {
    const store::Cursor cursor = history_.seed_snapshot(Topic::scene, scene(), scene_version());
    for (auto &[id, member] : members_) member.replay.clear();  // the snapshot is a whole baseline
    std::map<const protocol::Dialect *, json::object> snapshots;  // composed once per dialect
    fan_out(
        protocol::FrameType::notify_scene, cause,
        [&](protocol::Dialect &d, std::string_view s, const auto &intent) {
            auto it = snapshots.find(&d);
            if (it == snapshots.end()) it = snapshots.emplace(&d, d.scene_payload(store_, state_scopes_)).first;
            return std::vector<std::string>{d.scene(s, it->second, cursor.delta_token, intent)};
        },
        [](const Member &) { return true; });
}

void Broadcaster::publish_stream(const protocol::StreamConfig &config) {
    stream_ = config;
    republish_stream();
}

void Broadcaster::republish_stream() {
    if (!stream_) return;
    const json::object payload = protocol::stream_payload(*stream_);
    const store::Cursor cursor = history_.apply_delta(Topic::stream, payload, ++stream_version_, "server");
    fan_out(
        protocol::FrameType::notify_stream, {},
        [&](protocol::Dialect &d, std::string_view s, const auto &) {
            return std::vector<std::string>{d.stream(s, payload, cursor.seq, cursor.delta_token)};
        },
        [](const Member &) { return true; });
}

void Broadcaster::publish_scene_replaced(const std::vector<std::string> &removed_layers, const Cause &cause) {
    const store::Cursor layers = history_.latest(Topic::layers);
    for (const std::string &id : removed_layers) {
        SCENEHOST_ASSERT(!protocol::napari::has_layer(store_, id), "a removed layer is gone from the store");
        thumbnails_.erase(id);
    }
    if (!removed_layers.empty()) {
        fan_out(
            protocol::FrameType::notify_layers, {},
            [&](protocol::Dialect &d, std::string_view s, const auto &) {
                std::vector<std::string> frames;
                for (const std::string &id : removed_layers) {
                    if (auto frame = d.layer_removed(s, id, layers)) frames.push_back(std::move(*frame));
                }
                return frames;
            },
            [](const Member &) { return true; });
    }
    dims_ = protocol::napari::dims_state(store_, "baseline");
    publish_scene(cause);
    fan_out(
        protocol::FrameType::notify_layers, {},
        [&](protocol::Dialect &d, std::string_view s, const auto &) {
            return d.scene_followers(s, store_, layers, thumbnails_);
        },
        [](const Member &) { return true; });
}

void Broadcaster::publish_thumbnail(protocol::LayerThumbnail thumbnail) {
    if (!protocol::napari::has_layer(store_, thumbnail.layer_id)) return;
    const std::string id = thumbnail.layer_id;
    const protocol::LayerThumbnail &kept = thumbnails_[id] = std::move(thumbnail);
    const store::Cursor layers = history_.latest(Topic::layers);
    fan_out(
        protocol::FrameType::notify_layers, {},
        [&](protocol::Dialect &d, std::string_view s, const auto &) {
            std::vector<std::string> frames;
            if (auto frame = d.layer_thumbnail(s, kept, layers)) frames.push_back(std::move(*frame));
            return frames;
        },
        [](const Member &m) { return !m.replaying(Topic::layers); }, transport::SendClass::coalescible,
        "notify.layers.thumbnail:" + id);
}

}  // namespace scenehost::broadcast
