// The x264 plugin through the host's loader: it probes OK, its units decode (libavcodec) to the
// picture it was given, IDRs come first, on request and after reconfigure, bad options are
// refused by name, and its output repackaged as AVCC decodes too.
#include <catch2/catch.hpp>
#include <cmath>
#include <libyuv/compare.h>
#include <string>
#include <variant>
#include <vector>

#include "codec/h264_bitstream.hpp"
#include "codec/yuv_convert.hpp"
#include "plugin/encoder_plugin.hpp"
#include "plugin/plugin_library.hpp"
#include "support/h264_decoder.hpp"

using namespace scenehost;
using plugin::AccessUnit;
using plugin::EncoderPlugin;
using plugin::EncoderSession;
using plugin::EncoderSettings;

namespace {

std::unique_ptr<EncoderPlugin> load_x264() {
    auto library = plugin::open_plugin_library(SCENEHOST_X264_PLUGIN);
    if (const auto *refusal = std::get_if<plugin::Refusal>(&library)) FAIL(refusal->reason);
    auto created = EncoderPlugin::create(std::get<plugin::PluginLibrary>(library));
    if (const auto *why = std::get_if<std::string>(&created)) FAIL(*why);
    return std::move(std::get<std::unique_ptr<EncoderPlugin>>(created));
}

EncoderSettings settings(uint32_t width, uint32_t height, std::string options = "{}") {
    EncoderSettings s;
    s.width = width;
    s.height = height;
    s.fps = 30;
    s.bitrate_kbps = 2000;
    s.keyframe_interval = 120;
    s.input_format = SCENEHOST_PIXEL_FORMAT_I420;
    s.options_json = std::move(options);
    return s;
}

std::unique_ptr<EncoderSession> open(const EncoderPlugin &x264, const EncoderSettings &s) {
    auto opened = x264.open(s);
    if (const auto *why = std::get_if<std::string>(&opened)) FAIL(*why);
    return std::move(std::get<std::unique_ptr<EncoderSession>>(opened));
}

// A rendered-looking RGBA picture: a colour gradient, a rectangle and a disc that moves with t.
std::vector<uint8_t> scene(uint32_t width, uint32_t height, int t) {
    std::vector<uint8_t> rgba;
    rgba.reserve(size_t(width) * height * 4);
    const double cx = width * 0.3 + 4.0 * t, cy = height * 0.5, radius = height * 0.2;
    for (uint32_t y = 0; y < height; ++y) {
        for (uint32_t x = 0; x < width; ++x) {
            uint8_t r = uint8_t(255 * x / width), g = uint8_t(255 * y / height), b = 96;
            if (x > width * 0.6 && x < width * 0.85 && y > height * 0.2 && y < height * 0.45) r = g = b = 230;
            if (std::hypot(x - cx, y - cy) < radius) r = 250, g = 200, b = 20;
            rgba.insert(rgba.end(), {r, g, b, 255});
        }
    }
    return rgba;
}

codec::YuvImage picture(uint32_t width, uint32_t height, int t) {
    codec::YuvImage image(SCENEHOST_PIXEL_FORMAT_I420, width, height);
    convert_rgba(scene(width, height, t), width, height, image);
    return image;
}

AccessUnit encode(EncoderSession &session, const codec::YuvImage &image, uint64_t sequence, bool force = false) {
    auto result = session.encode(image.frame(int64_t(sequence) * 33'333, sequence), force);
    if (const auto *why = std::get_if<std::string>(&result)) FAIL(*why);
    return std::get<AccessUnit>(std::move(result));
}

// PSNR of the luma planes, in dB.
double luma_psnr(const codec::YuvImage &a, const codec::YuvImage &b) {
    REQUIRE(a.width() == b.width());
    REQUIRE(a.height() == b.height());
    return libyuv::CalcFramePsnr(a.plane(0).data(), int(a.stride(0)), b.plane(0).data(), int(b.stride(0)),
                                 int(a.width()), int(a.height()));
}

bool has_nal(const AccessUnit &unit, codec::NalType type) {
    return std::ranges::any_of(codec::split_annexb(unit.data), [&](auto nal) { return codec::is_type(nal, type); });
}

}  // namespace

TEST_CASE("x264 loads, declares H.264 from I420 and probes OK") {
    const auto x264 = load_x264();
    CHECK(x264->info().name == "x264");
    CHECK(x264->codec() == SCENEHOST_CODEC_H264);
    REQUIRE(x264->input_formats().size() == 1);
    CHECK(x264->input_formats()[0] == SCENEHOST_PIXEL_FORMAT_I420);
    const auto why_not = x264->probe();
    INFO(why_not.value_or(""));
    CHECK_FALSE(why_not);
}

TEST_CASE("x264 units decode to the source picture, the first an IDR with SPS and PPS") {
    const auto x264 = load_x264();
    const auto session = open(*x264, settings(320, 240));
    test::H264Decoder decoder;
    for (uint64_t i = 0; i < 10; ++i) {
        const codec::YuvImage source = picture(320, 240, int(i));
        const AccessUnit unit = encode(*session, source, i);
        INFO("frame " << i);
        CHECK(unit.sequence == i);
        CHECK(unit.pts_us == int64_t(i) * 33'333);
        CHECK(unit.keyframe == (i == 0));
        CHECK(codec::contains_idr(unit.data) == (i == 0));
        if (i == 0) {
            CHECK(has_nal(unit, codec::NalType::sps));
            CHECK(has_nal(unit, codec::NalType::pps));
        }
        const auto decoded = decoder.decode(unit.data);
        REQUIRE(decoded);  // low latency: every unit gives its picture at once
        CHECK(luma_psnr(source, *decoded) >= 35.0);
        // The stream says what the host converted to: BT.601, limited range (a browser assumes
        // BT.709 otherwise and shows wrong colours).
        CHECK(decoder.colour() == test::H264Decoder::Colour{6, 6, 6, false});
    }
}

TEST_CASE("x264 makes a forced frame an IDR and keeps to the keyframe interval") {
    const auto x264 = load_x264();
    auto s = settings(320, 240);
    s.keyframe_interval = 8;
    const auto session = open(*x264, s);
    for (uint64_t i = 0; i < 16; ++i) {
        const AccessUnit unit = encode(*session, picture(320, 240, int(i)), i, i == 5);
        INFO("frame " << i);
        const bool idr = i == 0 || i == 5 || i == 13;  // the interval counts from the last IDR
        CHECK(unit.keyframe == idr);
        CHECK(codec::contains_idr(unit.data) == idr);
        CHECK(has_nal(unit, codec::NalType::sps) == idr);
    }
}

TEST_CASE("x264 reconfigured to another size starts with an IDR of that size") {
    const auto x264 = load_x264();
    const auto session = open(*x264, settings(320, 240));
    test::H264Decoder decoder;
    for (uint64_t i = 0; i < 3; ++i) REQUIRE(decoder.decode(encode(*session, picture(320, 240, int(i)), i).data));
    const auto why = session->reconfigure(settings(160, 128));
    INFO(why.value_or(""));
    REQUIRE_FALSE(why);
    for (uint64_t i = 3; i < 6; ++i) {
        const codec::YuvImage source = picture(160, 128, int(i));
        const AccessUnit unit = encode(*session, source, i);
        CHECK(unit.keyframe == (i == 3));
        const auto decoded = decoder.decode(unit.data);
        REQUIRE(decoded);
        CHECK(decoded->width() == 160);
        CHECK(decoded->height() == 128);
        CHECK(luma_psnr(source, *decoded) >= 35.0);
    }
}

TEST_CASE("x264 takes preset, tune and profile options") {
    const auto x264 = load_x264();
    const auto session = open(*x264, settings(320, 240, R"({"preset":"ultrafast","tune":"film","profile":"baseline"})"));
    const AccessUnit unit = encode(*session, picture(320, 240, 0), 0);
    const auto record = codec::avcc_record(unit.data);
    REQUIRE(record);
    CHECK((*record)[1] == 66);  // profile_idc of Constrained Baseline
}

TEST_CASE("x264 refuses unknown option keys and bad values, naming the key") {
    const auto x264 = load_x264();
    struct Case {
        std::string options, reason;
    };
    const auto c = GENERATE(Case{R"({"bogus":1})", "unknown key \"bogus\""},
                            Case{R"({"preset":3})", "\"preset\" must be one of ultrafast, "},
                            Case{R"({"profile":"high10"})", "\"profile\" must be one of baseline, main, high, not \"high10\""},
                            Case{R"({"tune":"fast"})", "\"tune\" must be one of film"},
                            Case{R"([1])", "options_json must be a JSON object"},
                            Case{R"({"preset")", "options_json is not valid JSON"});
    INFO(c.options);
    auto opened = x264->open(settings(320, 240, c.options));
    REQUIRE(std::holds_alternative<std::string>(opened));
    CHECK_THAT(std::get<std::string>(opened), Catch::Contains(c.reason));

    const auto session = open(*x264, settings(320, 240));
    const auto why = session->reconfigure(settings(320, 240, c.options));
    REQUIRE(why);
    CHECK_THAT(*why, Catch::Contains(c.reason));
}

TEST_CASE("x264 output repackaged as AVCC with its avcC record decodes") {
    const auto x264 = load_x264();
    const auto session = open(*x264, settings(320, 240));
    std::vector<AccessUnit> units;
    std::vector<codec::YuvImage> sources;
    for (uint64_t i = 0; i < 5; ++i) {
        sources.push_back(picture(320, 240, int(i)));
        units.push_back(encode(*session, sources.back(), i));
    }
    const auto record = codec::avcc_record(units[0].data);
    REQUIRE(record);
    const auto nals = codec::split_annexb(units[0].data);
    const auto sps = std::ranges::find_if(nals, [](auto n) { return codec::is_type(n, codec::NalType::sps); });
    REQUIRE(sps != nals.end());
    CHECK(std::ranges::equal(std::span(*record).subspan(1, 3), sps->subspan(1, 3)));
    CHECK_FALSE(codec::avcc_record(units[1].data));  // only IDRs carry parameter sets

    test::H264Decoder decoder(*record);
    for (size_t i = 0; i < units.size(); ++i) {
        const std::vector<uint8_t> avcc = codec::annexb_to_avcc(units[i].data);
        size_t expected = 0;
        for (const auto nal : codec::split_annexb(units[i].data)) expected += 4 + nal.size();
        CHECK(avcc.size() == expected);
        const auto decoded = decoder.decode(avcc);
        REQUIRE(decoded);
        CHECK(luma_psnr(sources[i], *decoded) >= 35.0);
    }
}

TEST_CASE("x264 keeps to the bit rate it is given: a noisy stream at 200 kbps stays near its budget") {
    const auto x264 = load_x264();
    // Noise changes every pixel of every frame: without rate control the units would be huge.
    auto noisy = [](uint32_t width, uint32_t height, uint32_t seed) {
        std::vector<uint8_t> rgba(size_t(width) * height * 4, 255);
        uint32_t state = seed * 2654435761u + 1;
        for (size_t i = 0; i < rgba.size(); ++i) {
            if (i % 4 == 3) continue;
            state = state * 1664525u + 1013904223u;
            rgba[i] = uint8_t(state >> 24);
        }
        codec::YuvImage image(SCENEHOST_PIXEL_FORMAT_I420, width, height);
        convert_rgba(rgba, width, height, image);
        return image;
    };
    auto p_frame_bytes = [&](uint32_t kbps) {
        EncoderSettings s = settings(320, 240);
        s.bitrate_kbps = kbps;
        auto session = open(*x264, s);
        size_t bytes = 0;
        for (uint64_t i = 0; i < 60; ++i) {
            const AccessUnit unit = encode(*session, noisy(320, 240, uint32_t(i)), i + 1);
            if (i >= 30) bytes += unit.data.size();  // the second second, after the IDR's debt is paid
        }
        return bytes;
    };
    const size_t low = p_frame_bytes(200);
    const size_t high = p_frame_bytes(4000);
    INFO("200 kbps: " << low << " bytes/s, 4000 kbps: " << high << " bytes/s");
    CHECK(low <= 2 * 200 * 1000 / 8);  // within twice the budget of one second
    CHECK(high > 4 * low);
}
