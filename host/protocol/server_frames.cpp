// Builders for every server frame, and the payload rules the validator checks them against.
#include "protocol/server_frames.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include "base/assert.hpp"
#include "protocol/client_frames.hpp"
#include "protocol/envelope.hpp"

namespace scenehost::protocol {
namespace {

namespace json = boost::json;

template <class T>
json::array to_array(const std::vector<T> &values) {
    return json::array(values.begin(), values.end());
}

bool is_string(const json::object &o, std::string_view key) { return o.contains(key) && o.at(key).is_string(); }
bool is_number(const json::object &o, std::string_view key) { return o.contains(key) && o.at(key).is_number(); }
bool is_integer(const json::object &o, std::string_view key) {
    return o.contains(key) && (o.at(key).is_int64() || o.at(key).is_uint64());
}
bool is_object(const json::object &o, std::string_view key) { return o.contains(key) && o.at(key).is_object(); }
bool is_array(const json::object &o, std::string_view key) { return o.contains(key) && o.at(key).is_array(); }
bool absent_or(const json::object &o, std::string_view key, bool (*check)(const json::object &, std::string_view)) {
    return !o.contains(key) || check(o, key);
}

// The first payload rule of a server frame that p breaks, or an empty string.
std::string server_payload_problem(FrameType type, const json::object &p, const json::object &frame) {
    switch (type) {
        case FrameType::session_welcome: {
            if (!is_integer(p, "protocol_version") || p.at("protocol_version").to_number<int64_t>() != kProtocolVersion)
                return "payload.protocol_version must be 1";
            if (!is_object(p, "session")) return "payload.session must be an object";
            const json::object &s = p.at("session").get_object();
            if (!is_string(s, "id") || s.at("id") != frame.at("session")) return "payload.session.id must equal the envelope session";
            if (!is_number(s, "heartbeat_s") || s.at("heartbeat_s").to_number<double>() <= 0) return "payload.session.heartbeat_s must be > 0";
            if (!absent_or(s, "ack_timeout_ms", is_integer)) return "payload.session.ack_timeout_ms must be an integer";
            if (!is_object(p, "features")) return "payload.features must be an object";
            for (const auto &[topic, f] : p.at("features").get_object()) {
                if (!f.is_object() || !f.get_object().contains("enabled") || !f.get_object().at("enabled").is_bool())
                    return fmt::format("payload.features.{}.enabled must be a boolean", std::string_view(topic));
                const json::object &fo = f.get_object();
                if (!absent_or(fo, "commands", is_array) || !absent_or(fo, "resume_state", is_object))
                    return fmt::format("payload.features.{} has a mistyped field", std::string_view(topic));
            }
            return {};
        }
        case FrameType::session_reject:
            if (!is_string(p, "code") || !is_string(p, "message")) return "payload.code and payload.message are required";
            return absent_or(p, "details", is_object) ? "" : "payload.details must be an object";
        case FrameType::session_heartbeat: return p.empty() ? "" : "payload must be {}";
        case FrameType::notify_scene:
            if (!is_object(p, "viewer") || !is_array(p, "layers")) return "payload.viewer (object) and payload.layers (array) are required";
            return absent_or(p, "policies", is_object) && absent_or(p, "metadata", is_object) ? "" : "payload.policies / metadata must be objects";
        case FrameType::notify_layers:
            if (!is_string(p, "layer_id")) return "payload.layer_id must be a string";
            if (!is_object(p, "changes") || p.at("changes").get_object().empty()) return "payload.changes must be a non-empty object";
            return absent_or(p, "version", is_integer) ? "" : "payload.version must be an integer";
        case FrameType::notify_stream: {
            for (const char *key : {"codec", "format", "avcc"}) {
                if (!is_string(p, key)) return fmt::format("payload.{} must be a string", key);
            }
            if (!is_number(p, "fps") || !is_integer(p, "nal_length_size")) return "payload.fps and payload.nal_length_size are required numbers";
            if (!is_array(p, "frame_size") || p.at("frame_size").get_array().size() != 2) return "payload.frame_size must be [width, height]";
            if (!is_object(p, "latency_policy")) return "payload.latency_policy must be an object";
            return {};
        }
        case FrameType::notify_dims: {
            if (!is_array(p, "current_step")) return "payload.current_step must be an array";
            for (const json::value &s : p.at("current_step").get_array()) {
                if (!s.is_int64()) return "payload.current_step must hold integers";
            }
            if (!is_integer(p, "ndisplay") || (p.at("ndisplay").to_number<int64_t>() != 2 && p.at("ndisplay").to_number<int64_t>() != 3))
                return "payload.ndisplay must be 2 or 3";
            if (!is_string(p, "mode") || (p.at("mode") != "plane" && p.at("mode") != "volume")) return "payload.mode must be plane or volume";
            if (!is_string(p, "source")) return "payload.source must be a string";
            return {};
        }
        case FrameType::notify_camera:
            if (!is_string(p, "mode") || !p.contains("delta") || !is_string(p, "origin")) return "payload.mode, delta and origin are required";
            return absent_or(p, "state", is_object) ? "" : "payload.state must be an object";
        case FrameType::notify_telemetry:
            return is_object(p, "presenter") && is_object(p, "decode") && is_number(p, "queue_depth") ? "" : "payload.presenter, decode and queue_depth are required";
        case FrameType::notify_error: {
            for (const char *key : {"domain", "code", "message", "severity"}) {
                if (!is_string(p, key)) return fmt::format("payload.{} must be a string", key);
            }
            const auto &severity = p.at("severity");
            if (severity != "info" && severity != "warning" && severity != "critical") return "payload.severity must be info, warning or critical";
            return absent_or(p, "context", is_object) ? "" : "payload.context must be an object";
        }
        case FrameType::ack_state: {
            if (!is_string(p, "intent_id") || !is_string(p, "in_reply_to")) return "payload.intent_id and payload.in_reply_to are required";
            if (p.contains("version") && !is_integer(p, "version")) return "payload.version must be an integer";
            if (p.contains("status") && p.at("status") == "accepted") return p.contains("error") ? "payload.error is forbidden on an accepted ack" : "";
            if (!p.contains("status") || p.at("status") != "rejected") return "payload.status must be accepted or rejected";
            if (!is_object(p, "error")) return "payload.error is required on a rejected ack";
            const json::object &e = p.at("error").get_object();
            return is_string(e, "code") && is_string(e, "message") && absent_or(e, "details", is_object) ? "" : "payload.error needs code and message";
        }
        case FrameType::reply_command:
            if (!is_string(p, "in_reply_to") || !p.contains("status") || p.at("status") != "ok") return "payload.in_reply_to and status \"ok\" are required";
            return absent_or(p, "idempotency_key", is_string) ? "" : "payload.idempotency_key must be a string";
        case FrameType::error_command:
            if (!is_string(p, "in_reply_to") || !p.contains("status") || p.at("status") != "error") return "payload.in_reply_to and status \"error\" are required";
            if (!is_string(p, "code") || !is_string(p, "message")) return "payload.code and payload.message are required";
            return absent_or(p, "details", is_object) ? "" : "payload.details must be an object";
        default: break;
    }
    SCENEHOST_ASSERT(false, "client frame types are checked by their parser");
    return {};
}

}  // namespace

std::optional<ProtocolError> validate_frame(std::string_view text) {
    json::error_code error;
    json::value value = json::parse(text, error);
    if (error || !value.is_object()) {
        return ProtocolError{std::string(kInvalidJson), "frame is not a JSON object", "", {}, {}, {}};
    }
    auto envelope = read_envelope(value.get_object());
    if (auto *problem = std::get_if<ProtocolError>(&envelope)) return *problem;
    const FrameType type = std::get<Envelope>(envelope).type;
    const json::object &payload = value.get_object().at("payload").get_object();
    if (direction(type) != Direction::server_to_client) return check_client_payload(type, payload);
    std::string problem = server_payload_problem(type, payload, value.get_object());
    if (problem.empty()) return std::nullopt;
    return ProtocolError{std::string(kInvalidPayload), std::move(problem), "payload", type, {}, {}};
}

FrameBuilder::FrameBuilder(const base::Clock &clock, bool validate_output)
    : clock_(clock), validate_output_(validate_output), random_(std::random_device{}()) {}

SessionTemplate::SessionTemplate(std::string frame_text) {
    const std::string marker = fmt::format("\"session\":\"{}\"", FrameBuilder::kSessionPlaceholder);
    const size_t at = frame_text.find(marker);
    SCENEHOST_ASSERT(at != std::string::npos, "templates are built with kSessionPlaceholder as the session");
    const size_t value_at = at + marker.size() - FrameBuilder::kSessionPlaceholder.size() - 1;
    prefix_ = frame_text.substr(0, value_at);
    suffix_ = frame_text.substr(value_at + FrameBuilder::kSessionPlaceholder.size());
}

std::string SessionTemplate::for_session(std::string_view session_id) const {
    std::string text;
    text.reserve(prefix_.size() + session_id.size() + suffix_.size());
    text.append(prefix_).append(session_id).append(suffix_);
    return text;
}

std::string FrameBuilder::uuid() {
    const uint64_t hi = random_(), lo = random_();
    // RFC 4122 version 4, variant 1.
    const uint64_t h = (hi & 0xffffffffffff0fffull) | 0x0000000000004000ull;
    const uint64_t l = (lo & 0x3fffffffffffffffull) | 0x8000000000000000ull;
    return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", h >> 32, (h >> 16) & 0xffff, h & 0xffff, l >> 48,
                       l & 0xffffffffffffull);
}

std::string FrameBuilder::new_session_id() { return uuid(); }

json::object FrameBuilder::envelope(FrameType type, std::optional<std::string_view> session) {
    json::object frame;
    frame["type"] = type_name(type);
    frame["version"] = kProtocolVersion;
    if (session) frame["session"] = *session;
    frame["timestamp"] = static_cast<double>(clock_.now_us()) / 1e6;
    return frame;
}

std::string FrameBuilder::finish(json::object frame) {
    std::string text = json::serialize(frame);
    if (!validate_output_) return text;
    const auto problem = validate_frame(text);
    SCENEHOST_ASSERT(!problem, "the host builds only valid frames: " + (problem ? problem->message : std::string()) +
                                   " in " + text);
    return text;
}

std::string FrameBuilder::welcome(const Welcome &w) {
    json::object frame = envelope(FrameType::session_welcome, w.session_id);
    frame["frame_id"] = uuid();
    json::object session{{"id", w.session_id}, {"heartbeat_s", w.heartbeat_s}};
    if (w.ack_timeout_ms) session["ack_timeout_ms"] = *w.ack_timeout_ms;
    json::object features;
    for (const auto &[topic, f] : w.features) {
        json::object o{{"enabled", f.enabled}};
        if (f.version) o["version"] = *f.version;
        if (f.resume) o["resume"] = *f.resume;
        if (f.commands) o["commands"] = to_array(*f.commands);
        if (f.resume_state) o["resume_state"] = {{"seq", f.resume_state->seq}, {"delta_token", f.resume_state->delta_token}};
        features[topic] = std::move(o);
    }
    frame["payload"] = {{"protocol_version", kProtocolVersion}, {"session", std::move(session)}, {"features", std::move(features)}};
    return finish(std::move(frame));
}

std::string FrameBuilder::reject(const Reject &r) {
    json::object frame = envelope(FrameType::session_reject, std::nullopt);
    frame["frame_id"] = uuid();
    json::object payload{{"code", r.code}, {"message", r.message}};
    if (r.details) payload["details"] = *r.details;
    frame["payload"] = std::move(payload);
    return finish(std::move(frame));
}

std::string FrameBuilder::heartbeat(std::string_view session) {
    json::object frame = envelope(FrameType::session_heartbeat, session);
    frame["frame_id"] = uuid();
    frame["payload"] = json::object{};
    return finish(std::move(frame));
}

std::string FrameBuilder::goodbye(std::string_view session, const GoodbyeInfo &info) {
    json::object frame = envelope(FrameType::session_goodbye, session);
    frame["frame_id"] = uuid();
    json::object payload;
    if (info.code) payload["code"] = *info.code;
    if (info.message) payload["message"] = *info.message;
    if (info.reason) payload["reason"] = *info.reason;
    frame["payload"] = std::move(payload);
    return finish(std::move(frame));
}

std::string FrameBuilder::scene(std::string_view session, const json::object &snapshot, std::string_view delta_token,
                                const std::optional<std::string> &intent_id) {
    json::object frame = envelope(FrameType::notify_scene, session);
    frame["frame_id"] = uuid();
    frame["seq"] = 0;
    frame["delta_token"] = delta_token;
    if (intent_id) frame["intent_id"] = *intent_id;
    frame["payload"] = snapshot;
    return finish(std::move(frame));
}

json::object FrameBuilder::layers_payload(const LayersDelta &delta) {
    return {{"layer_id", delta.layer_id}, {"changes", delta.changes}, {"version", delta.version}};
}

std::string FrameBuilder::layers_from_payload(std::string_view session, const json::object &payload, uint64_t seq,
                                              std::string_view delta_token, const std::optional<std::string> &intent_id) {
    json::object frame = envelope(FrameType::notify_layers, session);
    frame["seq"] = seq;
    frame["delta_token"] = delta_token;
    if (intent_id) frame["intent_id"] = *intent_id;
    frame["payload"] = payload;
    return finish(std::move(frame));
}

std::string FrameBuilder::layers(std::string_view session, const LayersDelta &delta, uint64_t seq,
                                 std::string_view delta_token, const std::optional<std::string> &intent_id) {
    return layers_from_payload(session, layers_payload(delta), seq, delta_token, intent_id);
}

json::object FrameBuilder::stream_payload(const StreamConfig &c) {
    return {{"codec", c.codec},
            {"format", c.format},
            {"fps", c.fps},
            {"frame_size", json::array{c.width, c.height}},
            {"nal_length_size", c.nal_length_size},
            {"avcc", c.avcc_base64},
            {"latency_policy", {{"max_buffer_ms", c.max_buffer_ms}, {"grace_keyframe_ms", c.grace_keyframe_ms}}}};
}

std::string FrameBuilder::stream_from_payload(std::string_view session, const json::object &payload, uint64_t seq,
                                              std::string_view delta_token) {
    json::object frame = envelope(FrameType::notify_stream, session);
    frame["seq"] = seq;
    frame["delta_token"] = delta_token;
    frame["payload"] = payload;
    return finish(std::move(frame));
}

std::string FrameBuilder::stream(std::string_view session, const StreamConfig &c, uint64_t seq,
                                 std::string_view delta_token) {
    return stream_from_payload(session, stream_payload(c), seq, delta_token);
}

std::string FrameBuilder::dims(std::string_view session, const DimsState &d, const std::optional<std::string> &intent_id) {
    json::object frame = envelope(FrameType::notify_dims, session);
    if (intent_id) frame["intent_id"] = *intent_id;
    else frame["frame_id"] = uuid().substr(0, 8);
    json::object payload{{"current_step", to_array(d.current_step)}, {"ndisplay", d.ndisplay}, {"mode", d.mode},
                         {"source", d.source}, {"version", d.version}};
    if (d.order) payload["order"] = to_array(*d.order);
    if (d.axis_labels) payload["axis_labels"] = to_array(*d.axis_labels);
    if (d.displayed) payload["displayed"] = to_array(*d.displayed);
    frame["payload"] = std::move(payload);
    return finish(std::move(frame));
}

std::string FrameBuilder::camera(std::string_view session, const CameraUpdate &c,
                                 const std::optional<std::string> &intent_id) {
    json::object frame = envelope(FrameType::notify_camera, session);
    if (intent_id) frame["intent_id"] = *intent_id;
    else frame["frame_id"] = uuid().substr(0, 8);
    json::object payload{{"mode", c.mode}, {"delta", c.delta}, {"origin", c.origin}, {"version", c.version}};
    if (c.state) payload["state"] = *c.state;
    frame["payload"] = std::move(payload);
    return finish(std::move(frame));
}

std::string FrameBuilder::error(std::string_view session, const ErrorNotice &n) {
    json::object frame = envelope(FrameType::notify_error, session);
    frame["frame_id"] = uuid();
    json::object payload{{"domain", n.domain}, {"code", n.code}, {"message", n.message}, {"severity", n.severity}};
    if (n.context) payload["context"] = *n.context;
    frame["payload"] = std::move(payload);
    return finish(std::move(frame));
}

std::string FrameBuilder::ack_accepted(std::string_view session, std::string_view intent_id,
                                       std::string_view in_reply_to, const json::value &applied_value, uint64_t version) {
    json::object frame = envelope(FrameType::ack_state, session);
    frame["frame_id"] = uuid();
    frame["payload"] = {{"intent_id", intent_id}, {"in_reply_to", in_reply_to}, {"status", "accepted"},
                        {"applied_value", applied_value}, {"version", version}};
    return finish(std::move(frame));
}

std::string FrameBuilder::ack_rejected(std::string_view session, std::string_view intent_id,
                                       std::string_view in_reply_to, const StateRejection &r,
                                       std::optional<uint64_t> version) {
    json::object frame = envelope(FrameType::ack_state, session);
    frame["frame_id"] = uuid();
    json::object error{{"code", r.code}, {"message", r.message}};
    if (r.details) error["details"] = *r.details;
    json::object payload{{"intent_id", intent_id}, {"in_reply_to", in_reply_to}, {"status", "rejected"},
                         {"error", std::move(error)}};
    if (version) payload["version"] = *version;
    frame["payload"] = std::move(payload);
    return finish(std::move(frame));
}

std::string FrameBuilder::reply_command(std::string_view session, std::string_view in_reply_to, const json::value &result) {
    json::object frame = envelope(FrameType::reply_command, session);
    frame["frame_id"] = uuid();
    frame["payload"] = {{"in_reply_to", in_reply_to}, {"status", "ok"}, {"result", result}};
    return finish(std::move(frame));
}

std::string FrameBuilder::error_command(std::string_view session, std::string_view in_reply_to, std::string_view code,
                                        std::string_view message, const std::optional<json::object> &details) {
    json::object frame = envelope(FrameType::error_command, session);
    frame["frame_id"] = uuid();
    json::object payload{{"in_reply_to", in_reply_to}, {"status", "error"}, {"code", code}, {"message", message}};
    if (details) payload["details"] = *details;
    frame["payload"] = std::move(payload);
    return finish(std::move(frame));
}

}  // namespace scenehost::protocol
