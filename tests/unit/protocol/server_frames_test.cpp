// The builders: every frame they emit validates; the spec's example shapes come out field for
// field; identifiers, timestamps and frame ids follow the spec; invalid input aborts the host.
#include <fmt/format.h>
#include <catch2/catch.hpp>
#include <cmath>
#include <csignal>
#include <set>
#include <string>

#include "base/clock.hpp"
#include "protocol/server_frames.hpp"
#include "support/child_process.hpp"
#include "unit/protocol/sample_frames.hpp"

using namespace scenehost;
using namespace scenehost::protocol;
using namespace scenehost::protocol::test;

namespace {

constexpr std::string_view kSession = "bf52c9c6-4875-4280-9f00-6022cb5106d6";

// The frame, after checking it passes the validator as a server frame.
json::object checked(const std::string &frame) {
    const auto problem = validate_frame(frame, Direction::server_to_client);
    if (problem) FAIL(problem->code << ": " << problem->message << " in " << frame);
    return json::parse(frame).as_object();
}

json::object payload_of(std::string_view spec_example) {
    return json::parse(spec_example).as_object().at("payload").as_object();
}

bool is_uuid_v4(std::string_view id) {
    if (id.size() != 36) return false;
    for (std::size_t i = 0; i < id.size(); ++i) {
        const char c = id[i];
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash != (c == '-')) return false;
        if (!dash && !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return id[14] == '4' && std::string_view("89ab").find(id[19]) != std::string_view::npos;
}

struct Fixture {
    base::ManualClock clock{1'759'179'010'330'000};
    FrameBuilder builder{clock};
};

}  // namespace

TEST_CASE("every builder's output validates") {
    Fixture f;
    FrameBuilder &b = f.builder;
    const std::string s(kSession);
    const json::object snapshot{{"viewer", {{"dims", {{"ndim", 3}}}}},
                                {"layers", json::array{{{"layer_id", "layer-0"}}}},
                                {"policies", json::object{}},
                                {"metadata", {{"status", "ready"}}}};
    const StreamConfig stream{.width = 1280, .height = 720, .avcc_base64 = "AWQAH///4QAA", .vt_hint = json::object{}};
    const std::string frames[] = {
        b.welcome({s, 15.0, 250, {{"notify.scene", {true, 1, true, std::nullopt, ResumeState{0, "tok"}}}}}),
        b.reject({"session.unsupported_protocol", "this host speaks protocol 1", json::object{{"supported", {1}}}}),
        b.reject({"session.unauthorized", "bearer token required", std::nullopt}),
        b.heartbeat(s),
        b.goodbye(s, {"timeout", std::nullopt, "heartbeat_timeout"}),
        b.goodbye(s, {}),
        b.scene(s, snapshot, "tok-0", std::nullopt),
        b.scene(s, {{"viewer", json::object{}}, {"layers", json::array{}}}, "tok-0", std::string("intent-1")),
        b.layers(s, {"layer-0", {{"opacity", 0.5}, {"volume.mode", "mip"}}, 12}, 4, "tok-4", std::string("intent-1")),
        b.layers(s, {"layer-0", {{"visible", false}}, 13}, 5, "tok-5", std::nullopt),
        b.layers_from_payload(s, layers_payload({"layer-1", {{"gamma", 2.0}}, 3}), 6, "tok-6",
                              std::nullopt),
        b.stream(s, stream, 1, "tok-s"),
        b.stream(s, stream_payload(stream), 2, "tok-s2"),
        b.dims(s,
               {{31, 0, 0},
                2,
                "plane",
                "state.update",
                std::vector<int64_t>{0, 1, 2},
                std::vector<std::string>{"z", "y", "x"},
                std::vector<int64_t>{1, 2},
                7},
               std::string("intent-2")),
        b.dims(s, {{0}, 3, "volume", "baseline", std::nullopt, std::nullopt, std::nullopt, 1}, std::nullopt),
        b.camera(s, {"orbit", {{"d_az_deg", 5.0}, {"d_el_deg", 0.0}}, "state.update", json::object{{"zoom", 1.0}}, 9},
                 std::string("intent-3"))
            .front(),
        b.camera(s, {"reset", nullptr, "state.update", std::nullopt, 10}, std::nullopt).front(),
        b.telemetry(s, {16.6, 4.2, 1}),
        b.error(s, {"protocol", "protocol.invalid_json", "frame is not valid JSON", "warning",
                    json::object{{"field", ""}}}),
        b.error(s, {"engine", "render.lost", "GPU reset", "critical", std::nullopt}),
        b.ack_accepted(s, "intent-88b4", "state-88b4", 3, 17),
        b.ack_rejected(s, "intent-88b4", "state-88b4", {"state.conflict", "stale", json::object{{"version", 4}}}, 4),
        b.ack_rejected(s, "intent-88b4", "state-88b4", {"state.forbidden", "read-only", std::nullopt}, std::nullopt),
        b.reply_command(s, "cmd-02f9", nullptr),
        b.reply_command(s, "cmd-02f9", json::object{{"entries", json::array{}}}),
        b.error_command(s, "cmd-02f9", "command.retryable", "Keyframe already pending",
                        json::object{{"retry_after_ms", 250}}),
        b.error_command(s, "cmd-02f9", "command.not_found", "no command 'x'", std::nullopt),
    };
    std::set<std::string> types;
    for (const std::string &frame : frames) {
        INFO(frame);
        types.insert(std::string(checked(frame).at("type").as_string()));
    }
    CHECK(types.size() == 14);  // every server-sent type
}

TEST_CASE("spec §3.2 welcome shape round-trips") {
    Fixture f;
    const json::object spec = payload_of(kSpecWelcome);
    Welcome welcome{std::string(kSession), 15.0, 250, {}};
    for (const auto &entry : spec.at("features").as_object()) {
        const json::object &o = entry.value().as_object();
        FeatureState state{o.at("enabled").as_bool(), std::nullopt, std::nullopt, std::nullopt, std::nullopt};
        if (o.contains("version")) state.version = static_cast<int>(o.at("version").as_int64());
        if (o.contains("resume")) state.resume = o.at("resume").as_bool();
        if (o.contains("commands")) state.commands = std::vector<std::string>{"napari.pixel.request_keyframe"};
        if (o.contains("resume_state")) state.resume_state = ResumeState{0, "stream_tok_1a2b"};
        welcome.features.emplace(entry.key(), state);
    }
    const json::object frame = checked(f.builder.welcome(welcome));
    CHECK(frame.at("payload") == spec);
    CHECK(frame.at("session").as_string() == kSession);
    CHECK(frame.at("version") == 1);
    CHECK(is_uuid_v4(frame.at("frame_id").as_string()));
}

TEST_CASE("spec §5.2 acks round-trip, plus the store version") {
    Fixture f;
    json::object accepted =
        checked(f.builder.ack_accepted(kSession, "intent-88b4", "state-88b4", 3, 17)).at("payload").as_object();
    CHECK(accepted.at("version") == 17);
    accepted.erase("version");
    CHECK(accepted == payload_of(kSpecAckAccepted));

    const json::object rejected = checked(f.builder.ack_rejected(kSession, "intent-88b4", "state-88b4",
                                                                 {"state.forbidden", "Viewer is read-only",
                                                                  json::object{{"scope", "view"}, {"key", "ndisplay"}}},
                                                                 std::nullopt))
                                      .at("payload")
                                      .as_object();
    CHECK(rejected == payload_of(kSpecAckRejected));
    const json::object with_version =
        checked(f.builder.ack_rejected(kSession, "i", "f", {"state.conflict", "stale", std::nullopt}, 4))
            .at("payload")
            .as_object();
    CHECK(with_version.at("version") == 4);
    CHECK_FALSE(with_version.at("error").as_object().contains("details"));
}

TEST_CASE("spec §6.2 / §6.3 command replies round-trip") {
    Fixture f;
    CHECK(checked(f.builder.reply_command(kSession, "cmd-02f9", nullptr)).at("payload") ==
          payload_of(kSpecReplyCommand));
    CHECK(checked(f.builder.error_command(kSession, "cmd-02f9", "command.retryable", "Keyframe already pending",
                                          json::object{{"retry_after_ms", 250}}))
              .at("payload") == payload_of(kSpecErrorCommand));
}

TEST_CASE("notify.dims / notify.camera: the intent_id, else a short frame_id, never both") {
    Fixture f;
    const DimsState dims{{1, 0}, 2, "plane", "state.update", std::nullopt, std::nullopt, std::nullopt, 3};
    const CameraUpdate camera{"pan", {{"dx_px", 4}, {"dy_px", 0}}, "state.update", std::nullopt, 5};
    for (const json::object &frame : {checked(f.builder.dims(kSession, dims, std::string("intent-88b4"))),
                                      checked(f.builder.camera(kSession, camera, std::string("intent-88b4")).front())}) {
        CHECK(frame.at("intent_id") == "intent-88b4");
        CHECK_FALSE(frame.contains("frame_id"));
        CHECK_FALSE(frame.contains("seq"));
        CHECK_FALSE(frame.contains("delta_token"));
    }
    for (const json::object &frame : {checked(f.builder.dims(kSession, dims, std::nullopt)),
                                      checked(f.builder.camera(kSession, camera, std::nullopt).front())}) {
        const std::string_view id = frame.at("frame_id").as_string();
        CHECK(id.size() == 8);
        CHECK(id.find_first_not_of("0123456789abcdef") == std::string_view::npos);
        CHECK_FALSE(frame.contains("intent_id"));
    }
}

TEST_CASE("resumable frames carry seq and delta_token, notify.scene seq is 0, stream has no intent") {
    Fixture f;
    const json::object scene = checked(
        f.builder.scene(kSession, {{"viewer", json::object{}}, {"layers", json::array{}}}, "tok-0", std::nullopt));
    CHECK(scene.at("seq") == 0);
    CHECK(scene.at("delta_token") == "tok-0");
    CHECK_FALSE(scene.contains("intent_id"));
    const json::object layers =
        checked(f.builder.layers(kSession, {"layer-0", {{"opacity", 0.5}}, 12}, 4, "tok-4", std::nullopt));
    CHECK(layers.at("seq") == 4);
    CHECK(layers.at("payload") ==
          json::object{{"layer_id", "layer-0"}, {"changes", {{"opacity", 0.5}}}, {"version", 12}});
    const json::object stream =
        checked(f.builder.stream(kSession, {.width = 1920, .height = 1080, .avcc_base64 = "AWQAHw=="}, 9, "tok-s"));
    CHECK(stream.at("seq") == 9);
    CHECK_FALSE(stream.contains("intent_id"));
    CHECK(stream.at("payload").at("frame_size") == json::array{1920, 1080});
    CHECK(stream.at("payload").at("latency_policy") ==
          json::object{{"max_buffer_ms", 120.0}, {"grace_keyframe_ms", 300.0}});
}

TEST_CASE("timestamps are Unix seconds with microsecond precision") {
    for (base::TimeUs us :
         {base::TimeUs{1'759'179'010'330'000}, base::TimeUs{1'759'179'010'000'001}, base::TimeUs{1'759'179'010'999'999},
          base::TimeUs{1'700'000'000'000'000}, base::TimeUs{4'102'444'800'123'457}}) {
        base::ManualClock clock(us);
        FrameBuilder b(clock);
        const std::string frame = b.heartbeat(kSession);
        INFO(frame);
        const std::string expected = std::to_string(us / 1'000'000) + "." + fmt::format("{:06}", us % 1'000'000);
        CHECK(frame.find("\"timestamp\":" + expected + ",") != std::string::npos);
        CHECK(std::llround(checked(frame).at("timestamp").as_double() * 1e6) == us);
    }
}

TEST_CASE("frame ids and session ids are unique UUID v4") {
    Fixture f;
    std::set<std::string> ids;
    for (int i = 0; i < 2000; ++i) {
        const json::object frame = checked(f.builder.heartbeat(kSession));
        const std::string id(frame.at("frame_id").as_string());
        CHECK(is_uuid_v4(id));
        ids.insert(id);
        ids.insert(f.builder.new_session_id());
    }
    CHECK(ids.size() == 4000);
}

TEST_CASE("client text is escaped, never spliced") {
    Fixture f;
    const std::string intent = "i\"},\"type\":\"x\\\n\xc3\xa9";
    const json::object frame = checked(f.builder.ack_accepted(kSession, intent, "f\"1", "v", 1));
    CHECK(frame.at("payload").at("intent_id").as_string() == intent);
    CHECK(
        checked(f.builder.dims(kSession, {{0}, 2, "plane", "s", {}, {}, {}, 0}, intent)).at("intent_id").as_string() ==
        intent);
}

TEST_CASE("a builder given an invalid payload aborts the host, naming the rule") {
    auto abort_text = [](auto build) {
        const scenehost::test::ChildEnd end = scenehost::test::run_in_child([&] {
            base::ManualClock clock;
            FrameBuilder b(clock);
            build(b);
        });
        CHECK(end.signal == SIGABRT);
        return end.stderr_text;
    };
    CHECK_THAT(abort_text([](FrameBuilder &b) {
                   b.layers("s", {"layer-0", {}, 1}, 1, "t", std::nullopt);
               }),
               Catch::Contains("notify.layers breaks: payload.changes must hold at least one key"));
    CHECK_THAT(abort_text([](FrameBuilder &b) {
                   b.dims("s", {{0}, 4, "plane", "x", {}, {}, {}, 0}, std::nullopt);
               }),
               Catch::Contains("payload.ndisplay must be 2 or 3"));
    CHECK_THAT(abort_text([](FrameBuilder &b) {
                   b.error("s", {"d", "c", "m", "fatal", std::nullopt});
               }),
               Catch::Contains("payload.severity must be one of"));
    CHECK_THAT(abort_text([](FrameBuilder &b) {
                   b.scene("s", {{"viewer", 1}, {"layers", json::array{}}}, "t", std::nullopt);
               }),
               Catch::Contains("payload.viewer must be an object"));
    CHECK_THAT(abort_text([](FrameBuilder &b) { b.heartbeat(""); }), Catch::Contains("session.heartbeat breaks"));
}

TEST_CASE("a fan-out template takes each session's id and stays valid") {
    Fixture f;
    const SessionTemplate layers(f.builder.layers(std::string(FrameBuilder::kSessionPlaceholder),
                                                  {"layer-0", {{"opacity", 0.25}}, 8}, 3, "tok-3", std::nullopt));
    for (std::string_view session : {kSession, std::string_view("0b8e9f3a-1c2d-4e5f-8a9b-0c1d2e3f4a5b")}) {
        const json::object frame = checked(layers.for_session(session));
        CHECK(frame.at("session").as_string() == session);
        CHECK(frame.at("payload").at("changes").at("opacity") == 0.25);
    }
}

TEST_CASE("validate_output false skips the per-frame check (the caller validates templates)") {
    base::ManualClock clock;
    FrameBuilder unchecked(clock, false);
    const std::string frame = unchecked.layers("s", {"layer-0", {}, 1}, 1, "t", std::nullopt);
    const auto problem = validate_frame(frame);
    REQUIRE(problem.has_value());
    CHECK(problem->message == "payload.changes must hold at least one key");
}
