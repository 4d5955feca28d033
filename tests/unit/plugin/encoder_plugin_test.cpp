// Encoder plugins: the loader refuses a broken table with its exact reason, probe reports the
// plugin's own reason, and sessions hand back one checked access unit per frame.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fmt/format.h>
#include <string>
#include <variant>
#include <vector>

#include "plugin/encoder_plugin.hpp"
#include "plugin/plugin_registry.hpp"
#include "scenehost/sdk/version.h"

using namespace scenehost::plugin;
namespace fs = std::filesystem;

namespace {

const fs::path kFixtures = SCENEHOST_FIXTURE_PLUGIN_DIR;

PluginRegistry load_cases(std::vector<std::string> names) {
    std::vector<fs::path> dirs;
    for (const auto &name : names) dirs.push_back(kFixtures / name);
    return PluginRegistry::load(dirs);
}

EncoderSettings small_settings() {
    EncoderSettings s;
    s.width = 64;
    s.height = 32;
    s.keyframe_interval = 5;
    s.input_format = SCENEHOST_PIXEL_FORMAT_I420;
    return s;
}

// A black I420 frame of the settings' size.
struct Picture {
    std::vector<uint8_t> y, u, v;
    scenehost_video_frame_v1 frame{};
    Picture(const EncoderSettings &s, uint64_t sequence)
        : y(s.width * s.height, 16), u(s.width * s.height / 4, 128), v(s.width * s.height / 4, 128) {
        frame = {sizeof frame, SCENEHOST_PIXEL_FORMAT_I420, s.width, s.height, {y.data(), u.data(), v.data(), nullptr},
                 {s.width, s.width / 2, s.width / 2, 0}, int64_t(sequence) * 1000, sequence};
    }
};

std::unique_ptr<EncoderSession> open_session(const EncoderPlugin &plugin, const EncoderSettings &settings) {
    auto opened = plugin.open(settings);
    REQUIRE(std::holds_alternative<std::unique_ptr<EncoderSession>>(opened));
    return std::move(std::get<std::unique_ptr<EncoderSession>>(opened));
}

AccessUnit encode(EncoderSession &session, uint64_t sequence, bool force = false) {
    const Picture picture(session.settings(), sequence);
    auto encoded = session.encode(picture.frame, force);
    REQUIRE(std::holds_alternative<AccessUnit>(encoded));
    return std::get<AccessUnit>(std::move(encoded));
}

}  // namespace

TEST_CASE("a good encoder loads with its codec and input formats, and its probe says it can run") {
    const auto registry = load_cases({"fake_encoder"});
    REQUIRE(registry.rows().size() == 1);
    CHECK(registry.rows()[0].loaded);
    CHECK(registry.rows()[0].info.kind == "encoder");
    CHECK(registry.reducers().empty());
    REQUIRE(registry.encoders().size() == 1);
    const EncoderPlugin *plugin = registry.encoder("fake_encoder");
    REQUIRE(plugin != nullptr);
    CHECK(plugin->info().version == "0.0.1");
    CHECK(codec_name(plugin->codec()) == "h264");
    REQUIRE(plugin->input_formats().size() == 1);
    CHECK(plugin->input_formats()[0] == SCENEHOST_PIXEL_FORMAT_I420);
    CHECK(plugin->probe() == std::nullopt);
    CHECK(registry.encoder("x264") == nullptr);
}

TEST_CASE("an encoder that cannot run here loads, and its probe gives the plugin's reason") {
    const auto registry = load_cases({"unavailable_encoder"});
    const EncoderPlugin *plugin = registry.encoder("unavailable_encoder");
    REQUIRE(plugin != nullptr);
    CHECK(plugin->probe() == "needs the fixture's imaginary device");
}

TEST_CASE("each broken encoder table is refused with its exact reason") {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"wrong_codec_encoder", "encoder table codec 7 is not one this host streams (h264 = 1)"},
        {"bad_format_encoder", "encoder input format 9 is not one this host converts to (i420, nv12)"},
        {"no_formats_encoder", "encoder table lacks the required field 'input_formats'"},
        {"missing_encode_encoder", "encoder table lacks the required field 'encode'"},
        {"unknown_capability_encoder", fmt::format("encoder table announces capability bit 3 (0x8), which this host "
                                                   "(SDK {}.{}) does not know",
                                                   SCENEHOST_SDK_VERSION_MAJOR, SCENEHOST_SDK_VERSION_MINOR)},
    };
    for (const auto &[name, reason] : cases) {
        const auto registry = load_cases({name});
        REQUIRE(registry.rows().size() == 1);
        CHECK_FALSE(registry.rows()[0].loaded);
        CHECK(registry.rows()[0].refusal == reason);
        CHECK(registry.encoders().empty());
    }
}

TEST_CASE("a second encoder with a taken name is refused and the first stays") {
    const auto registry = load_cases({"fake_encoder", "fake_encoder"});
    REQUIRE(registry.rows().size() == 2);
    CHECK(registry.rows()[0].loaded);
    CHECK_FALSE(registry.rows()[1].loaded);
    CHECK_THAT(registry.rows()[1].refusal, Catch::StartsWith("an encoder named 'fake_encoder' is already loaded from "));
    CHECK(registry.encoders().size() == 1);
}

TEST_CASE("a session hands back one unit per frame with the frame's sequence and pts, IDRs on schedule and on request") {
    const auto registry = load_cases({"fake_encoder"});
    auto session = open_session(*registry.encoder("fake_encoder"), small_settings());

    const AccessUnit first = encode(*session, 1);
    CHECK(first.keyframe);
    CHECK(first.sequence == 1);
    CHECK(first.pts_us == 1000);
    CHECK_FALSE(first.data.empty());
    CHECK_FALSE(encode(*session, 2).keyframe);
    CHECK(encode(*session, 3, true).keyframe);
    CHECK_FALSE(encode(*session, 4).keyframe);
    CHECK_FALSE(encode(*session, 5).keyframe);
    CHECK(encode(*session, 6).keyframe);  // the fifth frame after the first IDR

    EncoderSettings bigger = small_settings();
    bigger.width = 128;
    bigger.height = 64;
    REQUIRE(session->reconfigure(bigger) == std::nullopt);
    CHECK(session->settings().width == 128);
    CHECK(encode(*session, 7).keyframe);
}

TEST_CASE("the plugin's reasons come back when create or encode fails") {
    const auto registry = load_cases({"failing_create_encoder", "failing_encode_encoder"});
    auto refused = registry.encoder("failing_create_encoder")->open(small_settings());
    REQUIRE(std::holds_alternative<std::string>(refused));
    CHECK(std::get<std::string>(refused) == "the fixture refuses every config");

    auto session = open_session(*registry.encoder("failing_encode_encoder"), small_settings());
    for (uint64_t i = 1; i <= 3; ++i) encode(*session, i);
    const Picture picture(session->settings(), 4);
    auto failed = session->encode(picture.frame, false);
    REQUIRE(std::holds_alternative<std::string>(failed));
    CHECK(std::get<std::string>(failed) == "the fixture's device was lost");
}

TEST_CASE("settings outside the contract's bounds are described") {
    EncoderSettings s = small_settings();
    CHECK(settings_violation(s).empty());
    s.width = 63;
    CHECK(settings_violation(s) == "frame size 63x32: width and height must be even and within 16..8192");
    s = small_settings();
    s.height = 8194;
    CHECK(settings_violation(s) == "frame size 64x8194: width and height must be even and within 16..8192");
    s = small_settings();
    s.fps = 0;
    CHECK(settings_violation(s) == "fps 0 is outside 1..240");
    s = small_settings();
    s.bitrate_kbps = 50;
    CHECK(settings_violation(s) == "bitrate 50 kbps is outside 100..1000000");
    s = small_settings();
    s.keyframe_interval = 0;
    CHECK(settings_violation(s) == "keyframe interval 0 is outside 1..100000 frames");
}
