// Appendix B.2 as a table, and the envelope reader that enforces it.
#include "protocol/envelope.hpp"

#include <array>
#include <fmt/format.h>

#include "base/assert.hpp"

namespace scenehost::protocol {
namespace {

enum class Presence { required, optional, forbidden };
using enum Presence;

struct Rules {
    FrameType type;
    std::string_view name;
    Direction direction;
    Presence session, frame_id, seq, intent_id;
};

// clang-format off
constexpr std::array<Rules, kFrameTypeCount> kRules = {{
    {FrameType::session_hello,     "session.hello",     Direction::client_to_server, forbidden, required, forbidden, forbidden},
    {FrameType::session_welcome,   "session.welcome",   Direction::server_to_client, required,  required, forbidden, forbidden},
    {FrameType::session_reject,    "session.reject",    Direction::server_to_client, forbidden, required, forbidden, forbidden},
    {FrameType::session_heartbeat, "session.heartbeat", Direction::server_to_client, required,  required, forbidden, forbidden},
    {FrameType::session_ack,       "session.ack",       Direction::client_to_server, required,  required, forbidden, forbidden},
    {FrameType::session_goodbye,   "session.goodbye",   Direction::both,             required,  required, forbidden, forbidden},
    {FrameType::notify_scene,      "notify.scene",      Direction::server_to_client, required,  optional, required,  optional},
    {FrameType::notify_layers,     "notify.layers",     Direction::server_to_client, required,  optional, required,  optional},
    {FrameType::notify_stream,     "notify.stream",     Direction::server_to_client, required,  optional, required,  forbidden},
    {FrameType::notify_dims,       "notify.dims",       Direction::server_to_client, required,  optional, forbidden, optional},
    {FrameType::notify_camera,     "notify.camera",     Direction::server_to_client, required,  optional, forbidden, optional},
    {FrameType::notify_telemetry,  "notify.telemetry",  Direction::server_to_client, required,  optional, forbidden, forbidden},
    {FrameType::notify_error,      "notify.error",      Direction::server_to_client, required,  optional, forbidden, forbidden},
    {FrameType::state_update,      "state.update",      Direction::client_to_server, required,  required, forbidden, required},
    {FrameType::ack_state,         "ack.state",         Direction::server_to_client, required,  required, forbidden, forbidden},
    {FrameType::call_command,      "call.command",      Direction::client_to_server, required,  required, forbidden, forbidden},
    {FrameType::reply_command,     "reply.command",     Direction::server_to_client, required,  required, forbidden, forbidden},
    {FrameType::error_command,     "error.command",     Direction::server_to_client, required,  required, forbidden, forbidden},
}};
// clang-format on

const Rules &rules(FrameType type) {
    const Rules &r = kRules[static_cast<size_t>(type)];
    SCENEHOST_ASSERT(r.type == type, "kRules is in FrameType order");
    return r;
}

// A non-empty string field, absent, or the error naming it.
std::optional<std::string> string_field(const boost::json::object &o, std::string_view key, bool &bad) {
    const boost::json::value *v = o.if_contains(key);
    if (v == nullptr) return std::nullopt;
    if (!v->is_string() || v->get_string().empty()) {
        bad = true;
        return std::nullopt;
    }
    return std::string(v->get_string());
}

}  // namespace

std::string_view type_name(FrameType type) { return rules(type).name; }

Direction direction(FrameType type) { return rules(type).direction; }

std::optional<FrameType> frame_type_from_name(std::string_view name) {
    for (const Rules &r : kRules) {
        if (r.name == name) return r.type;
    }
    return std::nullopt;
}

std::variant<Envelope, ProtocolError> read_envelope(const boost::json::object &frame) {
    ProtocolError error{std::string(kInvalidEnvelope), {}, {}, {}, {}, {}};
    const boost::json::value *type_value = frame.if_contains("type");
    if (type_value == nullptr || !type_value->is_string()) {
        return ProtocolError{std::string(kUnknownType), "envelope field 'type' must be a string", "type", {}, {}, {}};
    }
    const auto type = frame_type_from_name(type_value->get_string());
    if (!type) {
        return ProtocolError{std::string(kUnknownType),
                             fmt::format("unknown frame type '{}'", std::string_view(type_value->get_string())),
                             "type", {}, {}, {}};
    }
    const Rules &r = rules(*type);
    Envelope envelope;
    envelope.type = *type;
    error.type = *type;

    // Salvage the identifiers first, so that even a broken frame can be answered.
    bool bad_frame_id = false, bad_intent_id = false, bad_session = false, bad_token = false;
    envelope.frame_id = string_field(frame, "frame_id", bad_frame_id);
    envelope.intent_id = string_field(frame, "intent_id", bad_intent_id);
    envelope.session = string_field(frame, "session", bad_session);
    envelope.delta_token = string_field(frame, "delta_token", bad_token);
    error.frame_id = envelope.frame_id;
    error.intent_id = envelope.intent_id;
    auto fail = [&](std::string field, std::string message) {
        error.field = std::move(field);
        error.message = std::move(message);
        return error;
    };

    const boost::json::value *version = frame.if_contains("version");
    if (version == nullptr || !version->is_int64() || version->get_int64() != kProtocolVersion) {
        return fail("version", fmt::format("envelope field 'version' must be the integer {} on {}", kProtocolVersion,
                                           r.name));
    }
    const boost::json::value *timestamp = frame.if_contains("timestamp");
    if (timestamp == nullptr || !timestamp->is_number()) {
        return fail("timestamp", fmt::format("envelope field 'timestamp' must be a number (Unix seconds) on {}", r.name));
    }
    envelope.timestamp = timestamp->to_number<double>();
    const boost::json::value *payload = frame.if_contains("payload");
    if (payload == nullptr || !payload->is_object()) {
        return fail("payload", fmt::format("envelope field 'payload' must be an object on {}", r.name));
    }

    struct Check {
        std::string_view field;
        Presence presence;
        bool present;
        bool malformed;
    };
    const bool has_seq = frame.contains("seq");
    const Check checks[] = {
        {"session", r.session, frame.contains("session"), bad_session},
        {"frame_id", r.frame_id, frame.contains("frame_id"), bad_frame_id},
        {"seq", r.seq, has_seq, false},
        {"delta_token", r.seq, frame.contains("delta_token"), bad_token},
        {"intent_id", r.intent_id, frame.contains("intent_id"), bad_intent_id},
    };
    for (const Check &c : checks) {
        if (c.presence == required && !c.present) {
            return fail(std::string(c.field), fmt::format("envelope field '{}' is required on {}", c.field, r.name));
        }
        if (c.presence == forbidden && c.present) {
            return fail(std::string(c.field), fmt::format("envelope field '{}' is forbidden on {}", c.field, r.name));
        }
        if (c.malformed) {
            return fail(std::string(c.field), fmt::format("envelope field '{}' must be a non-empty string", c.field));
        }
    }
    if (has_seq) {
        const boost::json::value &seq = frame.at("seq");
        if (!(seq.is_int64() && seq.get_int64() >= 0) && !seq.is_uint64()) {
            return fail("seq", "envelope field 'seq' must be an integer >= 0");
        }
        envelope.seq = seq.to_number<uint64_t>();
        if (*type == FrameType::notify_scene && *envelope.seq != 0) {
            return fail("seq", "envelope field 'seq' must be 0 on notify.scene");
        }
    }
    if ((*type == FrameType::notify_dims || *type == FrameType::notify_camera) && !envelope.intent_id) {
        if (!envelope.frame_id || envelope.frame_id->size() > 8) {
            return fail("frame_id", fmt::format("{} needs the triggering intent_id or a short frame_id (<= 8 chars)",
                                                r.name));
        }
    }
    return envelope;
}

}  // namespace scenehost::protocol
