// map_params turns a host config and its options JSON into oneVPL H.264 parameters, and refuses
// unknown or mistyped options naming the key and what is allowed.
#include <catch2/catch.hpp>
#include <string>
#include <variant>

#include "vpl_params.hpp"

using namespace scenehost::vpl;
using scenehost::sdk::EncoderConfig;

namespace {

EncoderConfig config(std::string_view options = "{}") {
    return {1920, 1080, 60, 8000, 120, SCENEHOST_PIXEL_FORMAT_NV12, options};
}

VplParams mapped(const EncoderConfig &c) {
    auto result = map_params(c);
    if (auto *why = std::get_if<std::string>(&result)) FAIL(*why);
    return std::get<VplParams>(result);
}

std::string refusal(const EncoderConfig &c) {
    auto result = map_params(c);
    REQUIRE(std::holds_alternative<std::string>(result));
    return std::get<std::string>(result);
}

}  // namespace

TEST_CASE("defaults give a low-latency H.264 stream from NV12 in system memory") {
    const VplParams p = mapped(config());
    const mfxInfoMFX &m = p.video.mfx;
    CHECK(m.CodecId == MFX_CODEC_AVC);
    CHECK(m.CodecProfile == MFX_PROFILE_AVC_HIGH);
    CHECK(m.TargetUsage == MFX_TARGETUSAGE_BEST_SPEED);
    CHECK(m.LowPower == MFX_CODINGOPTION_UNKNOWN);
    CHECK(m.RateControlMethod == MFX_RATECONTROL_CBR);
    CHECK(m.GopPicSize == 120);
    CHECK(m.GopRefDist == 1);
    CHECK(m.IdrInterval == 0);
    CHECK(p.video.AsyncDepth == 1);
    CHECK(p.video.IOPattern == MFX_IOPATTERN_IN_SYSTEM_MEMORY);
    CHECK(m.FrameInfo.FourCC == MFX_FOURCC_NV12);
    CHECK(m.FrameInfo.ChromaFormat == MFX_CHROMAFORMAT_YUV420);
    CHECK(m.FrameInfo.PicStruct == MFX_PICSTRUCT_PROGRESSIVE);
    CHECK(m.FrameInfo.FrameRateExtN == 60);
    CHECK(m.FrameInfo.FrameRateExtD == 1);
    CHECK(p.coding2.RepeatPPS == MFX_CODINGOPTION_ON);
    CHECK(p.coding.NalHrdConformance == MFX_CODINGOPTION_OFF);
}

TEST_CASE("an empty options string means the defaults") {
    CHECK(mapped(config("")).video.mfx.TargetUsage == MFX_TARGETUSAGE_BEST_SPEED);
}

TEST_CASE("the surface size is aligned up to 16 and the crop is the real size") {
    EncoderConfig c = config();
    c.width = 1918;
    c.height = 1080;
    const mfxFrameInfo &f = mapped(c).video.mfx.FrameInfo;
    CHECK(f.Width == 1920);
    CHECK(f.Height == 1088);
    CHECK(f.CropX == 0);
    CHECK(f.CropY == 0);
    CHECK(f.CropW == 1918);
    CHECK(f.CropH == 1080);
    c.width = 64;
    c.height = 16;
    CHECK(mapped(c).video.mfx.FrameInfo.Width == 64);
    CHECK(mapped(c).video.mfx.FrameInfo.Height == 16);
}

TEST_CASE("bit rates up to 65535 kbps fit the 16-bit fields with multiplier 1") {
    EncoderConfig c = config(R"({"rate_control":"cbr"})");
    c.bitrate_kbps = 65535;
    const VplParams p = mapped(c);
    CHECK(p.video.mfx.BRCParamMultiplier == 1);
    CHECK(p.video.mfx.TargetKbps == 65535);
    CHECK(p.video.mfx.MaxKbps == 65535);
    CHECK(p.target_kbps() == 65535);
}

TEST_CASE("bit rates above 65535 kbps use BRCParamMultiplier") {
    EncoderConfig c = config();
    c.bitrate_kbps = 1000000;
    const VplParams p = mapped(c);
    CHECK(p.video.mfx.BRCParamMultiplier == 16);
    CHECK(p.video.mfx.TargetKbps == 62500);
    CHECK(p.target_kbps() == 1000000);
    CHECK(p.max_kbps() == 1000000);
    c.bitrate_kbps = 65536;
    const VplParams q = mapped(c);
    CHECK(q.video.mfx.BRCParamMultiplier == 2);
    CHECK(q.target_kbps() == 65536);
}

TEST_CASE("vbr peaks at twice the target and sizes the multiplier for the peak") {
    EncoderConfig c = config(R"({"rate_control":"vbr"})");
    const VplParams p = mapped(c);
    CHECK(p.video.mfx.RateControlMethod == MFX_RATECONTROL_VBR);
    CHECK(p.target_kbps() == 8000);
    CHECK(p.max_kbps() == 16000);
    c.bitrate_kbps = 40000;  // peak 80000 needs multiplier 2
    const VplParams q = mapped(c);
    CHECK(q.video.mfx.BRCParamMultiplier == 2);
    CHECK(q.target_kbps() == 40000);
    CHECK(q.max_kbps() == 80000);
}

TEST_CASE("target_usage takes 1..7") {
    CHECK(mapped(config(R"({"target_usage":1})")).video.mfx.TargetUsage == 1);
    CHECK(mapped(config(R"({"target_usage":7})")).video.mfx.TargetUsage == 7);
    const std::string allowed = "must be an integer 1 (best quality) .. 7 (best speed)";
    CHECK(refusal(config(R"({"target_usage":0})")) == "vpl option 'target_usage' " + allowed + ", got 0");
    CHECK(refusal(config(R"({"target_usage":8})")) == "vpl option 'target_usage' " + allowed + ", got 8");
    CHECK(refusal(config(R"({"target_usage":4.5})")) == "vpl option 'target_usage' " + allowed + ", got 4.5E0");
}

TEST_CASE("profile names map to the AVC profiles") {
    CHECK(mapped(config(R"({"profile":"baseline"})")).video.mfx.CodecProfile == MFX_PROFILE_AVC_CONSTRAINED_BASELINE);
    CHECK(mapped(config(R"({"profile":"main"})")).video.mfx.CodecProfile == MFX_PROFILE_AVC_MAIN);
    CHECK(mapped(config(R"({"profile":"high"})")).video.mfx.CodecProfile == MFX_PROFILE_AVC_HIGH);
    CHECK(refusal(config(R"({"profile":"high10"})")) ==
          R"(vpl option 'profile' must be "baseline", "main" or "high", got "high10")");
}

TEST_CASE("low_power is a boolean") {
    CHECK(mapped(config(R"({"low_power":true})")).video.mfx.LowPower == MFX_CODINGOPTION_ON);
    CHECK(mapped(config(R"({"low_power":false})")).video.mfx.LowPower == MFX_CODINGOPTION_OFF);
    CHECK(refusal(config(R"({"low_power":"yes"})")) == R"(vpl option 'low_power' must be true or false, got "yes")");
}

TEST_CASE("unknown keys and wrong types are refused naming the key") {
    CHECK(refusal(config(R"({"preset":"veryfast"})")) ==
          "unknown vpl option 'preset' (allowed: target_usage, rate_control, low_power, profile)");
    CHECK(refusal(config(R"({"rate_control":1})")) == R"(vpl option 'rate_control' must be "cbr" or "vbr", got 1)");
    CHECK(refusal(config(R"({"rate_control":"cqp"})")) ==
          R"(vpl option 'rate_control' must be "cbr" or "vbr", got "cqp")");
    CHECK(refusal(config("[1]")) == "vpl options must be a JSON object, got [1]");
    CHECK_THAT(refusal(config("{")), Catch::StartsWith("vpl options are not valid JSON ("));
}

TEST_CASE("a keyframe interval beyond the 16-bit GopPicSize is refused") {
    EncoderConfig c = config();
    c.keyframe_interval = 65535;
    CHECK(mapped(c).video.mfx.GopPicSize == 65535);
    c.keyframe_interval = 65536;
    CHECK(refusal(c) ==
          "vpl takes a keyframe interval of at most 65535 frames (mfxInfoMFX.GopPicSize is 16-bit), got 65536");
}

TEST_CASE("copies point at their own extension buffers") {
    const VplParams a = mapped(config());
    VplParams b = a;
    REQUIRE(b.video.NumExtParam == 2);
    CHECK(b.video.ExtParam[0] == &b.coding.Header);
    CHECK(b.video.ExtParam[1] == &b.coding2.Header);
    CHECK(b.video.ExtParam[0]->BufferId == MFX_EXTBUFF_CODING_OPTION);
    CHECK(b.video.ExtParam[1]->BufferSz == sizeof(mfxExtCodingOption2));
    b = mapped(config(R"({"profile":"main"})"));
    CHECK(b.video.ExtParam[0] == &b.coding.Header);
}

TEST_CASE("changed_fields names what the runtime adjusted") {
    const VplParams asked = mapped(config());
    VplParams got = asked;
    CHECK(changed_fields(asked, got).empty());
    got.video.mfx.TargetUsage = 4;
    got.video.mfx.LowPower = MFX_CODINGOPTION_ON;
    CHECK(changed_fields(asked, got) == "TargetUsage 7 -> 4, LowPower 0 -> 16");
}
