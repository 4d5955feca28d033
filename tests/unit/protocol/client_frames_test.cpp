// The client-frame parser: the spec's own examples parse to the right values, and each kind of
// mistake gets its specific code, names the field, and salvages what a reply needs.
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>

#include "protocol/client_frames.hpp"
#include "unit/protocol/sample_frames.hpp"

using namespace scenehost::protocol;
using namespace scenehost::protocol::test;

namespace {

ClientFrame parsed(std::string_view frame) {
    auto result = parse_client_frame(frame);
    if (auto *e = std::get_if<ProtocolError>(&result)) FAIL(e->code << ": " << e->message);
    return std::get<ClientFrame>(std::move(result));
}

ProtocolError error_of(std::string_view frame) {
    auto result = parse_client_frame(frame);
    REQUIRE(std::holds_alternative<ProtocolError>(result));
    return std::get<ProtocolError>(std::move(result));
}

ProtocolError error_of(const json::object &frame) { return error_of(text(frame)); }

const json::object kUpdate = json::parse(kSpecStateUpdate).as_object();
const json::object kHello = json::parse(kSpecHello).as_object();
const json::object kCall = json::parse(kSpecCallCommand).as_object();

void check_payload_error(const json::object &frame, std::string_view field, std::string_view message) {
    const ProtocolError e = error_of(frame);
    CHECK(e.code == "protocol.invalid_payload");
    CHECK(e.field == field);
    CHECK(e.message == message);
}

}  // namespace

TEST_CASE("spec §3.1 session.hello parses with its values") {
    const ClientFrame frame = parsed(kSpecHello);
    CHECK(frame.envelope.type == FrameType::session_hello);
    CHECK(frame.envelope.frame_id == "hello-6d5c...");
    CHECK_FALSE(frame.envelope.session.has_value());
    CHECK(frame.envelope.timestamp == 1759179000.123);
    const Hello &hello = std::get<Hello>(frame.payload);
    CHECK(hello.protocols == std::vector<int64_t>{1});
    CHECK(hello.client.name == "napari-cuda-desktop");
    CHECK(hello.client.version == "0.7.0");
    CHECK(hello.client.platform == "macOS-14.5-arm64");
    CHECK(hello.features.size() == 4);
    CHECK(hello.features.at("notify.scene"));
    CHECK_FALSE(hello.features.at("notify.telemetry"));
    CHECK(hello.resume_tokens.at("notify.scene") == "tok_scene_8fd2");
    CHECK(hello.resume_tokens.at("notify.layers") == "tok_layers_17aa");
    CHECK_FALSE(hello.resume_tokens.at("notify.stream").has_value());
    CHECK(hello.auth_type == "bearer");
    CHECK(hello.auth_token == "eyJhbGciOi...");
}

TEST_CASE("spec §5.1 state.update parses with its values") {
    const ClientFrame frame = parsed(kSpecStateUpdate);
    CHECK(frame.envelope.type == FrameType::state_update);
    CHECK(frame.envelope.session == "bf52c9c6-4875-4280-9f00-6022cb5106d6");
    CHECK(frame.envelope.frame_id == "state-88b4");
    CHECK(frame.envelope.intent_id == "intent-88b4");
    const StateUpdate &update = std::get<StateUpdate>(frame.payload);
    CHECK(update.scope == "view");
    CHECK(update.target == "main");
    CHECK(update.key == "ndisplay");
    CHECK(update.value == 3);
    CHECK_FALSE(update.base_version.has_value());
}

TEST_CASE("spec §6.1 call.command parses with its values") {
    const ClientFrame frame = parsed(kSpecCallCommand);
    const CallCommand &call = std::get<CallCommand>(frame.payload);
    CHECK(call.command == "napari.pixel.request_keyframe");
    CHECK(call.args.empty());
    CHECK(call.kwargs.empty());
    CHECK(call.origin == "ui.runtime");
    const ClientFrame full = parsed(text(
        with(with(kCall, "payload/args", json::array{1, "a"}), "payload/kwargs", json::object{{"path", "/data"}})));
    CHECK(std::get<CallCommand>(full.payload).args == json::array{1, "a"});
    CHECK(std::get<CallCommand>(full.payload).kwargs.at("path") == "/data");
}

TEST_CASE("session.ack and session.goodbye parse") {
    CHECK(std::holds_alternative<SessionAck>(parsed(text(sample_frame(FrameType::session_ack))).payload));
    const json::object goodbye = with(sample_frame(FrameType::session_goodbye), "payload",
                                      json::object{{"code", "goodbye"}, {"reason", "client_exit"}});
    const Goodbye g = std::get<Goodbye>(parsed(text(goodbye)).payload);
    CHECK(g.code == "goodbye");
    CHECK(g.reason == "client_exit");
    CHECK_FALSE(g.message.has_value());
    check_payload_error(with(sample_frame(FrameType::session_ack), "payload/x", 1), "payload", "payload must be {}");
}

TEST_CASE("not JSON, or not an object: protocol.invalid_json") {
    for (std::string_view bad : {"", "{", "{\"type\": \"state.update\"", "nul", "[]", "[1]", "3", "\"state.update\"",
                                 "null", "{\"a\":1,}", "{\"a\":1} x"}) {
        INFO(bad);
        const ProtocolError e = error_of(bad);
        CHECK(e.code == "protocol.invalid_json");
        CHECK_FALSE(e.type.has_value());
    }
}

TEST_CASE("missing, mistyped or unknown type: protocol.unknown_type") {
    CHECK(error_of(without(kUpdate, "type")).code == "protocol.unknown_type");
    CHECK(error_of(with(kUpdate, "type", 1)).code == "protocol.unknown_type");
    const ProtocolError e = error_of(with(kUpdate, "type", "state.patch"));
    CHECK(e.code == "protocol.unknown_type");
    CHECK(e.field == "type");
    CHECK(e.message == "unknown frame type 'state.patch'");
}

TEST_CASE("a server-only type from a client is unknown_type, saying it is server-only") {
    for (FrameType type : kAllTypes) {
        if (travels(type, Direction::client_to_server)) continue;
        INFO(type_name(type));
        const ProtocolError e = error_of(sample_frame(type));
        CHECK(e.code == "protocol.unknown_type");
        CHECK(e.field == "type");
        CHECK(e.type == type);
        CHECK(e.message == std::string(type_name(type)) + " is sent by the server only; the client may not send it");
    }
}

TEST_CASE("state.update without intent_id is an envelope error that still names the frame") {
    const ProtocolError e = error_of(without(kUpdate, "intent_id"));
    CHECK(e.code == "protocol.invalid_envelope");
    CHECK(e.field == "intent_id");
    CHECK(e.message == "envelope field 'intent_id' is required on state.update");
    CHECK(e.frame_id == "state-88b4");
    CHECK(e.type == FrameType::state_update);
}

TEST_CASE("state.update: scope, target and key must be strings") {
    for (std::string_view key : {"scope", "key"}) {
        const std::string field = "payload." + std::string(key);
        for (const json::value &bad : {json::value(3), json::value(nullptr), json::value(json::array{})}) {
            INFO(key << " = " << json::serialize(bad));
            check_payload_error(with(kUpdate, "payload/" + std::string(key), bad), field, field + " must be a string");
        }
        check_payload_error(with(kUpdate, "payload/" + std::string(key), ""), field, field + " must not be empty");
    }
    check_payload_error(with(kUpdate, "payload/target", 0), "payload.target", "payload.target must be a string");
    CHECK(std::get<StateUpdate>(parsed(text(with(kUpdate, "payload/target", ""))).payload).target.empty());
}

TEST_CASE("state.update: a missing value is an error, null is a value") {
    check_payload_error(without(kUpdate, "payload/value"), "payload.value", "payload.value is required");
    CHECK(std::get<StateUpdate>(parsed(text(with(kUpdate, "payload/value", nullptr))).payload).value.is_null());
    const json::value nested = json::parse(R"({"factor": 1.25, "anchor_px": [10, 20]})");
    CHECK(std::get<StateUpdate>(parsed(text(with(kUpdate, "payload/value", nested))).payload).value == nested);
}

TEST_CASE("state.update: base_version is a non-negative integer") {
    for (const json::value &bad : {json::value(-1), json::value(1.5), json::value(2.0), json::value("3"),
                                   json::value(true), json::value(nullptr)}) {
        INFO(json::serialize(bad));
        check_payload_error(with(kUpdate, "payload/base_version", bad), "payload.base_version",
                            "payload.base_version must be a non-negative integer");
    }
    for (uint64_t good : {uint64_t{0}, uint64_t{42}, UINT64_MAX}) {
        CHECK(std::get<StateUpdate>(parsed(text(with(kUpdate, "payload/base_version", good))).payload).base_version ==
              good);
    }
}

TEST_CASE("state.update and call.command ignore unknown payload keys") {
    CHECK(std::get<StateUpdate>(parsed(text(with(kUpdate, "payload/extras", 1))).payload).key == "ndisplay");
    CHECK(std::get<CallCommand>(parsed(text(with(kCall, "payload/extras", 1))).payload).command ==
          "napari.pixel.request_keyframe");
}

TEST_CASE("call.command: command, args and kwargs") {
    check_payload_error(with(kCall, "payload/command", ""), "payload.command", "payload.command must not be empty");
    check_payload_error(with(kCall, "payload/args", json::object{}), "payload.args", "payload.args must be an array");
    check_payload_error(with(kCall, "payload/kwargs", json::array{}), "payload.kwargs",
                        "payload.kwargs must be an object");
    check_payload_error(without(kCall, "payload/args"), "payload.args", "payload.args is required");
    check_payload_error(with(kCall, "payload/origin", 1), "payload.origin", "payload.origin must be a string");
}

TEST_CASE("session.hello: closed payload, protocols, tokens, auth") {
    check_payload_error(with(kHello, "payload/locale", "en"), "payload.locale",
                        "payload.locale is not a field of session.hello");
    check_payload_error(with(kHello, "payload/client/os", "mac"), "payload.client.os",
                        "payload.client.os is not a field of session.hello");
    check_payload_error(with(kHello, "payload/auth/scope", "x"), "payload.auth.scope",
                        "payload.auth.scope is not a field of session.hello");
    check_payload_error(with(kHello, "payload/protocols", json::array{}), "payload.protocols",
                        "payload.protocols must list at least one protocol version");
    check_payload_error(with(kHello, "payload/protocols", json::array{"1"}), "payload.protocols",
                        "payload.protocols must hold only integers");
    check_payload_error(with(kHello, "payload/resume_tokens/notify.scene", 5), "payload.resume_tokens.notify.scene",
                        "payload.resume_tokens.notify.scene must be a string or null");
    check_payload_error(without(kHello, "payload/resume_tokens"), "payload.resume_tokens",
                        "payload.resume_tokens is required");
    CHECK(std::get<Hello>(parsed(text(with(kHello, "payload/resume_tokens", json::object{}))).payload)
              .resume_tokens.empty());
    check_payload_error(with(kHello, "payload/features/notify.scene", "yes"), "payload.features.notify.scene",
                        "payload.features.notify.scene must be true or false");
    check_payload_error(with(kHello, "payload/auth/type", "basic"), "payload.auth.type",
                        "payload.auth.type must be one of \"bearer\", \"mtls\"");
    check_payload_error(with(kHello, "payload/auth", "token"), "payload.auth", "payload.auth must be an object");
    const Hello mtls =
        std::get<Hello>(parsed(text(with(kHello, "payload/auth", json::object{{"type", "mtls"}}))).payload);
    CHECK(mtls.auth_type == "mtls");
    CHECK_FALSE(mtls.auth_token.has_value());
    CHECK(error_of(with(kHello, "session", "s-1")).field == "session");  // no session before welcome
}

TEST_CASE("errors salvage frame_id, intent_id and type for the reply") {
    const ProtocolError payload = error_of(with(kUpdate, "payload/scope", 1));
    CHECK(payload.type == FrameType::state_update);
    CHECK(payload.frame_id == "state-88b4");
    CHECK(payload.intent_id == "intent-88b4");
    const ProtocolError envelope = error_of(with(kUpdate, "version", 2));
    CHECK(envelope.code == "protocol.invalid_envelope");
    CHECK(envelope.frame_id == "state-88b4");
    CHECK(envelope.intent_id == "intent-88b4");
    const ProtocolError unknown = error_of(with(kUpdate, "type", "state.upsert"));
    CHECK(unknown.frame_id == "state-88b4");
    CHECK(unknown.intent_id == "intent-88b4");
    const ProtocolError unreadable = error_of(with(with(kUpdate, "frame_id", 5), "payload/key", 1));
    CHECK(unreadable.field == "frame_id");  // the envelope is checked first
    CHECK_FALSE(unreadable.frame_id.has_value());
    CHECK(unreadable.intent_id == "intent-88b4");
    CHECK(error_of(with(kCall, "payload/args", 1)).frame_id == "cmd-02f9");
}
