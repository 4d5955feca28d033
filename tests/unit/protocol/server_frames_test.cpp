// Every builder's output passes the validator and has the spec's shape.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <set>

#include "base/clock.hpp"
#include "protocol/server_frames.hpp"

using namespace scenehost;
using namespace scenehost::protocol;
namespace json = boost::json;

namespace {

json::object checked(const std::string &text) {
    const auto problem = validate_frame(text);
    if (problem) FAIL(problem->message << " in " << text);
    return json::parse(text).as_object();
}

}  // namespace

TEST_CASE("session frames") {
    base::ManualClock clock(1'759'179'000'200'123);
    FrameBuilder b(clock);
    const std::string id = b.new_session_id();
    CHECK(id.size() == 36);
    CHECK(id[14] == '4');  // UUID v4
    Welcome w{id, 15.0, 250, {}};
    w.features["notify.scene"] = {true, 1, true, std::nullopt, ResumeState{0, "tok"}};
    w.features["call.command"] = {true, 1, std::nullopt, std::vector<std::string>{"scene.snapshot"}, std::nullopt};
    w.features["notify.telemetry"] = {false, std::nullopt, std::nullopt, std::nullopt, std::nullopt};
    const auto welcome = checked(b.welcome(w));
    CHECK(welcome.at("session") == json::value(id));
    CHECK(welcome.at("payload").at("session").at("ack_timeout_ms") == 250);
    CHECK(welcome.at("payload").at("features").at("notify.scene").at("resume_state").at("delta_token") == "tok");
    CHECK(welcome.at("payload").at("features").at("call.command").at("commands").as_array().size() == 1);
    CHECK(welcome.at("timestamp").as_double() == Approx(1759179000.200123).epsilon(1e-15));

    const auto reject = checked(b.reject({"session.unauthorized", "bearer token required", json::object{{"a", 1}}}));
    CHECK_FALSE(reject.contains("session"));
    CHECK(reject.at("payload").at("code") == "session.unauthorized");
    CHECK(checked(b.heartbeat(id)).at("payload").as_object().empty());
    CHECK(checked(b.goodbye(id, {"timeout", std::nullopt, "heartbeat_timeout"})).at("payload").at("code") == "timeout");
}

TEST_CASE("notify frames and their identifiers") {
    base::ManualClock clock;
    FrameBuilder b(clock);
    const auto scene = checked(b.scene("s", {{"viewer", json::object{}}, {"layers", json::array{}}}, "tok", std::nullopt));
    CHECK(scene.at("seq") == 0);
    const auto layers = checked(b.layers("s", {"layer-0", {{"opacity", 0.5}}, 12}, 4, "tok4", std::string("i-1")));
    CHECK(layers.at("seq") == 4);
    CHECK(layers.at("intent_id") == "i-1");
    CHECK(layers.at("payload").at("changes").at("opacity") == 0.5);
    CHECK(layers.at("payload").at("version") == 12);
    CHECK_FALSE(checked(b.layers("s", {"layer-0", {{"opacity", 0.5}}, 12}, 4, "tok4", std::nullopt)).contains("intent_id"));
    const auto stream = checked(b.stream("s", {.width = 1280, .height = 720, .avcc_base64 = "AUIAH"}, 1, "st"));
    CHECK(stream.at("payload").at("frame_size") == json::array{1280, 720});
    CHECK(stream.at("payload").at("latency_policy").at("grace_keyframe_ms") == 300.0);

    DimsState dims{{3, 0, 0}, 2, "plane", "state.update", std::vector<int64_t>{0, 1, 2}, std::nullopt, std::nullopt, 5};
    const auto with_intent = checked(b.dims("s", dims, std::string("i-9")));
    CHECK(with_intent.at("intent_id") == "i-9");
    CHECK_FALSE(with_intent.contains("frame_id"));
    const auto without = checked(b.dims("s", dims, std::nullopt));
    CHECK(without.at("frame_id").as_string().size() == 8);
    CHECK_FALSE(without.contains("intent_id"));
    const auto camera = checked(b.camera("s", {"orbit", {{"d_az_deg", 5}}, "state.update", json::object{{"zoom", 1}}, 9},
                                         std::nullopt));
    CHECK(camera.at("payload").at("state").at("zoom") == 1);
    CHECK(checked(b.error("s", {"protocol", "protocol.invalid_json", "bad", "warning", std::nullopt}))
              .at("payload").at("severity") == "warning");
}

TEST_CASE("acks and command replies match the spec's examples (§5.2, §6.2, §6.3)") {
    base::ManualClock clock;
    FrameBuilder b(clock);
    const auto ok = checked(b.ack_accepted("s", "intent-88b4", "state-88b4", 3, 17));
    CHECK(ok.at("payload").at("status") == "accepted");
    CHECK(ok.at("payload").at("applied_value") == 3);
    CHECK(ok.at("payload").at("in_reply_to") == "state-88b4");
    CHECK(ok.at("payload").at("version") == 17);
    const auto no = checked(b.ack_rejected("s", "intent-88b4", "state-88b4",
                                           {"state.forbidden", "Viewer is read-only",
                                            json::object{{"scope", "view"}, {"key", "ndisplay"}}},
                                           std::nullopt));
    CHECK(no.at("payload").at("error").at("code") == "state.forbidden");
    CHECK_FALSE(no.at("payload").as_object().contains("applied_value"));
    CHECK(checked(b.reply_command("s", "cmd-02f9", nullptr)).at("payload").at("result").is_null());
    const auto err = checked(b.error_command("s", "cmd-02f9", "command.retryable", "Keyframe already pending",
                                             json::object{{"retry_after_ms", 250}}));
    CHECK(err.at("payload").at("status") == "error");
    CHECK(err.at("payload").at("details").at("retry_after_ms") == 250);
}

TEST_CASE("frame ids are unique") {
    base::ManualClock clock;
    FrameBuilder b(clock);
    std::set<std::string> ids;
    for (int i = 0; i < 1000; ++i) {
        ids.insert(std::string(json::parse(b.heartbeat("s")).at("frame_id").as_string()));
    }
    CHECK(ids.size() == 1000);
}
