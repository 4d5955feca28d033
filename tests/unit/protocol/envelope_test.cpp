// Appendix B.2 in both directions: for every frame type a valid frame passes, each required
// envelope field removed and each forbidden one added fails naming the field; version, timestamp,
// payload and the identifier kinds; and the envelope writer's text.
#include <catch2/catch.hpp>
#include <string>

#include "protocol/envelope.hpp"
#include "protocol/frame_validator.hpp"
#include "unit/protocol/sample_frames.hpp"

using namespace scenehost::protocol;
using namespace scenehost::protocol::test;

namespace {

// App. B.2, transcribed from the spec (not from the code under test): R required, O optional,
// F forbidden, * = dims/camera (one of intent_id or a short frame_id).
struct Row {
    FrameType type;
    char session, frame_id, seq, intent_id;
};
// clang-format off
// type,                        session, frame_id, seq, intent_id
constexpr Row kMatrix[] = {
    {FrameType::session_hello,      'F',     'R',     'F', 'F'},
    {FrameType::session_welcome,    'R',     'R',     'F', 'F'},
    {FrameType::session_reject,     'F',     'R',     'F', 'F'},
    {FrameType::session_heartbeat,  'R',     'R',     'F', 'F'},
    {FrameType::session_ack,        'R',     'R',     'F', 'F'},
    {FrameType::session_goodbye,    'R',     'R',     'F', 'F'},
    {FrameType::notify_scene,       'R',     'O',     'R', 'O'},
    {FrameType::notify_layers,      'R',     'O',     'R', 'O'},
    {FrameType::notify_stream,      'R',     'O',     'R', 'F'},
    {FrameType::notify_dims,        'R',     '*',     'F', '*'},
    {FrameType::notify_camera,      'R',     '*',     'F', '*'},
    {FrameType::notify_telemetry,   'R',     'O',     'F', 'F'},
    {FrameType::notify_error,       'R',     'O',     'F', 'F'},
    {FrameType::notify_state,       'R',     'O',     'R', 'O'},
    {FrameType::state_update,       'R',     'R',     'F', 'R'},
    {FrameType::ack_state,          'R',     'R',     'F', 'F'},
    {FrameType::call_command,       'R',     'R',     'F', 'F'},
    {FrameType::reply_command,      'R',     'R',     'F', 'F'},
    {FrameType::error_command,      'R',     'R',     'F', 'F'},
};
// clang-format on

ProtocolError problem_of(const json::object &frame, Direction expected = Direction::both) {
    auto problem = validate_frame(text(frame), expected);
    REQUIRE(problem.has_value());
    return *problem;
}

void check_envelope_error(const json::object &frame, std::string_view field, std::string_view message) {
    const ProtocolError p = problem_of(frame);
    CHECK(p.code == "protocol.invalid_envelope");
    CHECK(p.field == field);
    CHECK(p.message == message);
}

}  // namespace

TEST_CASE("a valid frame of every type passes, in its own direction") {
    for (FrameType type : kAllTypes) {
        INFO(type_name(type));
        const json::object frame = sample_frame(type);
        const auto problem = validate_frame(text(frame));
        if (problem) FAIL(problem->code << ": " << problem->message);
        CHECK_FALSE(validate_frame(text(frame), direction(type)).has_value());
    }
}

TEST_CASE("every required envelope field, removed, is named") {
    for (const Row &row : kMatrix) {
        const std::string name(type_name(row.type));
        auto check_required = [&](char rule, std::string_view field) {
            if (rule != 'R') return;
            INFO(name << " without " << field);
            check_envelope_error(without(sample_frame(row.type), field), field,
                                 "envelope field '" + std::string(field) + "' is required on " + name);
        };
        check_required(row.session, "session");
        check_required(row.frame_id, "frame_id");
        check_required(row.seq, "seq");
        check_required(row.seq, "delta_token");
        check_required(row.intent_id, "intent_id");
    }
}

TEST_CASE("every forbidden envelope field, added, is named") {
    for (const Row &row : kMatrix) {
        const std::string name(type_name(row.type));
        auto check_forbidden = [&](char rule, std::string_view field, const json::value &value) {
            if (rule != 'F') return;
            INFO(name << " with " << field);
            check_envelope_error(with(sample_frame(row.type), field, value), field,
                                 "envelope field '" + std::string(field) + "' is forbidden on " + name);
        };
        check_forbidden(row.session, "session", "s-1");
        check_forbidden(row.seq, "seq", 0);
        check_forbidden(row.seq, "delta_token", "tok");
        check_forbidden(row.intent_id, "intent_id", "i-1");
    }
}

TEST_CASE("optional envelope fields may be present or absent") {
    for (const Row &row : kMatrix) {
        INFO(type_name(row.type));
        json::object frame = sample_frame(row.type);
        if (row.frame_id == 'O') {
            CHECK_FALSE(validate_frame(text(with(frame, "frame_id", "f-9"))).has_value());
            CHECK_FALSE(validate_frame(text(without(frame, "frame_id"))).has_value());
        }
        if (row.intent_id == 'O') {
            CHECK_FALSE(validate_frame(text(with(frame, "intent_id", "i-9"))).has_value());
            CHECK_FALSE(validate_frame(text(without(frame, "intent_id"))).has_value());
        }
    }
}

TEST_CASE("type, version, timestamp and payload on every type") {
    for (FrameType type : kAllTypes) {
        const std::string name(type_name(type));
        INFO(name);
        const json::object frame = sample_frame(type);
        CHECK(problem_of(without(frame, "type")).code == "protocol.unknown_type");
        check_envelope_error(without(frame, "version"), "version", "envelope field 'version' is required on " + name);
        check_envelope_error(with(frame, "version", 2), "version",
                             "envelope field 'version' must be the integer 1 on " + name);
        check_envelope_error(without(frame, "timestamp"), "timestamp",
                             "envelope field 'timestamp' is required on " + name);
        check_envelope_error(without(frame, "payload"), "payload", "envelope field 'payload' is required on " + name);
        check_envelope_error(with(frame, "payload", json::array{}), "payload",
                             "envelope field 'payload' must be an object on " + name);
    }
}

TEST_CASE("version and timestamp kinds") {
    const json::object frame = sample_frame(FrameType::state_update);
    for (const json::value &version : {json::value(0), json::value("1"), json::value(1.0), json::value(nullptr)}) {
        INFO(json::serialize(version));
        CHECK(problem_of(with(frame, "version", version)).field == "version");
    }
    check_envelope_error(with(frame, "timestamp", "2025-09-29T20:50:10Z"), "timestamp",
                         "envelope field 'timestamp' must be a number (Unix seconds) on state.update");
    CHECK(problem_of(with(frame, "timestamp", -1.0)).field == "timestamp");
    CHECK_FALSE(validate_frame(text(with(frame, "timestamp", 1759179010))).has_value());  // an integer is a number
}

TEST_CASE("identifiers must be non-empty strings, seq a non-negative integer") {
    const json::object update = sample_frame(FrameType::state_update);
    for (std::string_view field : {"session", "frame_id", "intent_id"}) {
        const std::string prefix = "envelope field '" + std::string(field) + "' must ";
        for (const json::value &bad : {json::value(7), json::value(nullptr)}) {
            INFO(field << " = " << json::serialize(bad));
            check_envelope_error(with(update, field, bad), field, prefix + "be a string");
        }
        check_envelope_error(with(update, field, ""), field, prefix + "not be empty");
    }
    const json::object layers = sample_frame(FrameType::notify_layers);
    check_envelope_error(with(layers, "delta_token", 5), "delta_token",
                         "envelope field 'delta_token' must be a string");
    for (const json::value &bad : {json::value(-1), json::value(1.5), json::value("3")}) {
        INFO(json::serialize(bad));
        check_envelope_error(with(layers, "seq", bad), "seq",
                             "envelope field 'seq' must be a non-negative integer on notify.layers");
    }
    CHECK_FALSE(validate_frame(text(with(layers, "seq", json::value(UINT64_MAX)))).has_value());
}

TEST_CASE("notify.scene is a snapshot: seq is 0") {
    const json::object scene = sample_frame(FrameType::notify_scene);
    check_envelope_error(with(scene, "seq", 1), "seq",
                         "envelope field 'seq' must be 0 on notify.scene (a snapshot starts an epoch)");
}

TEST_CASE("notify.dims and notify.camera carry exactly one identifier") {
    for (FrameType type : {FrameType::notify_dims, FrameType::notify_camera}) {
        const std::string name(type_name(type));
        INFO(name);
        const json::object bare = without(without(sample_frame(type), "frame_id"), "intent_id");
        CHECK_FALSE(validate_frame(text(with(bare, "intent_id", "intent-0123456789"))).has_value());
        CHECK_FALSE(validate_frame(text(with(bare, "frame_id", "abcdef01"))).has_value());
        check_envelope_error(bare, "frame_id", name + " needs the triggering intent_id or a short frame_id");
        check_envelope_error(with(bare, "frame_id", "abcdef012"), "frame_id",
                             "envelope field 'frame_id' must be at most 8 characters on " + name);
        check_envelope_error(
            with(with(bare, "frame_id", "abcdef01"), "intent_id", "i-1"), "frame_id",
            "envelope field 'frame_id' is forbidden on " + name + " that carries intent_id (exactly one identifier)");
    }
}

TEST_CASE("unknown top-level keys are ignored") {
    for (FrameType type : kAllTypes) {
        INFO(type_name(type));
        CHECK_FALSE(validate_frame(text(with(sample_frame(type), "x_trace", json::object{{"a", 1}}))).has_value());
    }
}

TEST_CASE("a type sent the wrong way is unknown to the receiver") {
    const ProtocolError ack = problem_of(sample_frame(FrameType::ack_state), Direction::client_to_server);
    CHECK(ack.code == "protocol.unknown_type");
    CHECK(ack.field == "type");
    CHECK(ack.type == FrameType::ack_state);
    CHECK(ack.message == "ack.state is sent by the server only; the client may not send it");
    const ProtocolError hello = problem_of(sample_frame(FrameType::session_hello), Direction::server_to_client);
    CHECK(hello.message == "session.hello is sent by the client only; the server may not send it");
    CHECK_FALSE(
        validate_frame(text(sample_frame(FrameType::session_goodbye)), Direction::client_to_server).has_value());
    CHECK_FALSE(
        validate_frame(text(sample_frame(FrameType::session_goodbye)), Direction::server_to_client).has_value());
}

TEST_CASE("unknown and missing types") {
    const json::object frame = sample_frame(FrameType::state_update);
    const ProtocolError unknown = problem_of(with(frame, "type", "state.upsert"));
    CHECK(unknown.code == "protocol.unknown_type");
    CHECK(unknown.message == "unknown frame type 'state.upsert'");
    CHECK(unknown.frame_id == "state-88b4");
    CHECK(unknown.intent_id == "intent-88b4");
    CHECK_FALSE(unknown.type.has_value());
    CHECK(problem_of(with(frame, "type", json::string(200, 'x'))).message ==
          "unknown frame type '" + std::string(64, 'x') + "...'");
    CHECK(problem_of(with(frame, "type", 3)).message == "envelope field 'type' must be a string");
    CHECK(problem_of(without(frame, "type")).message == "envelope field 'type' is required");
}

TEST_CASE("envelope errors salvage type, frame_id and intent_id") {
    const ProtocolError p = problem_of(with(sample_frame(FrameType::state_update), "version", 2));
    CHECK(p.type == FrameType::state_update);
    CHECK(p.frame_id == "state-88b4");
    CHECK(p.intent_id == "intent-88b4");
}

TEST_CASE("write_frame: the text reads back as the same envelope") {
    Envelope e;
    e.type = FrameType::notify_layers;
    e.session = "bf52c9c6";
    e.frame_id = "f-\"quoted\"\n";
    e.timestamp = 1759179000.000001;
    e.seq = 7;
    e.delta_token = "tok/é";
    e.intent_id = "intent-1";
    const json::object payload{{"layer_id", "layer-0"}, {"changes", {{"opacity", 0.5}}}};
    const std::string frame = write_frame(e, payload);
    CHECK(frame.find("\"timestamp\":1759179000.000001,") != std::string::npos);
    CHECK(frame.find("\"version\":1,") != std::string::npos);
    const json::object parsed = json::parse(frame).as_object();
    auto read = read_envelope(parsed, Direction::server_to_client);
    REQUIRE(std::holds_alternative<Envelope>(read));
    const Envelope &back = std::get<Envelope>(read);
    CHECK(back.type == e.type);
    CHECK(back.session == e.session);
    CHECK(back.frame_id == e.frame_id);
    CHECK(back.timestamp == e.timestamp);
    CHECK(back.seq == e.seq);
    CHECK(back.delta_token == e.delta_token);
    CHECK(back.intent_id == e.intent_id);
    CHECK(parsed.at("payload") == payload);
    CHECK_FALSE(validate_frame(frame, Direction::server_to_client).has_value());
}

TEST_CASE("check_envelope applies the matrix to a typed envelope") {
    Envelope e;
    e.type = FrameType::session_heartbeat;
    e.session = "s";
    e.timestamp = 1.0;
    REQUIRE(check_envelope(e).has_value());
    CHECK(check_envelope(e)->message == "envelope field 'frame_id' is required on session.heartbeat");
    e.frame_id = "f";
    CHECK_FALSE(check_envelope(e).has_value());
    e.intent_id = "i";
    CHECK(check_envelope(e)->message == "envelope field 'intent_id' is forbidden on session.heartbeat");
}
