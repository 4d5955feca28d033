// The v2 module: every frame its builder emits passes the v2 validator (napari-cuda's parser
// rules) and not v1's; the validator refuses what napari-cuda's parser or client refuses; the
// layer sections, the codes and the parser follow napari-cuda's code.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <set>

#include "base/clock.hpp"
#include "protocol/frame_validator.hpp"
#include "protocol/server_frames.hpp"
#include "protocol/v2/frame_validator.hpp"
#include "protocol/v2/scene.hpp"
#include "protocol/v2/server_frames.hpp"

using namespace scenehost;
using namespace scenehost::protocol;
namespace json = boost::json;

namespace {

constexpr std::string_view kSession = "bf52c9c6-4875-4280-9f00-6022cb5106d6";

json::object checked(const std::string &frame) {
    const auto problem = v2::validate_frame(frame, Direction::server_to_client);
    if (problem) FAIL(problem->code << ": " << problem->message << " in " << frame);
    CHECK(validate_frame(frame).has_value());  // a v1 validator refuses version 2
    return json::parse(frame).as_object();
}

json::object payload(const json::object &frame) { return frame.at("payload").as_object(); }

// A napari-shaped frame to check the validator against.
std::optional<ProtocolError> v2_check(json::object frame) { return v2::validate_frame(json::serialize(frame)); }

json::object server_frame(std::string_view type, json::object payload, json::object extra = {}) {
    json::object frame{{"type", type}, {"version", 2}, {"session", kSession}, {"timestamp", 1.5},
                       {"payload", std::move(payload)}};
    for (const auto &kv : extra) frame[kv.key()] = kv.value();
    return frame;
}

struct Fixture {
    base::ManualClock clock{1'759'179'010'330'000};
    v2::FrameBuilder builder{clock};
};

}  // namespace

TEST_CASE("v2 builder: every frame is valid v2 and carries version 2") {
    Fixture f;
    v2::FrameBuilder &b = f.builder;
    const std::string s(kSession);
    const DimsState dims{{3, 0, 0},
                         2,
                         "plane",
                         "baseline",
                         std::vector<int64_t>{0, 1, 2},
                         std::vector<std::string>{"z", "y", "x"},
                         std::vector<int64_t>{1, 2},
                         7,
                         json::array{json::object{{"shape", {8, 16, 16}}, {"downsample", {1, 1, 1}}}},
                         {{8, 16, 16}}};
    std::vector<std::string> frames = {
        b.welcome({s, 15.0, 250, {{"notify.layers", {true, 1, true, std::nullopt, ResumeState{4, "tok"}}}}}),
        b.reject({"session.timeout", "no hello", std::nullopt}),
        b.heartbeat(s),
        b.goodbye(s, {"timeout", std::nullopt, "heartbeat_timeout"}),
        b.scene(s, {{"viewer", json::object{}}, {"layers", json::array{}}}, "tok-0", std::nullopt),
        b.stream(s, stream_payload({.width = 64, .height = 48, .avcc_base64 = "AWQAH///4QAA"}), 1, "tok-s"),
        b.dims(s, dims, std::nullopt),
        b.error(s, {"protocol", "protocol.invalid_json", "not JSON", "warning", std::nullopt}),
        b.ack_accepted(s, "i-1", "f-1", 0.5, 3),
        b.ack_rejected(s, "i-1", "f-1", {"state.out_of_range", "too big", std::nullopt}, std::nullopt),
        b.reply_command(s, "c-1", nullptr),
        b.error_command(s, "c-1", "command.not_found", "no such command", std::nullopt),
    };
    for (std::string &frame : b.camera(s, {"orbit", {{"d_az_deg", 5.0}}, std::string(kCameraFromIntent),
                                           json::object{{"zoom", 1.0}}, 2},
                                       std::string("i-2"))) {
        frames.push_back(std::move(frame));
    }
    for (const std::string &frame : frames) {
        INFO(frame);
        CHECK(checked(frame).at("version") == 2);
    }
}

TEST_CASE("v2 dims: step twice, the pyramid, index space 0, no v1 fields") {
    Fixture f;
    const DimsState dims{{3, 0},
                         3,
                         "volume",
                         "state.update",
                         std::nullopt,
                         std::nullopt,
                         std::nullopt,
                         7,
                         json::array{json::object{{"shape", {8, 16}}}, json::object{{"shape", {4, 8}}}},
                         {{8, 16}, {4, 8}}};
    const json::object p = payload(checked(f.builder.dims(kSession, dims, std::nullopt)));
    CHECK(p == json::object{{"step", {3, 0}},
                            {"current_step", {3, 0}},
                            {"levels", dims.levels},
                            {"current_level", 0},
                            {"mode", "volume"},
                            {"ndisplay", 3},
                            {"level_shapes", {{8, 16}, {4, 8}}}});
}

TEST_CASE("v2 camera: the operation with the intent, then the pose without, a baseline the pose alone") {
    Fixture f;
    const CameraUpdate reset{"reset", nullptr, std::string(kCameraFromIntent), json::object{{"zoom", 2.0}}, 3};
    const auto frames = f.builder.camera(kSession, reset, std::string("i-7"));
    REQUIRE(frames.size() == 2);
    const json::object op = checked(frames[0]);
    CHECK(op.at("intent_id") == "i-7");
    CHECK(payload(op) ==
          json::object{{"mode", "reset"}, {"origin", "state.update"}, {"delta", {{"reason", "state.update"}}}});
    const json::object pose = checked(frames[1]);
    CHECK_FALSE(pose.contains("intent_id"));
    CHECK(pose.at("frame_id").as_string().size() == 8);
    CHECK(payload(pose) ==
          json::object{{"mode", "pose"}, {"origin", "worker.state.camera"}, {"state", {{"zoom", 2.0}}}});
    const CameraUpdate baseline{"set", json::object{{"zoom", 2.0}}, std::string(kCameraBaseline),
                                json::object{{"zoom", 2.0}}, 3};
    const auto only_pose = f.builder.camera(kSession, baseline, std::nullopt);
    REQUIRE(only_pose.size() == 1);
    CHECK(payload(checked(only_pose[0])).at("mode") == "pose");
}

TEST_CASE("v2 layer sections: napari-cuda's controls, volume and multiscale data in 3D only") {
    const json::object changes{{"opacity", 0.5},           {"interpolation2d", "nearest"},
                               {"interpolation3d", "linear"}, {"volume.mode", "iso"},
                               {"volume.iso_threshold", 0.3}, {"volume.sample_step", 2.0},
                               {"multiscale.level", 1},      {"name", "cells"},
                               {"shape", {4, 4}}};
    CHECK(v2::layer_sections(changes, 2) ==
          json::object{{"controls",
                        {{"opacity", 0.5}, {"interpolation", "nearest"}, {"rendering", "iso"}, {"iso_threshold", 0.3}}},
                       {"data", {{"interpolation3d", "linear"}, {"name", "cells"}}}});
    CHECK(v2::layer_sections(changes, 3) ==
          json::object{{"controls",
                        {{"opacity", 0.5}, {"interpolation", "linear"}, {"rendering", "iso"}, {"iso_threshold", 0.3}}},
                       {"data",
                        {{"interpolation2d", "nearest"},
                         {"volume.render_mode", "iso"},
                         {"volume.sample_step", 2.0},
                         {"multiscale.level", 1},
                         {"name", "cells"}}}});
    CHECK(v2::layer_sections({{"volume.sample_step", 2.0}}, 2).empty());  // nothing shows in 2D
}

TEST_CASE("v2 notify.layers from the history: sections, nothing when none shows") {
    Fixture f;
    base::ManualClock clock;
    store::SceneStore store(clock);
    const json::object opacity = layers_payload({"layer-0", {{"opacity", 0.5}}, 4});
    const auto frame = f.builder.layers(kSession, opacity, 9, "tok-9", std::string("i-1"), store);
    REQUIRE(frame);
    const json::object parsed = checked(*frame);
    CHECK(payload(parsed) == json::object{{"layer_id", "layer-0"}, {"controls", {{"opacity", 0.5}}}});
    CHECK(parsed.at("seq") == 9);
    CHECK_FALSE(f.builder.layers(kSession, layers_payload({"layer-0", {{"volume.sample_step", 2.0}}, 5}), 10, "tok-10",
                                 std::nullopt, store));
}

TEST_CASE("v2 removal and thumbnail: napari-cuda's sections at the layers cursor, rows flipped, 3 decimals") {
    Fixture f;
    const store::Cursor cursor{12, "tok-12"};
    const auto removed = f.builder.layer_removed(kSession, "layer-3", cursor);
    REQUIRE(removed);
    const json::object gone = checked(*removed);
    CHECK(payload(gone) == json::object{{"layer_id", "layer-3"}, {"removed", true}});
    CHECK(gone.at("seq") == 12);
    CHECK(gone.at("delta_token") == "tok-12");

    // A 32 x 32 thumbnail whose top row is opaque white, the rest transparent; one grey pixel.
    LayerThumbnail t{"layer-1", 32, std::vector<uint8_t>(32 * 32 * 4, 0), 1759179010.5};
    for (int x = 0; x < 32; ++x) std::fill_n(t.rgba.begin() + x * 4, 4, uint8_t(255));
    std::fill_n(t.rgba.begin() + (5 * 32 + 7) * 4, 4, uint8_t(128));
    const auto frame = f.builder.layer_thumbnail(kSession, t, cursor);
    REQUIRE(frame);
    const json::object parsed = checked(*frame);
    const json::object thumbnail = payload(parsed).at("thumbnail").as_object();
    CHECK(payload(parsed).at("layer_id") == "layer-1");
    CHECK(thumbnail.at("shape") == json::array{32, 32, 4});
    CHECK(thumbnail.at("dtype") == "float32");
    CHECK(thumbnail.at("generated_at") == 1759179010.5);
    const json::array &rows = thumbnail.at("array").as_array();
    REQUIRE(rows.size() == 32);
    CHECK(rows[31].at(0) == json::array{1.0, 1.0, 1.0, 1.0});  // the top row, flipped to the bottom
    CHECK(rows[0].at(0) == json::array{0.0, 0.0, 0.0, 0.0});
    CHECK(rows[31 - 5].at(7) == json::array{0.502, 0.502, 0.502, 0.502});  // 128/255 to 3 decimals
    CHECK(parsed.at("seq") == 12);

    // v1 has neither section.
    FrameBuilder v1(f.clock);
    CHECK_FALSE(v1.layer_removed(kSession, "layer-3", cursor));
    CHECK_FALSE(v1.layer_thumbnail(kSession, t, cursor));
}

TEST_CASE("v2 validator: removed stands alone, a thumbnail is napari-cuda's shape") {
    const json::object removed = server_frame("notify.layers", {{"layer_id", "l"}, {"removed", true}},
                                              {{"seq", 1}, {"delta_token", "t"}});
    CHECK_FALSE(v2_check(removed).has_value());
    json::object crowded = removed;
    crowded["payload"].as_object()["controls"] = json::object{{"opacity", 1.0}};
    CHECK(v2_check(crowded)->field == "payload.removed");
    const json::object thumbnail = server_frame(
        "notify.layers",
        {{"layer_id", "l"},
         {"thumbnail", {{"array", {{{0.0, 0.0, 0.0, 1.0}}}}, {"shape", {1, 1, 4}}, {"dtype", "float32"}, {"generated_at", 2.5}}}},
        {{"seq", 1}, {"delta_token", "t"}});
    CHECK_FALSE(v2_check(thumbnail).has_value());
    json::object rgb = thumbnail;
    rgb["payload"].as_object()["thumbnail"].as_object()["shape"] = json::array{1, 1, 3};
    CHECK(v2_check(rgb)->field == "payload.thumbnail.shape");
    json::object rows = thumbnail;
    rows["payload"].as_object()["thumbnail"].as_object()["shape"] = json::array{2, 1, 4};
    CHECK(v2_check(rows)->field == "payload.thumbnail.array");
    json::object uint8 = thumbnail;
    uint8["payload"].as_object()["thumbnail"].as_object()["dtype"] = "uint8";
    CHECK(v2_check(uint8)->field == "payload.thumbnail.dtype");
    json::object untimed = thumbnail;
    untimed["payload"].as_object()["thumbnail"].as_object().erase("generated_at");
    CHECK(v2_check(untimed)->field == "payload.thumbnail.generated_at");
}

TEST_CASE("v2 codes: napari-cuda's reject and state codes, scenehost's own kept in the details") {
    CHECK(v2::reject_code("protocol.invalid_json") == "invalid_json");
    CHECK(v2::reject_code("protocol.invalid_payload") == "invalid_payload");
    CHECK(v2::reject_code("session.unexpected_message") == "unexpected_message");
    CHECK(v2::reject_code("session.timeout") == "timeout");
    CHECK(v2::reject_code("session.invalid_resume_token") == "invalid_resume_token");
    CHECK(v2::reject_code("session.unsupported_protocol") == "session.unsupported_protocol");
    CHECK(v2::state_code("state.out_of_range") == "state.invalid");
    CHECK(v2::state_code("state.unknown_key") == "state.invalid");
    CHECK(v2::state_code("protocol.invalid_envelope") == "state.invalid");
    CHECK(v2::state_code("state.not_recorded") == "state.error");
    CHECK(v2::state_code("state.conflict") == "state.conflict");
    Fixture f;
    const json::object rejected = payload(checked(
        f.builder.ack_rejected(kSession, "i", "f", {"state.out_of_range", "too big", json::object{{"key", "opacity"}}}, 3)));
    CHECK(rejected.at("error") == json::object{{"code", "state.invalid"},
                                               {"message", "too big"},
                                               {"details", {{"key", "opacity"}, {"scenehost_code", "state.out_of_range"}}}});
    const json::object command = payload(checked(f.builder.error_command(kSession, "c", "protocol.invalid_payload",
                                                                         "payload.command must be a string", std::nullopt)));
    CHECK(command.at("code") == "command.forbidden");
}

TEST_CASE("v2 parser: the keepalive literal, defaulted command arguments, version 2 only") {
    Fixture f;
    CHECK(std::holds_alternative<Keepalive>(f.builder.parse(R"({"type":"ping"})")));
    CHECK(std::holds_alternative<Keepalive>(f.builder.parse(R"( { "type" : "ping" } )")));
    CHECK(std::holds_alternative<ProtocolError>(f.builder.parse(R"({"type":"ping","extra":1})")));
    const std::string call = json::serialize(server_frame(
        "call.command", {{"command", "napari.pixel.request_keyframe"}}, {{"frame_id", "cmd-1"}}));
    const auto parsed = f.builder.parse(call);
    REQUIRE(std::holds_alternative<ClientFrame>(parsed));
    CHECK(std::get<CallCommand>(std::get<ClientFrame>(parsed).payload).command == "napari.pixel.request_keyframe");
    base::ManualClock clock;
    protocol::FrameBuilder v1(clock);
    CHECK(std::holds_alternative<ProtocolError>(v1.parse(call)));  // v1 requires version 1, args and kwargs
    CHECK(std::holds_alternative<ProtocolError>(v1.parse(R"({"type":"ping"})")));
}

TEST_CASE("v2 validator refuses what napari-cuda's parser or client refuses") {
    const json::object layers = server_frame("notify.layers", {{"layer_id", "l"}, {"controls", {{"opacity", 1.0}}}},
                                             {{"seq", 1}, {"delta_token", "t"}});
    CHECK_FALSE(v2_check(layers).has_value());
    json::object bare = layers;
    bare["payload"] = json::object{{"layer_id", "l"}};
    CHECK(v2_check(bare)->message.find("at least one of controls") != std::string::npos);
    json::object changes = layers;
    changes["payload"].as_object()["changes"] = json::object{{"opacity", 1.0}};
    CHECK(v2_check(changes)->message.find("changes") != std::string::npos);
    json::object v1_version = layers;
    v1_version["version"] = 1;
    CHECK(v2_check(v1_version)->field == "version");

    const json::object dims = server_frame("notify.dims",
                                           {{"step", {0, 0}},
                                            {"levels", json::array{json::object{}}},
                                            {"current_level", 0},
                                            {"mode", "plane"},
                                            {"ndisplay", 2},
                                            {"level_shapes", {{4, 4}}}},
                                           {{"frame_id", "abcd1234"}});
    CHECK_FALSE(v2_check(dims).has_value());
    json::object out_of_range = dims;
    out_of_range["payload"].as_object()["current_level"] = 1;  // napari-cuda's dims mirror asserts it
    CHECK(v2_check(out_of_range)->field == "payload.current_level");
    json::object with_source = dims;
    with_source["payload"].as_object()["source"] = "state.update";
    CHECK(v2_check(with_source).has_value());
    json::object no_id = dims;
    no_id.erase("frame_id");
    CHECK(v2_check(no_id)->field == "frame_id");

    CHECK(v2_check(server_frame("notify.camera", {{"mode", "pan"}, {"origin", "state.update"}},
                                {{"frame_id", "abcd1234"}}))
              .has_value());
    CHECK(v2_check(server_frame("notify.camera", {{"mode", "pan"}, {"origin", "o"}, {"delta", 3}},
                                {{"intent_id", "i"}}))
              .has_value());  // delta must be a mapping
    CHECK(v2_check(server_frame("ack.state", {{"intent_id", "i"}, {"in_reply_to", "f"}, {"status", "accepted"}},
                                {{"frame_id", "a"}}))
              ->field == "payload.version");
    CHECK(v2_check(server_frame("session.welcome",
                                {{"protocol_version", 1},
                                 {"session", {{"id", kSession}, {"heartbeat_s", 15.0}}},
                                 {"features", json::object{}}},
                                {{"frame_id", "w"}}))
              ->field == "payload.protocol_version");
}
