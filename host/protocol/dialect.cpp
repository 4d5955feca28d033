// What every dialect shares: the internal history payloads, session templates, ids and the
// envelope's clock-stamped head.
#include "protocol/dialect.hpp"

#include <fmt/format.h>

#include "base/assert.hpp"

namespace scenehost::protocol {

namespace json = boost::json;

json::object intent_command_result(const json::value &applied_value, uint64_t version) {
    return {{"applied_value", applied_value}, {"version", version}};
}

json::object layers_payload(const LayersDelta &delta) {
    json::object payload{{"layer_id", delta.layer_id}, {"changes", delta.changes}, {"version", delta.version}};
    if (!delta.actor_id.empty()) payload["actor_id"] = delta.actor_id;
    return payload;
}

json::object stream_payload(const StreamConfig &c) {
    json::object payload{
        {"codec", c.codec},
        {"format", c.format},
        {"fps", c.fps},
        {"frame_size", json::array{c.width, c.height}},
        {"nal_length_size", c.nal_length_size},
        {"avcc", c.avcc_base64},
        {"latency_policy", {{"max_buffer_ms", c.max_buffer_ms}, {"grace_keyframe_ms", c.grace_keyframe_ms}}}};
    if (c.vt_hint) payload["vt_hint"] = *c.vt_hint;
    if (!c.encoder.empty()) payload["encoder"] = c.encoder;
    return payload;
}

json::object state_payload(const StateDelta &delta) {
    json::object payload{{"scope", delta.scope}, {"target", delta.target}, {"changes", delta.changes},
                         {"version", delta.version}};
    if (!delta.actor_id.empty()) payload["actor_id"] = delta.actor_id;
    return payload;
}

SessionTemplate::SessionTemplate(std::string frame_text) {
    const std::string marker = fmt::format("\"session\":\"{}\"", Dialect::kSessionPlaceholder);
    const std::size_t at = frame_text.find(marker);
    SCENEHOST_ASSERT(at != std::string::npos, "templates are built with kSessionPlaceholder as the session");
    const std::size_t value_at = at + marker.size() - Dialect::kSessionPlaceholder.size() - 1;
    prefix_ = frame_text.substr(0, value_at);
    suffix_ = frame_text.substr(value_at + Dialect::kSessionPlaceholder.size());
}

std::string SessionTemplate::for_session(std::string_view session_id) const {
    std::string text;
    text.reserve(prefix_.size() + session_id.size() + suffix_.size());
    text.append(prefix_).append(session_id).append(suffix_);
    return text;
}

Dialect::Dialect(const base::Clock &clock, bool validate_output)
    : clock_(clock), validate_output_(validate_output), random_(std::random_device{}()) {}

std::string Dialect::uuid() {
    // RFC 4122 version 4 (bits 12-15 of time_hi = 0100), variant 1 (top bits of clock_seq = 10).
    const uint64_t hi = (random_() & 0xffffffffffff0fffull) | 0x0000000000004000ull;
    const uint64_t lo = (random_() & 0x3fffffffffffffffull) | 0x8000000000000000ull;
    return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", hi >> 32, (hi >> 16) & 0xffff, hi & 0xffff, lo >> 48,
                       lo & 0xffffffffffffull);
}

std::string Dialect::short_id() { return fmt::format("{:08x}", random_() >> 32); }

std::string Dialect::new_session_id() { return uuid(); }

Envelope Dialect::envelope(FrameType type, std::optional<std::string_view> session) const {
    Envelope e;
    e.type = type;
    if (session) e.session.emplace(*session);
    const base::TimeUs now_us = clock_.now_us();
    SCENEHOST_ASSERT(now_us >= 0, "the clock counts microseconds since the Unix epoch");
    e.timestamp = static_cast<double>(now_us) / 1e6;  // exact to the µs below 2^53 µs; written with 6 decimals
    return e;
}

Dialect::Frame Dialect::welcome_frame(const Welcome &w) {
    Envelope e = envelope(FrameType::session_welcome, w.session_id);
    e.frame_id = uuid();
    json::object session{{"id", w.session_id}, {"heartbeat_s", w.heartbeat_s}};
    if (w.ack_timeout_ms) session["ack_timeout_ms"] = *w.ack_timeout_ms;
    json::object features;
    for (const auto &[topic, f] : w.features) {
        json::object o{{"enabled", f.enabled}};
        if (f.version) o["version"] = *f.version;
        if (f.resume) o["resume"] = *f.resume;
        if (f.commands) o["commands"] = json::array(f.commands->begin(), f.commands->end());
        if (f.resume_state) {
            o["resume_state"] = {{"seq", f.resume_state->seq}, {"delta_token", f.resume_state->delta_token}};
        }
        features[topic] = std::move(o);
    }
    return {std::move(e),
            {{"protocol_version", version()}, {"session", std::move(session)}, {"features", std::move(features)}}};
}

Dialect::Frame Dialect::reject_frame(const Reject &r) {
    Envelope e = envelope(FrameType::session_reject, std::nullopt);
    e.frame_id = uuid();
    json::object payload{{"code", r.code}, {"message", r.message}};
    if (r.details) payload["details"] = *r.details;
    return {std::move(e), std::move(payload)};
}

Dialect::Frame Dialect::heartbeat_frame(std::string_view session) {
    Envelope e = envelope(FrameType::session_heartbeat, session);
    e.frame_id = uuid();
    return {std::move(e), {}};
}

Dialect::Frame Dialect::goodbye_frame(std::string_view session, const GoodbyeInfo &info) {
    Envelope e = envelope(FrameType::session_goodbye, session);
    e.frame_id = uuid();
    json::object payload;
    if (info.code) payload["code"] = *info.code;
    if (info.message) payload["message"] = *info.message;
    if (info.reason) payload["reason"] = *info.reason;
    return {std::move(e), std::move(payload)};
}

Dialect::Frame Dialect::scene_frame(std::string_view session, json::object snapshot, std::string_view delta_token,
                                    const std::optional<std::string> &intent_id) {
    Envelope e = envelope(FrameType::notify_scene, session);
    e.frame_id = uuid();
    e.seq = 0;
    e.delta_token.emplace(delta_token);
    e.intent_id = intent_id;
    return {std::move(e), std::move(snapshot)};
}

Dialect::Frame Dialect::resumable_frame(FrameType type, std::string_view session, json::object payload, uint64_t seq,
                                        std::string_view delta_token, const std::optional<std::string> &intent_id) {
    Envelope e = envelope(type, session);
    e.seq = seq;
    e.delta_token.emplace(delta_token);
    e.intent_id = intent_id;
    return {std::move(e), std::move(payload)};
}

Dialect::Frame Dialect::hot_frame(FrameType type, std::string_view session, json::object payload,
                                  const std::optional<std::string> &intent_id) {
    Envelope e = envelope(type, session);
    if (intent_id)
        e.intent_id = intent_id;
    else
        e.frame_id = short_id();
    return {std::move(e), std::move(payload)};
}

Dialect::Frame Dialect::telemetry_frame(std::string_view session, const Telemetry &t) {
    Envelope e = envelope(FrameType::notify_telemetry, session);
    e.frame_id = uuid();
    return {std::move(e), {{"presenter", t.presenter}, {"decode", t.decode}, {"queue_depth", t.queue_depth}}};
}

Dialect::Frame Dialect::error_frame(std::string_view session, const ErrorNotice &n) {
    Envelope e = envelope(FrameType::notify_error, session);
    e.frame_id = uuid();
    json::object payload{{"domain", n.domain}, {"code", n.code}, {"message", n.message}, {"severity", n.severity}};
    if (n.context) payload["context"] = *n.context;
    return {std::move(e), std::move(payload)};
}

Dialect::Frame Dialect::ack_accepted_frame(std::string_view session, std::string_view intent_id,
                                           std::string_view in_reply_to, const json::value &applied_value,
                                           uint64_t version) {
    Envelope e = envelope(FrameType::ack_state, session);
    e.frame_id = uuid();
    return {std::move(e),
            {{"intent_id", intent_id},
             {"in_reply_to", in_reply_to},
             {"status", "accepted"},
             {"applied_value", applied_value},
             {"version", version}}};
}

Dialect::Frame Dialect::ack_rejected_frame(std::string_view session, std::string_view intent_id,
                                           std::string_view in_reply_to, const StateRejection &r,
                                           std::optional<uint64_t> version) {
    Envelope e = envelope(FrameType::ack_state, session);
    e.frame_id = uuid();
    json::object error{{"code", r.code}, {"message", r.message}};
    if (r.details) error["details"] = *r.details;
    json::object payload{
        {"intent_id", intent_id}, {"in_reply_to", in_reply_to}, {"status", "rejected"}, {"error", std::move(error)}};
    if (version) payload["version"] = *version;
    return {std::move(e), std::move(payload)};
}

Dialect::Frame Dialect::reply_command_frame(std::string_view session, std::string_view in_reply_to,
                                            const json::value &result) {
    Envelope e = envelope(FrameType::reply_command, session);
    e.frame_id = uuid();
    return {std::move(e), {{"in_reply_to", in_reply_to}, {"status", "ok"}, {"result", result}}};
}

Dialect::Frame Dialect::error_command_frame(std::string_view session, std::string_view in_reply_to,
                                            std::string_view code, std::string_view message,
                                            const std::optional<json::object> &details) {
    Envelope e = envelope(FrameType::error_command, session);
    e.frame_id = uuid();
    json::object payload{{"in_reply_to", in_reply_to}, {"status", "error"}, {"code", code}, {"message", message}};
    if (details) payload["details"] = *details;
    return {std::move(e), std::move(payload)};
}

}  // namespace scenehost::protocol
