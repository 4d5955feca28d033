// The "x264" encoder plugin: software H.264 through libx264, tuned for the pixel channel's low
// latency (zerolatency, no B-frames or lookahead, VBV-capped ABR) with SPS/PPS before every IDR.
#include <array>
#include <cstdarg>
#include <cstdio>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>
#include <x264.h>

#include "scenehost/sdk/encoder.hpp"
#include "x264_options.hpp"

namespace scenehost::encoders {

namespace {

// A broken invariant is a plugin bug: the export trampoline turns this into an abort naming us.
void require(bool condition, const char *why) {
    if (!condition) throw std::logic_error(why);
}

// Routes libx264's warnings and errors to the host log.
void log_to_host(void *context, int level, const char *format, va_list args) {
    std::array<char, 512> text{};
    std::vsnprintf(text.data(), text.size(), format, args);
    std::string message = "x264: " + std::string(text.data());
    if (!message.empty() && message.back() == '\n') message.pop_back();
    static_cast<const sdk::Host *>(context)->log(
        level <= X264_LOG_ERROR ? SCENEHOST_LOG_LEVEL_ERROR : SCENEHOST_LOG_LEVEL_WARN, message);
}

struct CloseEncoder {
    void operator()(x264_t *encoder) const { x264_encoder_close(encoder); }
};
using EncoderHandle = std::unique_ptr<x264_t, CloseEncoder>;

}  // namespace

// One libx264 encoder for one stream. Invariant: every encode yields exactly one access unit
// (no frame is held back), and the unit after create or reconfigure is an IDR.
class X264Encoder final : public sdk::Encoder {
public:
    static constexpr scenehost_codec kCodec = SCENEHOST_CODEC_H264;
    static constexpr std::array<scenehost_pixel_format, 1> kInputFormats = {SCENEHOST_PIXEL_FORMAT_I420};

    static std::optional<std::string> probe(const sdk::Host &host);
    static std::unique_ptr<X264Encoder> create(const sdk::Host &host, const sdk::EncoderConfig &config,
                                               std::string &why);

    explicit X264Encoder(const sdk::Host &host) : host_(host) {}
    bool reconfigure(const sdk::EncoderConfig &config, std::string &why) override;
    bool encode(const sdk::VideoFrame &frame, bool force_keyframe, const sdk::PacketSink &sink,
                std::string &why) override;

private:
    // Opens a libx264 encoder for config; on failure keeps the current one and returns false.
    bool open(const sdk::EncoderConfig &config, std::string &why);

    sdk::Host host_;  // LIFETIME: the host's table outlives every instance
    EncoderHandle encoder_;
    uint32_t width_ = 0;
    uint32_t height_ = 0;
};

bool X264Encoder::open(const sdk::EncoderConfig &config, std::string &why) {
    auto parsed = parse_x264_options(config.options_json);
    if (const std::string *error = std::get_if<std::string>(&parsed)) {
        why = *error;
        return false;
    }
    const X264Options &options = std::get<X264Options>(parsed);
    x264_param_t param;
    if (x264_param_default_preset(&param, options.preset.c_str(), options.tune_with_zerolatency().c_str()) < 0) {
        why = "x264 refused preset \"" + options.preset + "\" with tune \"" + options.tune_with_zerolatency() + "\"";
        return false;
    }
    param.i_width = int(config.width);
    param.i_height = int(config.height);
    param.i_csp = X264_CSP_I420;
    param.i_fps_num = config.fps;
    param.i_fps_den = 1;
    param.b_vfr_input = 0;  // rate control by fps; pts are the host's sequence numbers
    param.i_keyint_max = int(config.keyframe_interval);
    param.i_bframe = 0;
    param.rc.i_lookahead = 0;
    param.rc.b_mb_tree = 0;
    param.rc.i_rc_method = X264_RC_ABR;
    param.rc.i_bitrate = int(config.bitrate_kbps);
    param.rc.i_vbv_max_bitrate = int(config.bitrate_kbps);
    param.rc.i_vbv_buffer_size = int(config.bitrate_kbps / 2);  // half a second of data at most
    // The colour the host converts to (BT.601, limited range), written into the SPS's VUI: a
    // decoder told nothing assumes BT.709 (Chromium's WebCodecs does) and shows wrong colours.
    param.vui.b_fullrange = 0;
    param.vui.i_colorprim = 6;  // SMPTE 170M (BT.601 525)
    param.vui.i_transfer = 6;
    param.vui.i_colmatrix = 6;
    param.b_repeat_headers = 1;                                   // SPS and PPS before every IDR
    param.b_annexb = 1;
    param.i_log_level = X264_LOG_WARNING;
    param.pf_log = &log_to_host;
    param.p_log_private = &host_;
    if (x264_param_apply_profile(&param, options.profile.c_str()) < 0) {
        why = "x264 refused profile \"" + options.profile + "\" with these settings";
        return false;
    }
    EncoderHandle encoder(x264_encoder_open(&param));
    if (!encoder) {
        why = "x264_encoder_open failed for " + std::to_string(config.width) + "x" + std::to_string(config.height) +
              " at " + std::to_string(config.bitrate_kbps) + " kbps (see the host log for x264's reason)";
        return false;
    }
    encoder_ = std::move(encoder);
    width_ = config.width;
    height_ = config.height;
    return true;
}

std::unique_ptr<X264Encoder> X264Encoder::create(const sdk::Host &host, const sdk::EncoderConfig &config,
                                                 std::string &why) {
    require(config.input_format == SCENEHOST_PIXEL_FORMAT_I420, "the host passes only formats we declared");
    auto encoder = std::make_unique<X264Encoder>(host);
    if (!encoder->open(config, why)) return nullptr;
    return encoder;
}

bool X264Encoder::reconfigure(const sdk::EncoderConfig &config, std::string &why) {
    // A fresh encoder starts with an IDR, as the contract asks, and takes any size; opening one
    // costs milliseconds, so every reconfigure re-opens rather than patching with x264_encoder_reconfig.
    require(config.input_format == SCENEHOST_PIXEL_FORMAT_I420, "the host passes only formats we declared");
    return open(config, why);
}

bool X264Encoder::encode(const sdk::VideoFrame &frame, bool force_keyframe, const sdk::PacketSink &sink,
                         std::string &why) {
    require(frame.format() == SCENEHOST_PIXEL_FORMAT_I420 && frame.width() == width_ && frame.height() == height_,
            "the host passes frames of the configured format and size");
    x264_picture_t in;
    x264_picture_init(&in);
    in.img.i_csp = X264_CSP_I420;
    in.img.i_plane = 3;
    for (int i = 0; i < 3; ++i) {
        // x264 reads the input planes only; its API is not const-correct.
        in.img.plane[i] = const_cast<uint8_t *>(frame.plane(size_t(i)));
        in.img.i_stride[i] = int(frame.stride(size_t(i)));
    }
    in.i_pts = int64_t(frame.sequence());
    in.i_type = force_keyframe ? X264_TYPE_IDR : X264_TYPE_AUTO;
    x264_nal_t *nals = nullptr;
    int nal_count = 0;
    x264_picture_t out;
    const int size = x264_encoder_encode(encoder_.get(), &nals, &nal_count, &in, &out);
    if (size < 0) {
        why = "x264_encoder_encode failed on frame " + std::to_string(frame.sequence());
        return false;
    }
    require(size > 0 && nal_count > 0 && x264_encoder_delayed_frames(encoder_.get()) == 0,
            "zerolatency without B-frames or lookahead gives one access unit per frame, none delayed");
    require(!force_keyframe || out.i_type == X264_TYPE_IDR, "X264_TYPE_IDR makes an IDR");
    // x264 writes a frame's NAL units back to back, so the unit is one contiguous range.
    sink.packet(std::span<const uint8_t>(nals[0].p_payload, size_t(size)), out.i_type == X264_TYPE_IDR, frame);
    return true;
}

std::optional<std::string> X264Encoder::probe(const sdk::Host &host) {
    const sdk::EncoderConfig config{64, 64, 30, 500, 30, SCENEHOST_PIXEL_FORMAT_I420, "{}"};
    std::string why;
    const auto encoder = create(host, config, why);
    if (!encoder) return "x264 cannot open a 64x64 encoder: " + why;
    std::vector<uint8_t> pixels(64 * 64 * 3 / 2, 128);
    scenehost_video_frame_v1 raw{};
    raw.struct_size = sizeof raw;
    raw.format = SCENEHOST_PIXEL_FORMAT_I420;
    raw.width = raw.height = 64;
    raw.planes[0] = pixels.data();
    raw.planes[1] = pixels.data() + 64 * 64;
    raw.planes[2] = pixels.data() + 64 * 64 * 5 / 4;
    raw.strides[0] = 64;
    raw.strides[1] = raw.strides[2] = 32;
    size_t bytes = 0;
    const scenehost_packet_sink_v1 counter{sizeof counter, &bytes, [](void *context, const scenehost_access_unit_v1 *u) {
                                               *static_cast<size_t *>(context) += u->size;
                                           }};
    if (!encoder->encode(sdk::VideoFrame(&raw), true, sdk::PacketSink(&counter), why)) {
        return "x264 cannot encode a 64x64 frame: " + why;
    }
    return std::nullopt;
}

}  // namespace scenehost::encoders

SCENEHOST_EXPORT_ENCODER(scenehost::encoders::X264Encoder, "x264", "1.0.0");
