// Payload shapes of all 19 types: each required payload field removed is named, unknown keys are
// rejected where the protocol is closed, and each value rule gets its own message.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "protocol/frame_validator.hpp"
#include "unit/protocol/sample_frames.hpp"

using namespace scenehost::protocol;
using namespace scenehost::protocol::test;

namespace {

ProtocolError payload_problem(const json::object &frame) {
    auto problem = validate_frame(text(frame));
    REQUIRE(problem.has_value());
    CHECK(problem->code == "protocol.invalid_payload");
    return *problem;
}

json::object rejected_ack() { return json::parse(kSpecAckRejected).as_object(); }

}  // namespace

TEST_CASE("every required payload field, removed, is named") {
    struct Case {
        FrameType type;
        std::vector<std::string_view> paths;
    };
    const Case cases[] = {
        {FrameType::session_hello,
         {"protocols", "client", "features", "resume_tokens", "client/name", "client/version", "client/platform",
          "auth/type"}},
        {FrameType::session_welcome,
         {"protocol_version", "session", "features", "session/id", "session/heartbeat_s",
          "features/notify.scene/enabled", "features/notify.stream/resume_state/seq",
          "features/notify.stream/resume_state/delta_token"}},
        {FrameType::session_reject, {"code", "message"}},
        {FrameType::notify_scene, {"viewer", "layers"}},
        {FrameType::notify_layers, {"layer_id", "changes"}},
        {FrameType::notify_stream,
         {"codec", "format", "fps", "frame_size", "nal_length_size", "avcc", "latency_policy",
          "latency_policy/max_buffer_ms", "latency_policy/grace_keyframe_ms"}},
        {FrameType::notify_dims, {"current_step", "ndisplay", "mode", "source"}},
        {FrameType::notify_camera, {"mode", "delta", "origin"}},
        {FrameType::notify_telemetry, {"presenter", "decode", "queue_depth"}},
        {FrameType::notify_error, {"domain", "code", "message", "severity"}},
        {FrameType::notify_state, {"scope", "target", "changes", "version"}},
        {FrameType::state_update, {"scope", "target", "key", "value"}},
        {FrameType::ack_state, {"intent_id", "in_reply_to", "status"}},
        {FrameType::call_command, {"command", "args", "kwargs"}},
        {FrameType::reply_command, {"in_reply_to", "status"}},
        {FrameType::error_command, {"in_reply_to", "status", "code", "message"}},
    };
    for (const Case &c : cases) {
        for (std::string_view path : c.paths) {
            const std::string full = "payload/" + std::string(path);
            INFO(type_name(c.type) << " without " << full);
            const ProtocolError p = payload_problem(without(sample_frame(c.type), full));
            CHECK(p.field == field_of(full));
            CHECK(p.message == field_of(full) + " is required");
            CHECK(p.type == c.type);
        }
    }
    for (std::string_view path : {"error", "error/code", "error/message"}) {
        const std::string full = "payload/" + std::string(path);
        INFO("rejected ack.state without " << full);
        CHECK(payload_problem(without(rejected_ack(), full)).message == field_of(full) + " is required");
    }
}

TEST_CASE("optional payload fields may be absent") {
    CHECK_FALSE(validate_frame(text(without(sample_frame(FrameType::session_hello), "payload/auth"))).has_value());
    CHECK_FALSE(
        validate_frame(text(without(sample_frame(FrameType::session_welcome), "payload/session/ack_timeout_ms")))
            .has_value());
    CHECK_FALSE(validate_frame(text(without(sample_frame(FrameType::ack_state), "payload/applied_value"))).has_value());
    CHECK_FALSE(validate_frame(text(without(sample_frame(FrameType::reply_command), "payload/result"))).has_value());
    CHECK_FALSE(validate_frame(text(without(sample_frame(FrameType::call_command), "payload/origin"))).has_value());
    CHECK_FALSE(validate_frame(text(without(sample_frame(FrameType::error_command), "payload/details"))).has_value());
}

TEST_CASE("unknown payload keys: rejected where the payload is closed, ignored in state.update and call.command") {
    const FrameType closed[] = {
        FrameType::session_hello, FrameType::session_welcome, FrameType::session_reject, FrameType::session_heartbeat,
        FrameType::session_ack,   FrameType::session_goodbye, FrameType::notify_scene,   FrameType::notify_layers,
        FrameType::notify_stream, FrameType::notify_dims,     FrameType::notify_camera,  FrameType::notify_telemetry,
        FrameType::notify_error,  FrameType::notify_state,    FrameType::ack_state,      FrameType::reply_command,
        FrameType::error_command};
    for (FrameType type : closed) {
        INFO(type_name(type));
        const ProtocolError p = payload_problem(with(sample_frame(type), "payload/extra", 1));
        const bool empty = type == FrameType::session_heartbeat || type == FrameType::session_ack;
        CHECK(p.field == (empty ? "payload" : "payload.extra"));
        CHECK(p.message ==
              (empty ? "payload must be {}" : "payload.extra is not a field of " + std::string(type_name(type))));
    }
    CHECK(payload_problem(with(sample_frame(FrameType::session_hello), "payload/client/os", "linux")).field ==
          "payload.client.os");
    CHECK(payload_problem(with(sample_frame(FrameType::session_hello), "payload/auth/scheme", "x")).field ==
          "payload.auth.scheme");
    CHECK(payload_problem(with(sample_frame(FrameType::session_welcome), "payload/features/notify.scene/x", 1)).field ==
          "payload.features.notify.scene.x");
    for (FrameType open : {FrameType::state_update, FrameType::call_command}) {
        CHECK_FALSE(validate_frame(text(with(sample_frame(open), "payload/extra", 1))).has_value());
    }
}

TEST_CASE("value rules of server payloads") {
    struct Case {
        FrameType type;
        std::string_view path;
        json::value value;
        std::string_view message;
    };
    const Case cases[] = {
        {FrameType::session_welcome, "protocol_version", 2, "payload.protocol_version must be 1"},
        {FrameType::session_welcome, "session/id", "other",
         "payload.session.id must equal the envelope field 'session'"},
        {FrameType::session_welcome, "session/heartbeat_s", 0, "payload.session.heartbeat_s must be > 0"},
        {FrameType::session_welcome, "session/ack_timeout_ms", 2.5,
         "payload.session.ack_timeout_ms must be an integer"},
        {FrameType::session_welcome, "features/notify.scene", true, "payload.features.notify.scene must be an object"},
        {FrameType::session_welcome, "features/call.command/commands", json::array{1},
         "payload.features.call.command.commands must hold non-empty strings"},
        {FrameType::session_reject, "details", "x", "payload.details must be an object"},
        {FrameType::notify_scene, "layers", json::array{1}, "payload.layers must hold only objects"},
        {FrameType::notify_scene, "viewer", json::array{}, "payload.viewer must be an object"},
        {FrameType::notify_layers, "changes", json::object{}, "payload.changes must hold at least one key"},
        {FrameType::notify_layers, "layer_id", "", "payload.layer_id must not be empty"},
        {FrameType::notify_layers, "version", -1, "payload.version must be a non-negative integer"},
        {FrameType::notify_state, "changes", json::object{}, "payload.changes must hold at least one key"},
        {FrameType::notify_state, "target", "", "payload.target must not be empty"},
        {FrameType::notify_state, "scope", 3, "payload.scope must be a string"},
        {FrameType::notify_stream, "frame_size", json::array{1280},
         "payload.frame_size must be [width, height] in pixels, both > 0"},
        {FrameType::notify_stream, "nal_length_size", 3, "payload.nal_length_size must be 1, 2 or 4"},
        {FrameType::notify_stream, "avcc", "not base64!", "payload.avcc must be non-empty base64"},
        {FrameType::notify_stream, "fps", 0, "payload.fps must be > 0"},
        {FrameType::notify_stream, "vt_hint", "x", "payload.vt_hint must be an object"},
        {FrameType::notify_dims, "ndisplay", 4, "payload.ndisplay must be 2 or 3"},
        {FrameType::notify_dims, "mode", "flat", "payload.mode must be one of \"plane\", \"volume\""},
        {FrameType::notify_dims, "current_step", json::array{1.5}, "payload.current_step must hold only integers"},
        {FrameType::notify_dims, "axis_labels", json::array{1}, "payload.axis_labels must hold only strings"},
        {FrameType::notify_camera, "state", 1, "payload.state must be an object"},
        {FrameType::notify_telemetry, "queue_depth", "3", "payload.queue_depth must be a number"},
        {FrameType::notify_error, "severity", "fatal",
         "payload.severity must be one of \"info\", \"warning\", \"critical\""},
        {FrameType::notify_error, "context", json::array{}, "payload.context must be an object"},
        {FrameType::ack_state, "status", "maybe", "payload.status must be one of \"accepted\", \"rejected\""},
        {FrameType::ack_state, "error", json::object{{"code", "x"}, {"message", "y"}},
         "payload.error is forbidden when status is \"accepted\""},
        {FrameType::ack_state, "version", "3", "payload.version must be a non-negative integer"},
        {FrameType::reply_command, "status", "error", "payload.status must be one of \"ok\""},
        {FrameType::reply_command, "idempotency_key", 5, "payload.idempotency_key must be a string"},
        {FrameType::error_command, "status", "ok", "payload.status must be one of \"error\""},
        {FrameType::error_command, "details", "x", "payload.details must be an object"},
    };
    for (const Case &c : cases) {
        INFO(type_name(c.type) << " " << c.path << " = " << json::serialize(c.value));
        CHECK(payload_problem(with(sample_frame(c.type), "payload/" + std::string(c.path), c.value)).message ==
              c.message);
    }
    CHECK(payload_problem(with(rejected_ack(), "payload/applied_value", 3)).message ==
          "payload.applied_value is forbidden when status is \"rejected\"");
    CHECK(payload_problem(with(sample_frame(FrameType::session_heartbeat), "payload/x", 1)).message ==
          "payload must be {}");
}

TEST_CASE("payload errors salvage type and identifiers") {
    const ProtocolError p = payload_problem(without(sample_frame(FrameType::state_update), "payload/value"));
    CHECK(p.type == FrameType::state_update);
    CHECK(p.frame_id == "state-88b4");
    CHECK(p.intent_id == "intent-88b4");
}

TEST_CASE("validate_frame on text that is not a JSON object") {
    for (std::string_view bad : {"", "{", "[1,2]", "42", "\"frame\"", "{\"type\":\"session.ack\",}"}) {
        INFO(bad);
        const auto problem = validate_frame(bad);
        REQUIRE(problem.has_value());
        CHECK(problem->code == "protocol.invalid_json");
        CHECK(problem->field.empty());
    }
}
