// validate_frame: the envelope (envelope.cpp), then the payload rules of each server frame type
// (here) or client frame type (client_frames.cpp).
#include "protocol/frame_validator.hpp"

#include <boost/json/parse.hpp>
#include <fmt/format.h>

#include "protocol/client_frames.hpp"
#include "protocol/envelope.hpp"
#include "protocol/payload_reader.hpp"

namespace scenehost::protocol {
namespace {

namespace json = boost::json;
constexpr Need kRequired = Need::required;
constexpr Need kOptional = Need::optional;

// An optional array whose every element passes `element` (which names the rule it checks).
template <class Check>
void each(PayloadReader &r, std::string_view key, Need need, std::string_view rule, Check element) {
    const json::array *items = r.array(key, need);
    if (items == nullptr) return;
    for (const json::value &item : *items) {
        if (!element(item)) return r.fail(key, rule);
    }
}

bool is_integer(const json::value &v) { return as_int64(v).has_value(); }
bool is_string(const json::value &v) { return v.is_string(); }

bool is_base64(std::string_view text) {
    if (text.empty() || text.size() % 4 != 0) return false;
    std::size_t padding = 0;
    for (char c : text) {
        const bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (c == '=')
            ++padding;
        else if ((!alnum && c != '+' && c != '/') || padding > 0)
            return false;
    }
    return padding <= 2;
}

void check_welcome(PayloadReader &r, const Envelope &envelope, int protocol_version) {
    r.only({"protocol_version", "session", "features"}, "session.welcome");
    if (auto v = r.integer("protocol_version", kRequired); v && *v != protocol_version) {
        r.fail("protocol_version", fmt::format("must be {}", protocol_version));
    }
    if (const json::object *session = r.object("session", kRequired)) {
        PayloadReader s = r.nested(*session, "session");
        s.only({"id", "heartbeat_s", "ack_timeout_ms"}, "session.welcome");
        if (auto id = s.nonempty("id", kRequired); id && *id != envelope.session) {
            s.fail("id", "must equal the envelope field 'session'");
        }
        if (auto beat = s.number("heartbeat_s", kRequired); beat && *beat <= 0) s.fail("heartbeat_s", "must be > 0");
        if (auto ack = s.integer("ack_timeout_ms", kOptional); ack && *ack <= 0)
            s.fail("ack_timeout_ms", "must be > 0");
    }
    const json::object *features = r.object("features", kRequired);
    if (features == nullptr) return;
    PayloadReader all = r.nested(*features, "features");
    for (const auto &entry : *features) {
        if (!entry.value().is_object()) return all.fail(entry.key(), "must be an object");
        PayloadReader f = all.nested(entry.value().get_object(), entry.key());
        f.only({"enabled", "version", "resume", "commands", "resume_state"}, "session.welcome");
        f.boolean("enabled", kRequired);
        if (auto version = f.integer("version", kOptional); version && *version < 1) f.fail("version", "must be >= 1");
        f.boolean("resume", kOptional);
        each(f, "commands", kOptional, "must hold non-empty strings",
             [](const json::value &v) { return v.is_string() && !v.get_string().empty(); });
        if (const json::object *state = f.object("resume_state", kOptional)) {
            PayloadReader rs = f.nested(*state, "resume_state");
            rs.only({"seq", "delta_token"}, "session.welcome");
            rs.count("seq", kRequired);
            rs.nonempty("delta_token", kRequired);
        }
    }
}

void check_stream(PayloadReader &r) {
    r.only({"codec", "format", "fps", "frame_size", "nal_length_size", "avcc", "latency_policy", "vt_hint", "encoder"},
           "notify.stream");
    r.nonempty("encoder", kOptional);
    r.nonempty("codec", kRequired);
    r.nonempty("format", kRequired);
    if (auto fps = r.number("fps", kRequired); fps && *fps <= 0) r.fail("fps", "must be > 0");
    if (const json::array *size = r.array("frame_size", kRequired)) {
        const bool ok =
            size->size() == 2 && as_int64((*size)[0]).value_or(0) > 0 && as_int64((*size)[1]).value_or(0) > 0;
        if (!ok) r.fail("frame_size", "must be [width, height] in pixels, both > 0");
    }
    if (auto n = r.integer("nal_length_size", kRequired); n && *n != 1 && *n != 2 && *n != 4) {
        r.fail("nal_length_size", "must be 1, 2 or 4");
    }
    if (auto avcc = r.string("avcc", kRequired); avcc && !is_base64(*avcc)) r.fail("avcc", "must be non-empty base64");
    if (const json::object *policy = r.object("latency_policy", kRequired)) {
        PayloadReader l = r.nested(*policy, "latency_policy");
        l.only({"max_buffer_ms", "grace_keyframe_ms"}, "notify.stream");
        for (std::string_view key : {"max_buffer_ms", "grace_keyframe_ms"}) {
            if (auto ms = l.number(key, kRequired); ms && *ms < 0) l.fail(key, "must be >= 0");
        }
    }
    r.object("vt_hint", kOptional);
}

void check_dims(PayloadReader &r) {
    r.only({"current_step", "ndisplay", "mode", "source", "order", "axis_labels", "displayed", "version", "actor_id"},
           "notify.dims");
    r.nonempty("actor_id", kOptional);
    each(r, "current_step", kRequired, "must hold only integers", is_integer);
    if (auto n = r.integer("ndisplay", kRequired); n && *n != 2 && *n != 3) r.fail("ndisplay", "must be 2 or 3");
    r.one_of("mode", kRequired, {"plane", "volume"});
    r.nonempty("source", kRequired);
    each(r, "order", kOptional, "must hold only integers", is_integer);
    each(r, "axis_labels", kOptional, "must hold only strings", is_string);
    each(r, "displayed", kOptional, "must hold only integers", is_integer);
    r.count("version", kOptional);
}

void check_ack(PayloadReader &r, const json::object &p) {
    r.only({"intent_id", "in_reply_to", "status", "applied_value", "error", "version"}, "ack.state");
    r.nonempty("intent_id", kRequired);
    r.nonempty("in_reply_to", kRequired);
    const auto status = r.one_of("status", kRequired, {"accepted", "rejected"});
    r.count("version", kOptional);
    if (status == "accepted" && p.contains("error")) r.fail("error", "is forbidden when status is \"accepted\"");
    if (status != "rejected") return;
    if (p.contains("applied_value")) r.fail("applied_value", "is forbidden when status is \"rejected\"");
    if (const json::object *error = r.object("error", kRequired)) {
        PayloadReader e = r.nested(*error, "error");
        e.only({"code", "message", "details"}, "ack.state");
        e.nonempty("code", kRequired);
        e.string("message", kRequired);
        e.object("details", kOptional);
    }
}

void check_server_payload(PayloadReader &r, const Envelope &envelope, const json::object &p, int protocol_version) {
    switch (envelope.type) {
        case FrameType::session_welcome: return check_welcome(r, envelope, protocol_version);
        case FrameType::session_reject:
            r.only({"code", "message", "details"}, "session.reject");
            r.nonempty("code", kRequired);
            r.string("message", kRequired);
            r.object("details", kOptional);
            return;
        case FrameType::session_heartbeat: return r.empty_object();
        case FrameType::notify_scene:
            r.only({"viewer", "layers", "policies", "metadata"}, "notify.scene");
            r.object("viewer", kRequired);
            each(r, "layers", kRequired, "must hold only objects", [](const json::value &v) { return v.is_object(); });
            r.object("policies", kOptional);
            r.object("metadata", kOptional);
            return;
        case FrameType::notify_layers:
            r.only({"layer_id", "changes", "version", "actor_id"}, "notify.layers");
            r.nonempty("actor_id", kOptional);
            r.nonempty("layer_id", kRequired);
            if (const json::object *changes = r.object("changes", kRequired); changes && changes->empty()) {
                r.fail("changes", "must hold at least one key");
            }
            r.count("version", kOptional);
            return;
        case FrameType::notify_stream: return check_stream(r);
        case FrameType::notify_state:
            r.only({"scope", "target", "changes", "version", "actor_id"}, "notify.state");
            r.nonempty("actor_id", kOptional);
            r.nonempty("scope", kRequired);
            r.nonempty("target", kRequired);
            if (const json::object *changes = r.object("changes", kRequired); changes && changes->empty()) {
                r.fail("changes", "must hold at least one key");
            }
            r.count("version", kRequired);
            return;
        case FrameType::notify_dims: return check_dims(r);
        case FrameType::notify_camera:
            r.only({"mode", "delta", "origin", "state", "version", "actor_id"}, "notify.camera");
            r.nonempty("actor_id", kOptional);
            r.nonempty("mode", kRequired);
            r.any("delta", kRequired);
            r.nonempty("origin", kRequired);
            r.object("state", kOptional);
            r.count("version", kOptional);
            return;
        case FrameType::notify_telemetry:
            r.only({"presenter", "decode", "queue_depth"}, "notify.telemetry");
            for (std::string_view key : {"presenter", "decode", "queue_depth"}) r.number(key, kRequired);
            return;
        case FrameType::notify_error:
            r.only({"domain", "code", "message", "severity", "context"}, "notify.error");
            r.nonempty("domain", kRequired);
            r.nonempty("code", kRequired);
            r.string("message", kRequired);
            r.one_of("severity", kRequired, {"info", "warning", "critical"});
            r.object("context", kOptional);
            return;
        case FrameType::ack_state: return check_ack(r, p);
        case FrameType::reply_command:
            r.only({"in_reply_to", "status", "result", "idempotency_key"}, "reply.command");
            r.nonempty("in_reply_to", kRequired);
            r.one_of("status", kRequired, {"ok"});
            r.any("result", kOptional);
            r.nonempty("idempotency_key", kOptional);
            return;
        case FrameType::error_command:
            r.only({"in_reply_to", "status", "code", "message", "details", "idempotency_key"}, "error.command");
            r.nonempty("in_reply_to", kRequired);
            r.one_of("status", kRequired, {"error"});
            r.nonempty("code", kRequired);
            r.string("message", kRequired);
            r.object("details", kOptional);
            r.nonempty("idempotency_key", kOptional);
            return;
        default: break;  // client frame types: see validate_payload
    }
}

}  // namespace

std::optional<ProtocolError> validate_payload(const Envelope &envelope, const json::object &payload,
                                              int protocol_version) {
    std::optional<FieldProblem> problem;
    if (direction(envelope.type) == Direction::server_to_client) {
        PayloadReader reader(payload, "payload", problem);
        check_server_payload(reader, envelope, payload, protocol_version);
    } else if (auto read = read_client_payload(envelope.type, payload); std::holds_alternative<FieldProblem>(read)) {
        problem = std::move(std::get<FieldProblem>(read));
    }
    if (!problem) return std::nullopt;
    return ProtocolError{std::string(kInvalidPayload),
                         std::move(problem->message),
                         std::move(problem->field),
                         envelope.type,
                         envelope.frame_id,
                         envelope.intent_id};
}

std::optional<ProtocolError> validate_frame(const json::object &frame, Direction expected) {
    auto envelope = read_envelope(frame, expected);
    if (auto *problem = std::get_if<ProtocolError>(&envelope)) return std::move(*problem);
    return validate_payload(std::get<Envelope>(envelope), frame.find("payload")->value().get_object());
}

std::optional<ProtocolError> validate_frame(std::string_view text, Direction expected) {
    json::error_code error;
    const json::value document = json::parse(text, error);
    if (error) {
        return ProtocolError{std::string(kInvalidJson), "frame is not valid JSON: " + error.message(), "", {}, {}, {}};
    }
    if (!document.is_object()) {
        return ProtocolError{std::string(kInvalidJson), "frame must be a JSON object", "", {}, {}, {}};
    }
    return validate_frame(document.get_object(), expected);
}

}  // namespace scenehost::protocol
