// The server-frame builders: typed payload -> JSON object -> asserted valid -> frame text.
#include "protocol/server_frames.hpp"

#include <fmt/format.h>

#include "base/assert.hpp"
#include "protocol/envelope.hpp"

namespace scenehost::protocol {
namespace {

namespace json = boost::json;

template <class T>
json::array to_array(const std::vector<T> &values) {
    return json::array(values.begin(), values.end());
}

}  // namespace

SessionTemplate::SessionTemplate(std::string frame_text) {
    const std::string marker = fmt::format("\"session\":\"{}\"", FrameBuilder::kSessionPlaceholder);
    const std::size_t at = frame_text.find(marker);
    SCENEHOST_ASSERT(at != std::string::npos, "templates are built with kSessionPlaceholder as the session");
    const std::size_t value_at = at + marker.size() - FrameBuilder::kSessionPlaceholder.size() - 1;
    prefix_ = frame_text.substr(0, value_at);
    suffix_ = frame_text.substr(value_at + FrameBuilder::kSessionPlaceholder.size());
}

std::string SessionTemplate::for_session(std::string_view session_id) const {
    std::string text;
    text.reserve(prefix_.size() + session_id.size() + suffix_.size());
    text.append(prefix_).append(session_id).append(suffix_);
    return text;
}

FrameBuilder::FrameBuilder(const base::Clock &clock, bool validate_output)
    : clock_(clock), validate_output_(validate_output), random_(std::random_device{}()) {}

std::string FrameBuilder::uuid() {
    // RFC 4122 version 4 (bits 12-15 of time_hi = 0100), variant 1 (top bits of clock_seq = 10).
    const uint64_t hi = (random_() & 0xffffffffffff0fffull) | 0x0000000000004000ull;
    const uint64_t lo = (random_() & 0x3fffffffffffffffull) | 0x8000000000000000ull;
    return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", hi >> 32, (hi >> 16) & 0xffff, hi & 0xffff, lo >> 48,
                       lo & 0xffffffffffffull);
}

std::string FrameBuilder::short_id() { return fmt::format("{:08x}", random_() >> 32); }  // a UUID's first 8 chars

std::string FrameBuilder::new_session_id() { return uuid(); }

Envelope FrameBuilder::envelope(FrameType type, std::optional<std::string_view> session) const {
    Envelope e;
    e.type = type;
    if (session) e.session.emplace(*session);
    const base::TimeUs now_us = clock_.now_us();
    SCENEHOST_ASSERT(now_us >= 0, "the clock counts microseconds since the Unix epoch");
    e.timestamp = static_cast<double>(now_us) / 1e6;  // exact to the µs below 2^53 µs; written with 6 decimals
    return e;
}

std::string FrameBuilder::finish(const Envelope &envelope, const json::object &payload) const {
    if (!validate_output_) return write_frame(envelope, payload);
    std::optional<ProtocolError> problem = check_envelope(envelope);
    if (!problem) problem = validate_payload(envelope, payload);
    SCENEHOST_ASSERT(!problem, fmt::format("the host builds only valid frames; this {} breaks: {}",
                                           type_name(envelope.type), problem->message));
    return write_frame(envelope, payload);
}

std::string FrameBuilder::welcome(const Welcome &w) {
    Envelope e = envelope(FrameType::session_welcome, w.session_id);
    e.frame_id = uuid();
    json::object session{{"id", w.session_id}, {"heartbeat_s", w.heartbeat_s}};
    if (w.ack_timeout_ms) session["ack_timeout_ms"] = *w.ack_timeout_ms;
    json::object features;
    for (const auto &[topic, f] : w.features) {
        json::object o{{"enabled", f.enabled}};
        if (f.version) o["version"] = *f.version;
        if (f.resume) o["resume"] = *f.resume;
        if (f.commands) o["commands"] = to_array(*f.commands);
        if (f.resume_state) {
            o["resume_state"] = {{"seq", f.resume_state->seq}, {"delta_token", f.resume_state->delta_token}};
        }
        features[topic] = std::move(o);
    }
    const json::object payload{
        {"protocol_version", kProtocolVersion}, {"session", std::move(session)}, {"features", std::move(features)}};
    return finish(e, payload);
}

std::string FrameBuilder::reject(const Reject &r) {
    Envelope e = envelope(FrameType::session_reject, std::nullopt);
    e.frame_id = uuid();
    json::object payload{{"code", r.code}, {"message", r.message}};
    if (r.details) payload["details"] = *r.details;
    return finish(e, payload);
}

std::string FrameBuilder::heartbeat(std::string_view session) {
    Envelope e = envelope(FrameType::session_heartbeat, session);
    e.frame_id = uuid();
    return finish(e, json::object{});
}

std::string FrameBuilder::goodbye(std::string_view session, const GoodbyeInfo &info) {
    Envelope e = envelope(FrameType::session_goodbye, session);
    e.frame_id = uuid();
    json::object payload;
    if (info.code) payload["code"] = *info.code;
    if (info.message) payload["message"] = *info.message;
    if (info.reason) payload["reason"] = *info.reason;
    return finish(e, payload);
}

std::string FrameBuilder::scene(std::string_view session, const json::object &snapshot, std::string_view delta_token,
                                const std::optional<std::string> &intent_id) {
    Envelope e = envelope(FrameType::notify_scene, session);
    e.frame_id = uuid();
    e.seq = 0;
    e.delta_token.emplace(delta_token);
    e.intent_id = intent_id;
    return finish(e, snapshot);
}

json::object FrameBuilder::layers_payload(const LayersDelta &delta) {
    return {{"layer_id", delta.layer_id}, {"changes", delta.changes}, {"version", delta.version}};
}

std::string FrameBuilder::layers_from_payload(std::string_view session, const json::object &payload, uint64_t seq,
                                              std::string_view delta_token,
                                              const std::optional<std::string> &intent_id) {
    Envelope e = envelope(FrameType::notify_layers, session);
    e.seq = seq;
    e.delta_token.emplace(delta_token);
    e.intent_id = intent_id;
    return finish(e, payload);
}

std::string FrameBuilder::layers(std::string_view session, const LayersDelta &delta, uint64_t seq,
                                 std::string_view delta_token, const std::optional<std::string> &intent_id) {
    return layers_from_payload(session, layers_payload(delta), seq, delta_token, intent_id);
}

json::object FrameBuilder::stream_payload(const StreamConfig &c) {
    json::object payload{
        {"codec", c.codec},
        {"format", c.format},
        {"fps", c.fps},
        {"frame_size", json::array{c.width, c.height}},
        {"nal_length_size", c.nal_length_size},
        {"avcc", c.avcc_base64},
        {"latency_policy", {{"max_buffer_ms", c.max_buffer_ms}, {"grace_keyframe_ms", c.grace_keyframe_ms}}}};
    if (c.vt_hint) payload["vt_hint"] = *c.vt_hint;
    return payload;
}

std::string FrameBuilder::stream_from_payload(std::string_view session, const json::object &payload, uint64_t seq,
                                              std::string_view delta_token) {
    Envelope e = envelope(FrameType::notify_stream, session);  // never an intent_id (App. B.2)
    e.seq = seq;
    e.delta_token.emplace(delta_token);
    return finish(e, payload);
}

json::object FrameBuilder::state_payload(const StateDelta &delta) {
    return {{"scope", delta.scope}, {"target", delta.target}, {"changes", delta.changes}, {"version", delta.version}};
}

std::string FrameBuilder::state_from_payload(std::string_view session, const json::object &payload, uint64_t seq,
                                             std::string_view delta_token, const std::optional<std::string> &intent_id) {
    Envelope e = envelope(FrameType::notify_state, session);
    e.seq = seq;
    e.delta_token.emplace(delta_token);
    e.intent_id = intent_id;
    return finish(e, payload);
}

std::string FrameBuilder::stream(std::string_view session, const StreamConfig &config, uint64_t seq,
                                 std::string_view delta_token) {
    return stream_from_payload(session, stream_payload(config), seq, delta_token);
}

std::string FrameBuilder::dims(std::string_view session, const DimsState &d,
                               const std::optional<std::string> &intent_id) {
    Envelope e = envelope(FrameType::notify_dims, session);
    if (intent_id)
        e.intent_id = intent_id;
    else
        e.frame_id = short_id();
    json::object payload{{"current_step", to_array(d.current_step)},
                         {"ndisplay", d.ndisplay},
                         {"mode", d.mode},
                         {"source", d.source},
                         {"version", d.version}};
    if (d.order) payload["order"] = to_array(*d.order);
    if (d.axis_labels) payload["axis_labels"] = to_array(*d.axis_labels);
    if (d.displayed) payload["displayed"] = to_array(*d.displayed);
    return finish(e, payload);
}

std::string FrameBuilder::camera(std::string_view session, const CameraUpdate &c,
                                 const std::optional<std::string> &intent_id) {
    Envelope e = envelope(FrameType::notify_camera, session);
    if (intent_id)
        e.intent_id = intent_id;
    else
        e.frame_id = short_id();
    json::object payload{{"mode", c.mode}, {"delta", c.delta}, {"origin", c.origin}, {"version", c.version}};
    if (c.state) payload["state"] = *c.state;
    return finish(e, payload);
}

std::string FrameBuilder::telemetry(std::string_view session, const Telemetry &t) {
    Envelope e = envelope(FrameType::notify_telemetry, session);
    e.frame_id = uuid();
    return finish(e, {{"presenter", t.presenter}, {"decode", t.decode}, {"queue_depth", t.queue_depth}});
}

std::string FrameBuilder::error(std::string_view session, const ErrorNotice &n) {
    Envelope e = envelope(FrameType::notify_error, session);
    e.frame_id = uuid();
    json::object payload{{"domain", n.domain}, {"code", n.code}, {"message", n.message}, {"severity", n.severity}};
    if (n.context) payload["context"] = *n.context;
    return finish(e, payload);
}

std::string FrameBuilder::ack_accepted(std::string_view session, std::string_view intent_id,
                                       std::string_view in_reply_to, const json::value &applied_value,
                                       uint64_t version) {
    Envelope e = envelope(FrameType::ack_state, session);
    e.frame_id = uuid();
    return finish(e, {{"intent_id", intent_id},
                      {"in_reply_to", in_reply_to},
                      {"status", "accepted"},
                      {"applied_value", applied_value},
                      {"version", version}});
}

std::string FrameBuilder::ack_rejected(std::string_view session, std::string_view intent_id,
                                       std::string_view in_reply_to, const StateRejection &r,
                                       std::optional<uint64_t> version) {
    Envelope e = envelope(FrameType::ack_state, session);
    e.frame_id = uuid();
    json::object error{{"code", r.code}, {"message", r.message}};
    if (r.details) error["details"] = *r.details;
    json::object payload{
        {"intent_id", intent_id}, {"in_reply_to", in_reply_to}, {"status", "rejected"}, {"error", std::move(error)}};
    if (version) payload["version"] = *version;
    return finish(e, payload);
}

std::string FrameBuilder::reply_command(std::string_view session, std::string_view in_reply_to,
                                        const json::value &result, std::optional<std::string_view> idempotency_key) {
    Envelope e = envelope(FrameType::reply_command, session);
    e.frame_id = uuid();
    json::object payload{{"in_reply_to", in_reply_to}, {"status", "ok"}, {"result", result}};
    if (idempotency_key) payload["idempotency_key"] = *idempotency_key;
    return finish(e, payload);
}

std::string FrameBuilder::error_command(std::string_view session, std::string_view in_reply_to, std::string_view code,
                                        std::string_view message, const std::optional<json::object> &details,
                                        std::optional<std::string_view> idempotency_key) {
    Envelope e = envelope(FrameType::error_command, session);
    e.frame_id = uuid();
    json::object payload{{"in_reply_to", in_reply_to}, {"status", "error"}, {"code", code}, {"message", message}};
    if (details) payload["details"] = *details;
    if (idempotency_key) payload["idempotency_key"] = *idempotency_key;
    return finish(e, payload);
}

}  // namespace scenehost::protocol
