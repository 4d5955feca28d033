// Sessions, baselines and resume, the state and command lanes, and notify fan-out.
#include "session/control_hub.hpp"

#include <boost/json/serialize.hpp>
#include <fmt/format.h>
#include <map>
#include <spdlog/spdlog.h>

#include "base/assert.hpp"
#include "broadcast/scene_snapshot.hpp"
#include "router/intent_route.hpp"
#include "store/audit_log.hpp"
#include "session/control_session.hpp"

namespace scenehost::session {
namespace {

namespace json = boost::json;
using store::Topic;

std::vector<int64_t> int_vector(const store::Record *record) {
    std::vector<int64_t> out;
    if (record == nullptr || !record->value.is_array()) return out;
    for (const json::value &v : record->value.get_array()) out.push_back(v.to_number<int64_t>());
    return out;
}

}  // namespace

ControlHub::ControlHub(boost::asio::io_context &io, SessionConfig config, engine::StateEngine &engine,
                       const store::SceneStore &store, const engine::CommandRegistry &commands,
                       const base::Clock &clock)
    : io_(io),
      config_(std::move(config)),
      engine_(engine),
      store_(store),
      commands_(commands),
      clock_(clock),
      builder_(clock, config_.validate_built_frames),
      history_(clock) {
    history_.seed_snapshot(Topic::scene, broadcast::compose_scene(store_), scene_version());
    if (engine_.has_scope("camera")) intent_commands_["camera.reset"] = {"camera", "main", "reset", json::object{{"reason", "command"}}};
}

ControlHub::~ControlHub() { SCENEHOST_ASSERT(sessions_.empty(), "the transport stops before the hub goes"); }

std::shared_ptr<transport::ConnectionHandler> ControlHub::on_connect(std::shared_ptr<transport::Connection> connection) {
    auto session = std::make_shared<ControlSession>(*this, connection);
    session->start();
    return session;
}

void ControlHub::shutdown() {
    stopping_ = true;
    // goodbye() deactivates the session, so walk a copy.
    const auto sessions = sessions_;
    for (const auto &[id, session] : sessions) {
        session->goodbye("shutdown", "host_shutdown", transport::CloseCode::going_away);
    }
}

void ControlHub::activate(ControlSession &session) { sessions_.emplace(session.id(), &session); }

void ControlHub::deactivate(ControlSession &session) { sessions_.erase(session.id()); }

uint64_t ControlHub::scene_version() const {
    uint64_t sum = 0;
    for (std::string_view scope : store_.scopes()) sum += store_.scope_version(scope);
    return sum;
}

void ControlHub::send_baseline(ControlSession &session, const protocol::Hello &hello, bool resume) {
    auto cursor = [&](Topic topic) {
        const store::Cursor c = history_.latest(topic);
        return protocol::ResumeState{c.seq, c.delta_token};
    };
    protocol::Welcome welcome{session.id(), config_.heartbeat_s, config_.ack_timeout_ms, {}};
    for (Topic topic : store::kResumableTopics) {
        welcome.features[std::string(store::topic_name(topic))] = {true, 1, true, std::nullopt, cursor(topic)};
    }
    welcome.features["notify.dims"] = {true, 1, false, std::nullopt, std::nullopt};
    welcome.features["notify.camera"] = {true, 1, false, std::nullopt, std::nullopt};
    welcome.features["notify.error"] = {true, 1, false, std::nullopt, std::nullopt};
    welcome.features["notify.telemetry"] = {false, std::nullopt, std::nullopt, std::nullopt, std::nullopt};
    std::vector<std::string> commands = config_.allowed_commands.empty() ? command_names() : config_.allowed_commands;
    welcome.features["call.command"] = {true, 1, std::nullopt, std::move(commands), std::nullopt};
    session.send(builder_.welcome(welcome));

    auto token = [&](Topic topic) -> std::string {
        const auto it = hello.resume_tokens.find(store::topic_name(topic));
        return it == hello.resume_tokens.end() || !it->second ? std::string() : *it->second;
    };
    // Resume replays the missed notify.layers deltas, paced by the connection: a part at a
    // time, the next when the send queue drains (continue_replay). A new client gets the
    // composed notify.scene; welcome's resume_state already gave it the newest cursors.
    if (resume) {
        session.replay_token_ = token(Topic::layers);
        continue_replay(session);
    } else {
        session.send(builder_.scene(session.id(), broadcast::compose_scene(store_),
                                    history_.latest(Topic::scene).delta_token, std::nullopt));
    }
    // notify.stream: the configs the client missed, or else the latest one.
    const auto stream = history_.replay_since(Topic::stream, token(Topic::stream));
    std::vector<const store::HistoryEntry *> stream_entries = history_.deltas(Topic::stream);
    if (const auto *replay = std::get_if<store::Replay>(&stream)) {
        stream_entries = replay->entries;
    } else if (!stream_entries.empty()) {
        stream_entries = {stream_entries.back()};
    }
    for (const store::HistoryEntry *e : stream_entries) {
        session.send(builder_.stream_from_payload(session.id(), e->payload.get_object(), e->seq, e->delta_token));
    }
}

json::object ControlHub::camera_pose() const {
    json::object pose;
    store_.for_each_record("camera", [&](const store::PropertyKey &p, const store::Record &r) {
        if (p.target == "main") pose[p.key] = r.value;
    });
    return pose;
}

void ControlHub::continue_replay(ControlSession &session) {
    if (!session.replay_token_ || !session.active()) return;
    const auto result = history_.replay_since(Topic::layers, *session.replay_token_);
    if (!std::holds_alternative<store::Replay>(result)) {
        SCENEHOST_ASSERT(std::holds_alternative<store::BaselineNeeded>(result), "the host issued the token it replays from");
        // The window moved past the client while it read: the composed scene replaces the rest.
        spdlog::info("session {}: the replay fell out of the history window; sending a baseline", session.id());
        session.replay_token_.reset();
        session.send(builder_.scene(session.id(), broadcast::compose_scene(store_),
                                    history_.latest(Topic::scene).delta_token, std::nullopt));
        return;
    }
    const auto &entries = std::get<store::Replay>(result).entries;
    size_t sent = 0;
    for (; sent < entries.size() && session.queued_bytes() < config_.replay_budget_bytes; ++sent) {
        const store::HistoryEntry *e = entries[sent];
        session.send(builder_.layers_from_payload(session.id(), e->payload.get_object(), e->seq, e->delta_token,
                                                  std::nullopt));
        session.replay_token_ = e->delta_token;
    }
    if (sent < entries.size()) return;  // more when the connection drains
    session.replay_token_.reset();
    send_lane_state(session);
}

// dims and camera are not resumable: a resumed client gets their current state.
void ControlHub::send_lane_state(ControlSession &session) {
    if (auto dims = dims_state("baseline")) session.send(builder_.dims(session.id(), *dims, std::nullopt));
    if (json::object pose = camera_pose(); !pose.empty()) {
        const protocol::CameraUpdate update{"set", pose, "baseline", pose, store_.scope_version("camera")};
        session.send(builder_.camera(session.id(), update, std::nullopt));
    }
}

std::optional<protocol::DimsState> ControlHub::dims_state(std::string_view source) const {
    const store::Record *step = store_.find("dims", "main", "current_step");
    if (step == nullptr) return std::nullopt;
    protocol::DimsState dims;
    dims.current_step = int_vector(step);
    const store::Record *ndisplay = store_.find("view", "main", "ndisplay");
    dims.ndisplay = ndisplay == nullptr ? 2 : ndisplay->value.to_number<int64_t>();
    dims.mode = dims.ndisplay == 3 ? "volume" : "plane";
    dims.source = std::string(source);
    if (const auto *order = store_.find("dims", "main", "order")) {
        // napari's displayed axes: the last ndisplay of the order.
        dims.order = int_vector(order);
        const size_t shown = std::min(dims.order->size(), size_t(dims.ndisplay));
        dims.displayed = std::vector<int64_t>(dims.order->end() - ptrdiff_t(shown), dims.order->end());
    }
    if (const auto *labels = store_.find("dims", "main", "axis_labels"); labels && labels->value.is_array()) {
        std::vector<std::string> names;
        for (const json::value &l : labels->value.get_array()) names.emplace_back(l.as_string());
        dims.axis_labels = std::move(names);
    }
    dims.version = store_.scope_version("dims");
    return dims;
}

void ControlHub::handle_update(ControlSession &session, const protocol::Envelope &envelope,
                               const protocol::StateUpdate &update) {
    const std::string &intent_id = *envelope.intent_id;  // required on state.update
    const router::Route route = router::route_intent(update.scope, update.target, update.key);
    const std::optional<engine::Outcome> applied =
        apply_intent(session, route, update.value, update.base_version, intent_id, *envelope.frame_id, false);
    if (!applied) return;
    const engine::Outcome &outcome = *applied;
    if (const auto *rejected = std::get_if<engine::Rejected>(&outcome)) {
        session.send(builder_.ack_rejected(session.id(), intent_id, *envelope.frame_id,
                                           {rejected->code, rejected->message, rejected->details}, rejected->version));
        return;
    }
    const auto &accepted = std::get<engine::Accepted>(outcome);
    // The ack first; only then the notifies it caused.
    session.send(builder_.ack_accepted(session.id(), intent_id, *envelope.frame_id, accepted.applied_value,
                                       accepted.version));
    if (!accepted.changes.changes.empty()) {
        broadcast(accepted.changes, session, intent_id, route.key, update.value);
    }
}

void ControlHub::broadcast(const store::ChangeSet &changes, const ControlSession &origin, const std::string &intent_id,
                           std::string_view intent_key, const json::value &intent_value) {
    auto intent_for = [&](const ControlSession &s) {
        return &s == &origin ? std::optional<std::string>(intent_id) : std::nullopt;
    };
    const std::string &scope = changes.scope;
    if (scope == "layer" || scope == "volume") {
        // One delta per layer touched, in the order the writes came. Volume records ride the
        // layer topic under namespaced keys (spec §4: "volume.mode").
        const std::string prefix = scope == "volume" ? "volume." : "";
        std::vector<std::string> order;
        std::map<std::string, protocol::LayersDelta> deltas;
        for (const store::Change &c : changes.changes) {
            auto [it, inserted] = deltas.try_emplace(c.property.target);
            if (inserted) order.push_back(c.property.target);
            it->second.layer_id = c.property.target;
            it->second.changes[prefix + c.property.key] = c.new_value;
            it->second.version = c.version;
        }
        for (const std::string &layer : order) {
            json::object payload = protocol::FrameBuilder::layers_payload(deltas.at(layer));
            const store::Cursor cursor = history_.apply_delta(Topic::layers, payload, deltas.at(layer).version,
                                                              changes.changes.front().actor_id);
            const protocol::SessionTemplate others(builder_.layers_from_payload(
                protocol::FrameBuilder::kSessionPlaceholder, payload, cursor.seq, cursor.delta_token, std::nullopt));
            for (const auto &[id, s] : sessions_) {
                if (s->replay_token_) continue;  // its replay will bring this delta
                if (s == &origin) {
                    s->send(builder_.layers_from_payload(id, payload, cursor.seq, cursor.delta_token, intent_id));
                } else {
                    s->send(others.for_session(id));
                }
            }
        }
        return;
    }
    if (scope == "dims") {
        const auto dims = dims_state("state.update");
        if (!dims) return;
        const protocol::SessionTemplate others(
            builder_.dims(protocol::FrameBuilder::kSessionPlaceholder, *dims, std::nullopt));
        for (const auto &[id, s] : sessions_) {
            s->send(s == &origin ? builder_.dims(id, *dims, intent_id) : others.for_session(id),
                    transport::SendClass::coalescible, "notify.dims");
        }
        return;
    }
    if (scope == "camera") {
        json::object state = camera_pose();
        // napari-cuda's relative operations keep their mode and echo the client's delta; an
        // absolute write is a "set" of what changed.
        const bool relative = intent_key == "orbit" || intent_key == "pan" || intent_key == "reset" ||
                              intent_key == "fit" || intent_key == "set" || (intent_key == "zoom" && intent_value.is_object());
        json::object written;
        for (const store::Change &c : changes.changes) written[c.property.key] = c.new_value;
        const protocol::CameraUpdate update{relative ? std::string(intent_key) : "set",
                                            relative ? intent_value : json::value(std::move(written)), "state.update",
                                            state, changes.changes.back().version};
        const protocol::SessionTemplate others(
            builder_.camera(protocol::FrameBuilder::kSessionPlaceholder, update, std::nullopt));
        for (const auto &[id, s] : sessions_) {
            s->send(s == &origin ? builder_.camera(id, update, intent_id) : others.for_session(id),
                    transport::SendClass::coalescible, "notify.camera");
        }
        return;
    }
    // view and every scope without a lane of its own: the scene is published anew. A view
    // change that touches ndisplay is mirrored on notify.dims first (spec §5.1).
    if (scope == "view") {
        for (const store::Change &c : changes.changes) {
            if (c.property.key != "ndisplay") continue;
            if (const auto dims = dims_state("state.update")) {
                for (const auto &[id, s] : sessions_) s->send(builder_.dims(id, *dims, intent_for(*s)));
            }
        }
    }
    publish_scene(origin.id(), intent_id);
}

void ControlHub::publish_scene(const std::optional<std::string> &origin_session,
                               const std::optional<std::string> &intent_id) {
    json::object snapshot = broadcast::compose_scene(store_);
    const store::Cursor cursor = history_.seed_snapshot(Topic::scene, snapshot, scene_version());
    const protocol::SessionTemplate others(
        builder_.scene(protocol::FrameBuilder::kSessionPlaceholder, snapshot, cursor.delta_token, std::nullopt));
    for (const auto &[id, s] : sessions_) {
        s->replay_token_.reset();  // the new snapshot is a whole baseline: no replay continues
        const bool origin = origin_session && *origin_session == id;
        s->send(origin ? builder_.scene(id, snapshot, cursor.delta_token, intent_id) : others.for_session(id));
    }
    republish_stream();  // the new epoch cleared notify.stream: its config starts the epoch anew
}

void ControlHub::publish_stream(const protocol::StreamConfig &config) {
    stream_ = config;
    republish_stream();
}

void ControlHub::republish_stream() {
    if (!stream_) return;
    const json::object payload = protocol::FrameBuilder::stream_payload(*stream_);
    const store::Cursor cursor = history_.apply_delta(Topic::stream, payload, ++stream_version_, "server");
    for (const auto &[id, s] : sessions_) {
        s->send(builder_.stream_from_payload(id, payload, cursor.seq, cursor.delta_token));
    }
}

std::optional<engine::Outcome> ControlHub::apply_intent(ControlSession &session, const router::Route &route,
                                                        const json::value &value, std::optional<uint64_t> base_version,
                                                        const std::string &intent_id, const std::string &frame_id,
                                                        bool command) {
    try {
        return engine_.apply({route.scope, route.target, route.key, value, base_version},
                             {session.actor(), session.id(), intent_id});
    } catch (const store::AuditWriteError &e) {
        // Not recorded, so not accepted: the sender learns so, then every session the fault.
        const std::string message = "the audit log could not record this change; the host is stopping";
        const json::object details{{"scope", route.scope}, {"key", route.key}};
        if (command) {
            session.send(builder_.error_command(session.id(), frame_id, "state.not_recorded", message, details));
        } else {
            session.send(builder_.ack_rejected(session.id(), intent_id, frame_id, {"state.not_recorded", message, details},
                                               std::nullopt));
        }
        fail_critical("audit", "audit.write_failed", e.what());
        return std::nullopt;
    }
}

std::vector<std::string> ControlHub::command_names() const {
    std::vector<std::string> names = commands_.names();
    for (const auto &[name, command] : intent_commands_) names.push_back(name);
    std::sort(names.begin(), names.end());
    return names;
}

void ControlHub::fail_critical(std::string_view domain, std::string_view code, const std::string &message) {
    SCENEHOST_ASSERT(on_critical_ != nullptr, "the host says what a critical fault does before serving");
    if (failed_) return;
    failed_ = true;
    stopping_ = true;
    spdlog::critical("critical fault ({}): {}", code, message);
    // goodbye() deactivates the session, so walk a copy. Each connection sends what is queued
    // (pending acks and replies) before these frames, and closes after them.
    const auto sessions = sessions_;
    for (const auto &[id, session] : sessions) {
        session->send(builder_.error(id, {std::string(domain), std::string(code), message, "critical", std::nullopt}));
        session->goodbye("error", "critical_fault", transport::CloseCode::internal_error);
    }
    on_critical_(message);
}

void ControlHub::handle_command(ControlSession &session, const protocol::Envelope &envelope,
                                const protocol::CallCommand &call) {
    const std::string &frame_id = *envelope.frame_id;  // required on call.command
    const auto &allowed = config_.allowed_commands;
    const auto intent_command = intent_commands_.find(call.command);
    const bool known = commands_.has(call.command) || intent_command != intent_commands_.end();
    if (known && !allowed.empty() && std::find(allowed.begin(), allowed.end(), call.command) == allowed.end()) {
        session.send(builder_.error_command(session.id(), frame_id, "command.forbidden",
                                            fmt::format("this session may not run '{}'", call.command),
                                            json::object{{"command", call.command}}));
        return;
    }
    if (intent_command != intent_commands_.end()) {
        if (!call.args.empty() || !call.kwargs.empty()) {
            session.send(builder_.error_command(session.id(), frame_id, "command.invalid",
                                                fmt::format("{} takes no arguments", call.command), std::nullopt));
            return;
        }
        const IntentCommand &c = intent_command->second;
        const router::Route route{c.scope, c.target, c.key};
        const auto applied = apply_intent(session, route, c.value, std::nullopt, frame_id, frame_id, true);
        if (!applied) return;
        if (const auto *rejected = std::get_if<engine::Rejected>(&*applied)) {
            session.send(builder_.error_command(session.id(), frame_id, rejected->code, rejected->message, rejected->details));
            return;
        }
        // The reply first, then the notifies of the change (spec §15, "command success").
        const auto &accepted = std::get<engine::Accepted>(*applied);
        session.send(builder_.reply_command(session.id(), frame_id,
                                            json::object{{"applied_value", accepted.applied_value}, {"version", accepted.version}}));
        if (!accepted.changes.changes.empty()) broadcast(accepted.changes, session, frame_id, c.key, c.value);
        return;
    }
    auto result = commands_.call(call.command, call.args, call.kwargs);
    if (auto *error = std::get_if<engine::CommandError>(&result)) {
        session.send(builder_.error_command(session.id(), frame_id, error->code, error->message, error->details));
        return;
    }
    session.send(builder_.reply_command(session.id(), frame_id, std::get<json::value>(result)));
}

}  // namespace scenehost::session
