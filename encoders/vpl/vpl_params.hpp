// The vpl encoder's parameter mapping: a host EncoderConfig plus its options JSON becomes the
// oneVPL mfxVideoParam for a low-latency H.264 stream from NV12 system-memory frames. Pure:
// no session, no device; the encoder (vpl_encoder.cpp) hands the result to Query/Init/Reset.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <variant>

#include <vpl/mfxstructures.h>

#include "scenehost/sdk/encoder.hpp"

namespace scenehost::vpl {

// Every mfxVideoParam field here is 16-bit; a host keyframe interval above this is refused.
inline constexpr uint32_t kMaxKeyframeInterval = 65535;
// VBR peak rate, as a multiple of the target rate.
inline constexpr uint32_t kVbrPeakFactor = 2;

// An mfxVideoParam with the extension buffers it points at. Invariant: video.ExtParam points at
// this object's own ext_ array (copies re-point), so handing &video to oneVPL is always safe.
struct VplParams {
    mfxVideoParam video{};
    // The SDK's H.264 knobs: NAL HRD, picture timing SEI and AUD off (live stream, no HRD buffer model).
    mfxExtCodingOption coding{};
    // RepeatPPS on. oneVPL has no SPS-repeat knob: its H.264 encoders write SPS and PPS in front of
    // every IDR themselves; the encoder checks each IDR unit for both instead of trusting that.
    mfxExtCodingOption2 coding2{};

    VplParams();
    VplParams(const VplParams &other);
    VplParams &operator=(const VplParams &other);

    // The bit rates in kbps, with BRCParamMultiplier applied.
    uint32_t target_kbps() const;
    uint32_t max_kbps() const;

private:
    void link();
    std::array<mfxExtBuffer *, 2> ext_{};
};

// The options the plugin accepts in options_json, for error texts and docs:
//   "target_usage": integer 1 (best quality) .. 7 (best speed); default 7
//   "rate_control": "cbr" | "vbr"; default "cbr" (vbr peaks at kVbrPeakFactor x the target)
//   "low_power":    true | false; default: left to the runtime (VDEnc where it is the only engine)
//   "profile":      "baseline" (constrained baseline) | "main" | "high"; default "high"
inline constexpr const char *kAllowedOptions = "target_usage, rate_control, low_power, profile";

// Maps config (already checked by the host against encoder.h's bounds) to parameters, or says
// which option or value the plugin refuses and what is allowed.
std::variant<VplParams, std::string> map_params(const sdk::EncoderConfig &config);

// The fields the plugin sets that differ between asked and got (what Query or GetVideoParam
// changed), as "TargetUsage 7 -> 4, LowPower 16 -> 32"; "" when none differ.
std::string changed_fields(const VplParams &asked, const VplParams &got);

// n rounded up to a multiple of 16, the macroblock size oneVPL wants for surface dimensions.
constexpr uint32_t align16(uint32_t n) { return (n + 15u) & ~15u; }

}  // namespace scenehost::vpl
