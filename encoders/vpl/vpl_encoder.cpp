// The "vpl" encoder plugin: H.264 on Intel QuickSync through libvpl's dispatcher, from NV12 frames
// in system memory, one access unit per frame (AsyncDepth 1, no B-frames, sync after each frame).
#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "scenehost/sdk/encoder.hpp"
#include "vpl_assert.hpp"
#include "vpl_params.hpp"
#include "vpl_session.hpp"

namespace scenehost::vpl {
namespace {

constexpr mfxU32 kSyncTimeoutMs = 5000;  // far beyond one frame's encode on any QuickSync GPU
constexpr int kBusyRetries = 1000;       // MFX_WRN_DEVICE_BUSY: wait up to ~1 s, 1 ms at a time
// An H.264 picture is at most its macroblocks as I_PCM (384 bytes each plus a few bits of header)
// and its SPS/PPS/SEI, whatever the rate control's buffer size says.
constexpr size_t kMaxBytesPerMacroblock = 400;
constexpr size_t kHeaderBytes = 64 * 1024;

constexpr uint8_t kNalSps = 7;
constexpr uint8_t kNalPps = 8;

// True when the Annex B byte stream holds a NAL unit of type nal_type.
bool has_nal(std::span<const uint8_t> stream, uint8_t nal_type) {
    for (size_t i = 0; i + 3 < stream.size(); ++i) {
        if (stream[i] == 0 && stream[i + 1] == 0 && stream[i + 2] == 1 && (stream[i + 3] & 0x1f) == nal_type) return true;
    }
    return false;
}

}  // namespace

// One H.264 stream. Invariant: while the object lives the encoder is initialised with params_,
// every surface is alloc_width_ x alloc_height_ (>= params_'s aligned size), and no frame is in
// flight between calls (encode syncs before it returns).
class VplEncoder final : public sdk::Encoder {
public:
    static constexpr scenehost_codec kCodec = SCENEHOST_CODEC_H264;
    static constexpr std::array<scenehost_pixel_format, 1> kInputFormats = {SCENEHOST_PIXEL_FORMAT_NV12};

    static std::optional<std::string> probe(const sdk::Host &host);
    static std::unique_ptr<VplEncoder> create(const sdk::Host &host, const sdk::EncoderConfig &config, std::string &why);

    ~VplEncoder() override {
        // Teardown has no one to report to; MFXClose (in ~VplSession) releases whatever is left.
        (void)MFXVideoENCODE_Close(session_->session());
    }

    bool reconfigure(const sdk::EncoderConfig &config, std::string &why) override;
    bool encode(const sdk::VideoFrame &frame, bool force_keyframe, const sdk::PacketSink &sink, std::string &why) override;

private:
    VplEncoder(const sdk::Host &host, std::unique_ptr<VplSession> session) : host_(host), session_(std::move(session)) {}

    // Query, QueryIOSurf, Init and allocation for params; on failure the instance is unusable.
    bool start(const VplParams &params, std::string &why);
    // Takes the parameters the runtime really uses after call and sizes the bitstream buffer for them.
    bool adopt_actual_params(const char *call, const VplParams &asked, std::string &why);
    void log_changes(const char *call, const VplParams &asked, const VplParams &got) const;

    sdk::Host host_;
    std::unique_ptr<VplSession> session_;
    VplParams params_;
    uint32_t config_width_ = 0, config_height_ = 0;
    uint32_t alloc_width_ = 0, alloc_height_ = 0, pitch_ = 0;
    std::vector<uint8_t> surface_memory_;
    std::vector<mfxFrameSurface1> surfaces_;
    std::vector<uint8_t> bitstream_memory_;
    mfxBitstream bitstream_{};
    bool idr_pending_ = true;
};

void VplEncoder::log_changes(const char *call, const VplParams &asked, const VplParams &got) const {
    const std::string changes = changed_fields(asked, got);
    if (!changes.empty()) host_.log(SCENEHOST_LOG_LEVEL_WARN, std::string(call) + " adjusted the parameters: " + changes);
}

bool VplEncoder::start(const VplParams &params, std::string &why) {
    const mfxSession s = session_->session();
    VplParams asked = params, queried = params;  // Query wants a mutable input
    mfxStatus status = MFXVideoENCODE_Query(s, &asked.video, &queried.video);
    if (status < MFX_ERR_NONE) {
        why = call_failed("MFXVideoENCODE_Query", status) + " for " + std::to_string(params.video.mfx.FrameInfo.CropW) +
              "x" + std::to_string(params.video.mfx.FrameInfo.CropH) + " H.264";
        return false;
    }
    log_changes("MFXVideoENCODE_Query", params, queried);

    mfxFrameAllocRequest request{};
    status = MFXVideoENCODE_QueryIOSurf(s, &queried.video, &request);
    if (status < MFX_ERR_NONE) {
        why = call_failed("MFXVideoENCODE_QueryIOSurf", status);
        return false;
    }
    if (status > MFX_ERR_NONE) host_.log(SCENEHOST_LOG_LEVEL_WARN, "MFXVideoENCODE_QueryIOSurf: " + status_text(status));
    status = MFXVideoENCODE_Init(s, &queried.video);
    if (status < MFX_ERR_NONE) {
        why = call_failed("MFXVideoENCODE_Init", status);
        return false;
    }
    if (status > MFX_ERR_NONE) host_.log(SCENEHOST_LOG_LEVEL_WARN, "MFXVideoENCODE_Init: " + status_text(status));

    const mfxFrameInfo &info = queried.video.mfx.FrameInfo;
    alloc_width_ = info.Width;
    alloc_height_ = info.Height;
    pitch_ = (alloc_width_ + 63u) & ~63u;  // rows on cache lines for the runtime's upload copy
    const size_t surface_bytes = size_t{pitch_} * alloc_height_ * 3 / 2;
    const size_t count = std::max<size_t>(request.NumFrameSuggested, 1);
    surface_memory_.assign(surface_bytes * count, 0);
    surfaces_.assign(count, mfxFrameSurface1{});
    for (size_t i = 0; i < count; ++i) {
        mfxFrameSurface1 &surface = surfaces_[i];
        surface.Info = info;
        surface.Data.Y = surface_memory_.data() + i * surface_bytes;
        surface.Data.UV = surface.Data.Y + size_t{pitch_} * alloc_height_;
        surface.Data.Pitch = static_cast<mfxU16>(pitch_);
    }
    return adopt_actual_params("MFXVideoENCODE_Init", queried, why);
}

bool VplEncoder::adopt_actual_params(const char *call, const VplParams &asked, std::string &why) {
    VplParams actual = asked;
    const mfxStatus status = MFXVideoENCODE_GetVideoParam(session_->session(), &actual.video);
    if (status != MFX_ERR_NONE) {
        why = call_failed("MFXVideoENCODE_GetVideoParam", status);
        return false;
    }
    log_changes(call, asked, actual);
    params_ = actual;
    const mfxInfoMFX &m = params_.video.mfx;
    const size_t macroblocks = size_t{m.FrameInfo.Width / 16u} * (m.FrameInfo.Height / 16u);
    const size_t buffer_bytes = size_t{m.BufferSizeInKB} * std::max<size_t>(m.BRCParamMultiplier, 1) * 1000;
    bitstream_memory_.assign(std::max(buffer_bytes, macroblocks * kMaxBytesPerMacroblock + kHeaderBytes), 0);
    bitstream_ = mfxBitstream{};
    bitstream_.Data = bitstream_memory_.data();
    bitstream_.MaxLength = static_cast<mfxU32>(bitstream_memory_.size());
    for (mfxFrameSurface1 &surface : surfaces_) surface.Info = m.FrameInfo;
    idr_pending_ = true;
    return true;
}

std::unique_ptr<VplEncoder> VplEncoder::create(const sdk::Host &host, const sdk::EncoderConfig &config, std::string &why) {
    VPL_ASSERT(config.input_format == SCENEHOST_PIXEL_FORMAT_NV12, "the host asks only for a declared input format");
    auto params = map_params(config);
    if (auto *error = std::get_if<std::string>(&params)) {
        why = std::move(*error);
        return nullptr;
    }
    auto session = VplSession::open();
    if (auto *error = std::get_if<std::string>(&session)) {
        why = std::move(*error);
        return nullptr;
    }
    std::unique_ptr<VplEncoder> encoder(new VplEncoder(host, std::move(std::get<0>(session))));
    if (!encoder->start(std::get<VplParams>(params), why)) return nullptr;
    encoder->config_width_ = config.width;
    encoder->config_height_ = config.height;
    return encoder;
}

bool VplEncoder::reconfigure(const sdk::EncoderConfig &config, std::string &why) {
    VPL_ASSERT(config.input_format == SCENEHOST_PIXEL_FORMAT_NV12, "the host asks only for a declared input format");
    auto mapped = map_params(config);
    if (auto *error = std::get_if<std::string>(&mapped)) {
        why = std::move(*error);
        return false;
    }
    VplParams &params = std::get<VplParams>(mapped);
    const mfxSession s = session_->session();
    const bool fits = params.video.mfx.FrameInfo.Width <= alloc_width_ && params.video.mfx.FrameInfo.Height <= alloc_height_;
    mfxStatus status = MFX_ERR_INCOMPATIBLE_VIDEO_PARAM;
    if (fits) status = MFXVideoENCODE_Reset(s, &params.video);
    if (status >= MFX_ERR_NONE) {
        if (status > MFX_ERR_NONE) host_.log(SCENEHOST_LOG_LEVEL_WARN, "MFXVideoENCODE_Reset: " + status_text(status));
        if (!adopt_actual_params("MFXVideoENCODE_Reset", params, why)) return false;
    } else if (status == MFX_ERR_INCOMPATIBLE_VIDEO_PARAM) {
        // A larger size, or a change Reset cannot make (profile, low power): the documented way
        // is to close and initialise anew.
        status = MFXVideoENCODE_Close(s);
        if (status != MFX_ERR_NONE) {
            why = call_failed("MFXVideoENCODE_Close", status);
            return false;
        }
        if (!start(params, why)) return false;
    } else {
        why = call_failed("MFXVideoENCODE_Reset", status);
        return false;
    }
    config_width_ = config.width;
    config_height_ = config.height;
    return true;
}

bool VplEncoder::encode(const sdk::VideoFrame &frame, bool force_keyframe, const sdk::PacketSink &sink, std::string &why) {
    VPL_ASSERT(frame.format() == SCENEHOST_PIXEL_FORMAT_NV12 && frame.width() == config_width_ &&
                   frame.height() == config_height_,
               "the host hands frames in the configured format and size");
    const auto free_surface = std::find_if(surfaces_.begin(), surfaces_.end(),
                                           [](const mfxFrameSurface1 &s) { return s.Data.Locked == 0; });
    if (free_surface == surfaces_.end()) {
        why = "all " + std::to_string(surfaces_.size()) + " input surfaces are still locked by the encoder";
        return false;
    }
    mfxFrameSurface1 &surface = *free_surface;
    for (uint32_t row = 0; row < frame.height(); ++row) {
        std::memcpy(surface.Data.Y + size_t{row} * pitch_, frame.plane(0) + size_t{row} * frame.stride(0), frame.width());
    }
    for (uint32_t row = 0; row < frame.height() / 2; ++row) {
        std::memcpy(surface.Data.UV + size_t{row} * pitch_, frame.plane(1) + size_t{row} * frame.stride(1), frame.width());
    }
    surface.Data.TimeStamp = static_cast<mfxU64>(frame.pts_us()) * 9 / 100;  // microseconds to 90 kHz
    surface.Data.FrameOrder = static_cast<mfxU32>(frame.sequence());

    mfxEncodeCtrl control{};
    const bool want_idr = force_keyframe || idr_pending_;
    if (want_idr) control.FrameType = MFX_FRAMETYPE_I | MFX_FRAMETYPE_REF | MFX_FRAMETYPE_IDR;

    const mfxSession s = session_->session();
    mfxSyncPoint sync = nullptr;
    mfxStatus status = MFX_WRN_DEVICE_BUSY;
    for (int attempt = 0; status == MFX_WRN_DEVICE_BUSY && attempt < kBusyRetries; ++attempt) {
        if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        status = MFXVideoENCODE_EncodeFrameAsync(s, want_idr ? &control : nullptr, &surface, &bitstream_, &sync);
    }
    if (status == MFX_ERR_MORE_DATA) {
        why = "MFXVideoENCODE_EncodeFrameAsync held frame " + std::to_string(frame.sequence()) + " back (" +
              status_text(status) + ") although AsyncDepth=1 and GopRefDist=1 promise one output per frame";
        return false;
    }
    if (status < MFX_ERR_NONE || sync == nullptr) {
        why = call_failed("MFXVideoENCODE_EncodeFrameAsync", status) + " on frame " + std::to_string(frame.sequence());
        return false;
    }
    status = MFXVideoCORE_SyncOperation(s, sync, kSyncTimeoutMs);
    if (status != MFX_ERR_NONE) {
        why = call_failed("MFXVideoCORE_SyncOperation", status) + " on frame " + std::to_string(frame.sequence());
        return false;
    }

    const std::span<const uint8_t> unit(bitstream_.Data + bitstream_.DataOffset, bitstream_.DataLength);
    const bool keyframe = (bitstream_.FrameType & MFX_FRAMETYPE_IDR) != 0;
    bitstream_.DataOffset = 0;
    bitstream_.DataLength = 0;
    if (unit.empty()) {
        why = "the encoder gave an empty bitstream for frame " + std::to_string(frame.sequence());
        return false;
    }
    if (want_idr && !keyframe) {
        why = "asked for an IDR on frame " + std::to_string(frame.sequence()) + ", got frame type " +
              std::to_string(bitstream_.FrameType);
        return false;
    }
    if (keyframe && !(has_nal(unit, kNalSps) && has_nal(unit, kNalPps))) {
        why = "the IDR of frame " + std::to_string(frame.sequence()) + " lacks an SPS or a PPS (encoder.h wants both "
              "in front of every IDR)";
        return false;
    }
    sink.packet(unit, keyframe, frame);
    idr_pending_ = false;
    return true;
}

std::optional<std::string> VplEncoder::probe(const sdk::Host &host) {
    constexpr uint32_t kSide = 64;
    const sdk::EncoderConfig config{kSide, kSide, 30, 1000, 30, SCENEHOST_PIXEL_FORMAT_NV12, "{}"};
    std::string why;
    const std::unique_ptr<VplEncoder> encoder = create(host, config, why);
    if (!encoder) return why;

    const std::vector<uint8_t> luma(kSide * kSide, 128), chroma(kSide * kSide / 2, 128);
    const scenehost_video_frame_v1 c_frame{sizeof(scenehost_video_frame_v1), SCENEHOST_PIXEL_FORMAT_NV12, kSide, kSide,
                                           {luma.data(), chroma.data(), nullptr, nullptr}, {kSide, kSide, 0, 0}, 0, 0};
    size_t units = 0;
    bool keyframe = false;
    struct Seen {
        size_t *units;
        bool *keyframe;
    } seen{&units, &keyframe};
    const scenehost_packet_sink_v1 c_sink{sizeof(scenehost_packet_sink_v1), &seen,
                                          [](void *context, const scenehost_access_unit_v1 *unit) {
                                              auto *s = static_cast<Seen *>(context);
                                              ++*s->units;
                                              *s->keyframe = unit->keyframe != 0;
                                          }};
    if (!encoder->encode(sdk::VideoFrame(&c_frame), true, sdk::PacketSink(&c_sink), why)) {
        return "the oneVPL H.264 encoder opened but failed a 64x64 test frame: " + why;
    }
    VPL_ASSERT(units == 1 && keyframe, "encode hands exactly one unit, an IDR when forced");
    return std::nullopt;
}

}  // namespace scenehost::vpl

SCENEHOST_EXPORT_ENCODER(scenehost::vpl::VplEncoder, "vpl", "1.0.0");
