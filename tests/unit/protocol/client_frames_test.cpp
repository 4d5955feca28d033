// Client frames are parsed strictly: the spec's own examples parse to the right values, and
// each kind of mistake gets its specific code and names the field.
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "protocol/client_frames.hpp"

using namespace scenehost::protocol;
namespace json = boost::json;

namespace {

ClientFrame parsed(std::string_view text) {
    auto result = parse_client_frame(text);
    if (auto *e = std::get_if<ProtocolError>(&result)) FAIL(e->code << ": " << e->message);
    return std::get<ClientFrame>(std::move(result));
}

ProtocolError error_of(std::string_view text) {
    auto result = parse_client_frame(text);
    REQUIRE(std::holds_alternative<ProtocolError>(result));
    return std::get<ProtocolError>(result);
}

std::string update(const json::object &payload, bool with_intent = true) {
    json::object f{{"type", "state.update"}, {"version", 1}, {"session", "s"}, {"frame_id", "state-88b4"},
                   {"timestamp", 1759179010.314}, {"payload", payload}};
    if (with_intent) f["intent_id"] = "intent-88b4";
    return json::serialize(f);
}

std::string hello(const json::object &payload) {
    return json::serialize(json::object{{"type", "session.hello"}, {"version", 1}, {"frame_id", "hello-1"},
                                        {"timestamp", 1759179000.123}, {"payload", payload}});
}

json::object good_hello() {
    return {{"protocols", {1}},
            {"client", {{"name", "napari-cuda-desktop"}, {"version", "0.7.0"}, {"platform", "macOS-14.5-arm64"}}},
            {"features", {{"notify.scene", true}, {"notify.stream", true}, {"call.command", true}}},
            {"resume_tokens", {{"notify.scene", "tok_scene_8fd2"}, {"notify.stream", nullptr}}},
            {"auth", {{"type", "bearer"}, {"token", "eyJhbGciOi"}}}};
}

}  // namespace

TEST_CASE("the spec's session.hello (§3.1) parses") {
    const ClientFrame f = parsed(hello(good_hello()));
    CHECK(f.envelope.type == FrameType::session_hello);
    CHECK(f.envelope.frame_id == "hello-1");
    const Hello &h = std::get<Hello>(f.payload);
    CHECK(h.protocols == std::vector<int64_t>{1});
    CHECK(h.client.name == "napari-cuda-desktop");
    CHECK(h.features.at("notify.stream"));
    CHECK(h.resume_tokens.at("notify.scene") == "tok_scene_8fd2");
    CHECK_FALSE(h.resume_tokens.at("notify.stream").has_value());
    CHECK(h.auth_type == "bearer");
    CHECK(h.auth_token == "eyJhbGciOi");
}

TEST_CASE("the spec's state.update (§5.1) parses; base_version is optional") {
    const ClientFrame f = parsed(update({{"scope", "view"}, {"target", "main"}, {"key", "ndisplay"}, {"value", 3}}));
    CHECK(f.envelope.intent_id == "intent-88b4");
    const StateUpdate &u = std::get<StateUpdate>(f.payload);
    CHECK(u.scope == "view");
    CHECK(u.target == "main");
    CHECK(u.key == "ndisplay");
    CHECK(u.value == json::value(3));
    CHECK_FALSE(u.base_version.has_value());
    const auto with_base =
        parsed(update({{"scope", "layer"}, {"target", "l"}, {"key", "opacity"}, {"value", nullptr}, {"base_version", 7}}));
    CHECK(std::get<StateUpdate>(with_base.payload).base_version == 7u);
    CHECK(std::get<StateUpdate>(with_base.payload).value.is_null());  // null is a value, not a missing one
}

TEST_CASE("the spec's call.command (§6.1) parses; args and kwargs default") {
    const std::string text = json::serialize(json::object{
        {"type", "call.command"}, {"version", 1}, {"session", "s"}, {"frame_id", "cmd-02f9"}, {"timestamp", 1.5},
        {"payload", {{"command", "napari.pixel.request_keyframe"}, {"origin", "ui.runtime"}}}});
    const CallCommand c = std::get<CallCommand>(parsed(text).payload);
    CHECK(c.command == "napari.pixel.request_keyframe");
    CHECK(c.args.empty());
    CHECK(c.kwargs.empty());
    CHECK(c.origin == "ui.runtime");
}

TEST_CASE("not JSON, not an object, unknown or server-only types") {
    CHECK(error_of("{\"type\":").code == "protocol.invalid_json");
    CHECK(error_of("42").code == "protocol.invalid_json");
    CHECK(error_of(R"({"type":"state.yell","version":1,"timestamp":1,"payload":{}})").code == "protocol.unknown_type");
    const auto server_only = error_of(json::serialize(json::object{
        {"type", "ack.state"}, {"version", 1}, {"session", "s"}, {"frame_id", "f"}, {"timestamp", 1},
        {"payload", {{"intent_id", "i"}, {"in_reply_to", "f"}, {"status", "accepted"}}}}));
    CHECK(server_only.code == "protocol.unknown_type");
    CHECK(server_only.message == "ack.state is sent by the server only");
}

TEST_CASE("state.update mistakes name the field and keep the identifiers for the ack") {
    const json::object base{{"scope", "layer"}, {"target", "layer-0"}, {"key", "opacity"}, {"value", 0.5}};
    auto without = [&](const char *key) {
        json::object p = base;
        p.erase(key);
        return p;
    };
    const auto no_value = error_of(update(without("value")));
    CHECK(no_value.code == "protocol.invalid_payload");
    CHECK(no_value.field == "payload.value");
    CHECK(no_value.message == "payload.value is required");
    CHECK(no_value.frame_id == "state-88b4");
    CHECK(no_value.intent_id == "intent-88b4");
    CHECK(error_of(update(without("scope"))).field == "payload.scope");
    json::object wrong = base;
    wrong["key"] = 5;
    CHECK(error_of(update(wrong)).message == "payload.key must be a string");
    for (const json::value &bad : {json::value(-1), json::value(1.5), json::value("3")}) {
        json::object p = base;
        p["base_version"] = bad;
        CHECK(error_of(update(p)).message == "payload.base_version must be an integer >= 0");
    }
    const auto no_intent = error_of(update(base, false));
    CHECK(no_intent.code == "protocol.invalid_envelope");
    CHECK(no_intent.field == "intent_id");
    json::object extra = base;
    extra["extras"] = "ignored";  // unknown payload keys are ignored on state.update
    CHECK(std::holds_alternative<ClientFrame>(parse_client_frame(update(extra))));
}

TEST_CASE("session.hello mistakes") {
    auto broken = [](auto edit) {
        json::object p = good_hello();
        edit(p);
        return error_of(hello(p));
    };
    CHECK(broken([](json::object &p) { p["protocols"] = json::array{}; }).field == "payload.protocols");
    CHECK(broken([](json::object &p) { p["shiny"] = true; }).message == "payload.shiny is not a known field");
    CHECK(broken([](json::object &p) { p["client"].as_object()["os"] = "x"; }).field == "payload.client.os");
    CHECK(broken([](json::object &p) { p.erase("resume_tokens"); }).message == "payload.resume_tokens is required");
    CHECK(broken([](json::object &p) { p["resume_tokens"].as_object()["notify.layers"] = 5; }).field ==
          "payload.resume_tokens.notify.layers");
    CHECK(broken([](json::object &p) { p["auth"].as_object()["type"] = "kerberos"; }).field == "payload.auth.type");
    CHECK(broken([](json::object &p) { p["features"].as_object()["notify.scene"] = "yes"; }).field ==
          "payload.features.notify.scene");
}

TEST_CASE("session.ack must be empty; goodbye takes only code, message, reason") {
    auto frame = [](std::string_view type, const json::object &payload) {
        return json::serialize(json::object{{"type", type}, {"version", 1}, {"session", "s"}, {"frame_id", "f"},
                                            {"timestamp", 1.0}, {"payload", payload}});
    };
    CHECK(std::holds_alternative<SessionAck>(parsed(frame("session.ack", {})).payload));
    CHECK(error_of(frame("session.ack", {{"x", 1}})).message == "payload must be {}");
    const Goodbye g = std::get<Goodbye>(parsed(frame("session.goodbye", {{"reason", "bye"}})).payload);
    CHECK(g.reason == "bye");
    CHECK(error_of(frame("session.goodbye", {{"why", "x"}})).field == "payload.why");
}
