// Maps a host EncoderConfig and its options JSON to oneVPL H.264 encode parameters; see vpl_params.hpp.
#include "vpl_params.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <optional>
#include <string_view>

#include "vpl_assert.hpp"

namespace scenehost::vpl {
namespace {

namespace json = boost::json;

// The options after checking, before mapping.
struct Options {
    uint16_t target_usage = MFX_TARGETUSAGE_BEST_SPEED;
    bool vbr = false;
    uint16_t low_power = MFX_CODINGOPTION_UNKNOWN;
    uint16_t profile = MFX_PROFILE_AVC_HIGH;
};

std::string option_error(std::string_view key, std::string_view allowed, const json::value &got) {
    return "vpl option '" + std::string(key) + "' must be " + std::string(allowed) + ", got " + json::serialize(got);
}

std::optional<std::string> parse_option(std::string_view key, const json::value &value, Options &options) {
    if (key == "target_usage") {
        const auto *i = value.if_int64();
        if (i == nullptr || *i < MFX_TARGETUSAGE_1 || *i > MFX_TARGETUSAGE_7) {
            return option_error(key, "an integer 1 (best quality) .. 7 (best speed)", value);
        }
        options.target_usage = static_cast<uint16_t>(*i);
    } else if (key == "rate_control") {
        const auto *s = value.if_string();
        if (s == nullptr || (*s != "cbr" && *s != "vbr")) return option_error(key, "\"cbr\" or \"vbr\"", value);
        options.vbr = *s == "vbr";
    } else if (key == "low_power") {
        const auto *b = value.if_bool();
        if (b == nullptr) return option_error(key, "true or false", value);
        options.low_power = *b ? MFX_CODINGOPTION_ON : MFX_CODINGOPTION_OFF;
    } else if (key == "profile") {
        const auto *s = value.if_string();
        if (s != nullptr && *s == "baseline") {
            options.profile = MFX_PROFILE_AVC_CONSTRAINED_BASELINE;
        } else if (s != nullptr && *s == "main") {
            options.profile = MFX_PROFILE_AVC_MAIN;
        } else if (s != nullptr && *s == "high") {
            options.profile = MFX_PROFILE_AVC_HIGH;
        } else {
            return option_error(key, "\"baseline\", \"main\" or \"high\"", value);
        }
    } else {
        return "unknown vpl option '" + std::string(key) + "' (allowed: " + kAllowedOptions + ")";
    }
    return std::nullopt;
}

std::variant<Options, std::string> parse_options(std::string_view text) {
    boost::system::error_code ec;
    const json::value root = json::parse(text, ec);
    if (ec) return "vpl options are not valid JSON (" + ec.message() + "): " + std::string(text);
    const json::object *object = root.if_object();
    if (object == nullptr) return "vpl options must be a JSON object, got " + json::serialize(root);
    Options options;
    for (const auto &[key, value] : *object) {
        if (auto error = parse_option(key, value, options)) return *error;
    }
    return options;
}

uint16_t divide_rounded(uint32_t kbps, uint32_t multiplier) {
    return static_cast<uint16_t>((kbps + multiplier / 2) / multiplier);
}

}  // namespace

VplParams::VplParams() { link(); }

VplParams::VplParams(const VplParams &other) : video(other.video), coding(other.coding), coding2(other.coding2) {
    link();
}

VplParams &VplParams::operator=(const VplParams &other) {
    video = other.video;
    coding = other.coding;
    coding2 = other.coding2;
    link();
    return *this;
}

void VplParams::link() {
    coding.Header = {MFX_EXTBUFF_CODING_OPTION, sizeof(coding)};
    coding2.Header = {MFX_EXTBUFF_CODING_OPTION2, sizeof(coding2)};
    ext_ = {&coding.Header, &coding2.Header};
    video.ExtParam = ext_.data();
    video.NumExtParam = static_cast<mfxU16>(ext_.size());
}

uint32_t VplParams::target_kbps() const {
    return uint32_t{video.mfx.TargetKbps} * std::max<uint32_t>(video.mfx.BRCParamMultiplier, 1);
}

uint32_t VplParams::max_kbps() const {
    return uint32_t{video.mfx.MaxKbps} * std::max<uint32_t>(video.mfx.BRCParamMultiplier, 1);
}

std::variant<VplParams, std::string> map_params(const sdk::EncoderConfig &config) {
    VPL_ASSERT(config.width >= 16 && config.width <= 8192 && config.width % 2 == 0 && config.height >= 16 &&
                   config.height <= 8192 && config.height % 2 == 0,
               "the host checks the size against encoder.h's bounds");
    VPL_ASSERT(config.fps >= 1 && config.fps <= 240 && config.bitrate_kbps >= 100 &&
                   config.bitrate_kbps <= 1000000 && config.keyframe_interval >= 1,
               "the host checks fps, bit rate and keyframe interval against encoder.h's bounds");
    auto parsed = parse_options(config.options_json.empty() ? std::string_view("{}") : config.options_json);
    if (auto *error = std::get_if<std::string>(&parsed)) return std::move(*error);
    const Options &options = std::get<Options>(parsed);
    if (config.keyframe_interval > kMaxKeyframeInterval) {
        return "vpl takes a keyframe interval of at most " + std::to_string(kMaxKeyframeInterval) +
               " frames (mfxInfoMFX.GopPicSize is 16-bit), got " + std::to_string(config.keyframe_interval);
    }

    VplParams p;
    mfxVideoParam &v = p.video;
    v.AsyncDepth = 1;  // one frame in flight: each EncodeFrameAsync gives its own output
    v.IOPattern = MFX_IOPATTERN_IN_SYSTEM_MEMORY;

    mfxInfoMFX &m = v.mfx;
    m.CodecId = MFX_CODEC_AVC;
    m.CodecProfile = options.profile;
    m.TargetUsage = options.target_usage;
    m.LowPower = options.low_power;
    m.GopPicSize = static_cast<mfxU16>(config.keyframe_interval);
    m.GopRefDist = 1;  // no B-frames: nothing waits for a later frame
    m.GopOptFlag = MFX_GOP_CLOSED | MFX_GOP_STRICT;
    m.IdrInterval = 0;  // every I-frame is an IDR
    m.NumRefFrame = 1;

    const uint32_t target_kbps = config.bitrate_kbps;
    const uint32_t max_kbps = options.vbr ? target_kbps * kVbrPeakFactor : target_kbps;
    const uint32_t multiplier = (max_kbps + 65534) / 65535;  // smallest that fits both in 16 bits
    m.RateControlMethod = options.vbr ? MFX_RATECONTROL_VBR : MFX_RATECONTROL_CBR;
    m.BRCParamMultiplier = static_cast<mfxU16>(multiplier);
    m.TargetKbps = divide_rounded(target_kbps, multiplier);
    m.MaxKbps = divide_rounded(max_kbps, multiplier);

    mfxFrameInfo &f = m.FrameInfo;
    f.FourCC = MFX_FOURCC_NV12;
    f.ChromaFormat = MFX_CHROMAFORMAT_YUV420;
    f.PicStruct = MFX_PICSTRUCT_PROGRESSIVE;
    f.Width = static_cast<mfxU16>(align16(config.width));
    f.Height = static_cast<mfxU16>(align16(config.height));
    f.CropX = 0;
    f.CropY = 0;
    f.CropW = static_cast<mfxU16>(config.width);
    f.CropH = static_cast<mfxU16>(config.height);
    f.FrameRateExtN = config.fps;
    f.FrameRateExtD = 1;

    p.coding.NalHrdConformance = MFX_CODINGOPTION_OFF;
    p.coding.VuiNalHrdParameters = MFX_CODINGOPTION_OFF;
    p.coding.PicTimingSEI = MFX_CODINGOPTION_OFF;
    p.coding.AUDelimiter = MFX_CODINGOPTION_OFF;
    p.coding2.RepeatPPS = MFX_CODINGOPTION_ON;
    return p;
}

std::string changed_fields(const VplParams &asked, const VplParams &got) {
    std::string out;
    const auto compare = [&out](const char *name, uint32_t a, uint32_t g) {
        if (a == g) return;
        out += (out.empty() ? "" : ", ") + std::string(name) + " " + std::to_string(a) + " -> " + std::to_string(g);
    };
    const mfxInfoMFX &a = asked.video.mfx;
    const mfxInfoMFX &g = got.video.mfx;
    compare("CodecProfile", a.CodecProfile, g.CodecProfile);
    compare("TargetUsage", a.TargetUsage, g.TargetUsage);
    compare("LowPower", a.LowPower, g.LowPower);
    compare("RateControlMethod", a.RateControlMethod, g.RateControlMethod);
    compare("TargetKbps", asked.target_kbps(), got.target_kbps());
    compare("MaxKbps", asked.max_kbps(), got.max_kbps());
    compare("GopPicSize", a.GopPicSize, g.GopPicSize);
    compare("GopRefDist", a.GopRefDist, g.GopRefDist);
    compare("IdrInterval", a.IdrInterval, g.IdrInterval);
    compare("NumRefFrame", a.NumRefFrame, g.NumRefFrame);
    compare("Width", a.FrameInfo.Width, g.FrameInfo.Width);
    compare("Height", a.FrameInfo.Height, g.FrameInfo.Height);
    compare("AsyncDepth", asked.video.AsyncDepth, got.video.AsyncDepth);
    compare("RepeatPPS", asked.coding2.RepeatPPS, got.coding2.RepeatPPS);
    return out;
}

}  // namespace scenehost::vpl
