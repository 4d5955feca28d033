// Appendix B.2 both ways: for every frame type a valid frame passes, each required envelope
// field removed and each forbidden one added fails naming the field.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <string>

#include "protocol/server_frames.hpp"

using namespace scenehost::protocol;
namespace json = boost::json;

namespace {

// A minimal valid frame of each type.
json::object valid(std::string_view type) {
    json::object f{{"type", type}, {"version", 1}, {"timestamp", 1759179000.123456}, {"session", "s-1"},
                   {"frame_id", "f-1"}};
    json::object p;
    if (type == "session.hello") {
        f.erase("session");
        p = {{"protocols", {1}}, {"client", {{"name", "t"}, {"version", "1"}, {"platform", "linux"}}},
             {"features", {{"notify.scene", true}}}, {"resume_tokens", json::object{}}};
    } else if (type == "session.welcome") {
        p = {{"protocol_version", 1}, {"session", {{"id", "s-1"}, {"heartbeat_s", 15.0}}},
             {"features", {{"notify.scene", {{"enabled", true}}}}}};
    } else if (type == "session.reject") {
        f.erase("session");
        p = {{"code", "c"}, {"message", "m"}};
    } else if (type == "notify.scene") {
        f["seq"] = 0;
        f["delta_token"] = "t";
        p = {{"viewer", json::object{}}, {"layers", json::array{}}};
    } else if (type == "notify.layers") {
        f["seq"] = 3;
        f["delta_token"] = "t";
        p = {{"layer_id", "layer-0"}, {"changes", {{"opacity", 0.5}}}};
    } else if (type == "notify.stream") {
        f["seq"] = 1;
        f["delta_token"] = "t";
        p = {{"codec", "h264"}, {"format", "avcc"}, {"fps", 60.0}, {"frame_size", {1280, 720}},
             {"nal_length_size", 4}, {"avcc", "AQ=="}, {"latency_policy", json::object{}}};
    } else if (type == "notify.dims") {
        p = {{"current_step", {1, 0}}, {"ndisplay", 2}, {"mode", "plane"}, {"source", "state.update"}};
    } else if (type == "notify.camera") {
        p = {{"mode", "orbit"}, {"delta", {{"d_az_deg", 5}}}, {"origin", "state.update"}};
    } else if (type == "notify.telemetry") {
        p = {{"presenter", json::object{}}, {"decode", json::object{}}, {"queue_depth", 0}};
    } else if (type == "notify.error") {
        p = {{"domain", "protocol"}, {"code", "x"}, {"message", "m"}, {"severity", "warning"}};
    } else if (type == "state.update") {
        f["intent_id"] = "i-1";
        p = {{"scope", "layer"}, {"target", "layer-0"}, {"key", "opacity"}, {"value", 0.5}};
    } else if (type == "ack.state") {
        p = {{"intent_id", "i-1"}, {"in_reply_to", "f-0"}, {"status", "accepted"}, {"applied_value", 0.5}};
    } else if (type == "call.command") {
        p = {{"command", "scene.snapshot"}, {"args", json::array{}}, {"kwargs", json::object{}}};
    } else if (type == "reply.command") {
        p = {{"in_reply_to", "f-0"}, {"status", "ok"}, {"result", nullptr}};
    } else if (type == "error.command") {
        p = {{"in_reply_to", "f-0"}, {"status", "error"}, {"code", "command.not_found"}, {"message", "m"}};
    }
    f["payload"] = std::move(p);
    return f;
}

std::optional<ProtocolError> check(const json::object &frame) { return validate_frame(json::serialize(frame)); }

const char *kTypes[] = {"session.hello", "session.welcome", "session.reject", "session.heartbeat", "session.ack",
                        "session.goodbye", "notify.scene", "notify.layers", "notify.stream", "notify.dims",
                        "notify.camera", "notify.telemetry", "notify.error", "state.update", "ack.state",
                        "call.command", "reply.command", "error.command"};

}  // namespace

TEST_CASE("a valid frame of every type passes") {
    for (const char *type : kTypes) {
        INFO(type);
        const auto problem = check(valid(type));
        CHECK_FALSE(problem.has_value());
        if (problem) FAIL(problem->message);
    }
}

TEST_CASE("required envelope fields: removing any is named") {
    struct Case {
        const char *type;
        const char *field;
    };
    const Case cases[] = {{"session.hello", "frame_id"}, {"session.welcome", "session"}, {"session.welcome", "frame_id"},
                          {"session.heartbeat", "frame_id"}, {"notify.scene", "seq"}, {"notify.scene", "delta_token"},
                          {"notify.layers", "seq"}, {"notify.layers", "session"}, {"notify.stream", "delta_token"},
                          {"state.update", "intent_id"}, {"state.update", "frame_id"}, {"ack.state", "frame_id"},
                          {"call.command", "session"}, {"reply.command", "frame_id"}, {"error.command", "frame_id"},
                          {"notify.error", "session"}};
    for (const Case &c : cases) {
        json::object f = valid(c.type);
        f.erase(c.field);
        INFO(c.type << " without " << c.field);
        const auto problem = check(f);
        REQUIRE(problem.has_value());
        CHECK(problem->code == "protocol.invalid_envelope");
        CHECK(problem->field == c.field);
        CHECK(problem->message == std::string("envelope field '") + c.field + "' is required on " + c.type);
    }
}

TEST_CASE("forbidden envelope fields: adding any is named") {
    struct Case {
        const char *type;
        const char *field;
    };
    const Case cases[] = {{"session.hello", "session"}, {"session.reject", "session"}, {"session.hello", "seq"},
                          {"session.hello", "intent_id"}, {"notify.dims", "seq"}, {"notify.camera", "delta_token"},
                          {"notify.stream", "intent_id"}, {"notify.telemetry", "intent_id"}, {"notify.error", "seq"},
                          {"ack.state", "intent_id"}, {"call.command", "intent_id"}, {"reply.command", "seq"},
                          {"error.command", "intent_id"}, {"state.update", "seq"}, {"session.heartbeat", "intent_id"}};
    for (const Case &c : cases) {
        json::object f = valid(c.type);
        f[c.field] = std::string_view(c.field) == "seq" ? json::value(1) : json::value("x");
        INFO(c.type << " with " << c.field);
        const auto problem = check(f);
        REQUIRE(problem.has_value());
        CHECK(problem->code == "protocol.invalid_envelope");
        CHECK(problem->field == c.field);
        CHECK(problem->message == std::string("envelope field '") + c.field + "' is forbidden on " + c.type);
    }
}

TEST_CASE("version, timestamp, payload, seq and the hot-path identifier rule") {
    json::object f = valid("state.update");
    f["version"] = 2;
    CHECK(check(f)->message == "envelope field 'version' must be the integer 1 on state.update");
    f = valid("state.update");
    f.erase("timestamp");
    CHECK(check(f)->field == "timestamp");
    f = valid("state.update");
    f["payload"] = json::array{};
    CHECK(check(f)->field == "payload");
    f = valid("notify.scene");
    f["seq"] = 1;
    CHECK(check(f)->message == "envelope field 'seq' must be 0 on notify.scene");
    f = valid("notify.layers");
    f["seq"] = -1;
    CHECK(check(f)->field == "seq");
    f = valid("notify.dims");
    f["frame_id"] = "123456789";  // longer than 8 and no intent
    CHECK(check(f)->field == "frame_id");
    f["intent_id"] = "i-1";
    CHECK_FALSE(check(f).has_value());
    f = valid("notify.camera");
    f.erase("frame_id");
    CHECK(check(f)->message == "notify.camera needs the triggering intent_id or a short frame_id (<= 8 chars)");
}

TEST_CASE("unknown types and non-objects") {
    json::object f = valid("state.update");
    f["type"] = "state.explode";
    CHECK(check(f)->code == "protocol.unknown_type");
    f.erase("type");
    CHECK(check(f)->code == "protocol.unknown_type");
    CHECK(validate_frame("[1,2]")->code == "protocol.invalid_json");
    CHECK(validate_frame("{oops")->code == "protocol.invalid_json");
}
