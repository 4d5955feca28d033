// Header-only C++ layer over encoder.h, compiled into each encoder plugin: an Encoder base
// class, thin views over the C structs, and SCENEHOST_EXPORT_ENCODER, which writes the
// manifest, the function table and the noexcept trampolines that are the only exception barrier.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "scenehost/sdk/encoder.h"
#include "scenehost/sdk/plugin.hpp"
#include "scenehost/sdk/types.h"

namespace scenehost::sdk {

// What the host asks of a stream (see scenehost_encoder_config_v1); the host has checked it.
struct EncoderConfig {
    uint32_t width = 0, height = 0, fps = 0, bitrate_kbps = 0, keyframe_interval = 0;
    scenehost_pixel_format input_format = SCENEHOST_PIXEL_FORMAT_INVALID;
    std::string_view options_json;  // lives until the call returns

    static EncoderConfig from(const scenehost_encoder_config_v1 &c) {
        return {c.width, c.height, c.fps, c.bitrate_kbps, c.keyframe_interval, c.input_format, to_std(c.options_json)};
    }
};

// A frame to encode; its planes live until encode returns.
class VideoFrame {
public:
    explicit VideoFrame(const scenehost_video_frame_v1 *frame) : frame_(frame) {}
    scenehost_pixel_format format() const { return frame_->format; }
    uint32_t width() const { return frame_->width; }
    uint32_t height() const { return frame_->height; }
    const uint8_t *plane(size_t i) const { return frame_->planes[i]; }
    uint32_t stride(size_t i) const { return frame_->strides[i]; }
    int64_t pts_us() const { return frame_->pts_us; }
    uint64_t sequence() const { return frame_->sequence; }

private:
    const scenehost_video_frame_v1 *frame_;
};

// Where encode hands its one access unit.
class PacketSink {
public:
    explicit PacketSink(const scenehost_packet_sink_v1 *sink) : sink_(sink) {}
    void packet(std::span<const uint8_t> data, bool keyframe, const VideoFrame &frame) const {
        const scenehost_access_unit_v1 unit{sizeof(scenehost_access_unit_v1), data.data(), data.size(),
                                            keyframe ? 1 : 0, frame.pts_us(), frame.sequence()};
        sink_->packet(sink_->context, &unit);
    }

private:
    const scenehost_packet_sink_v1 *sink_;
};

// Base of every encoder. A subclass also provides
//   static constexpr scenehost_codec kCodec;
//   static constexpr std::array<scenehost_pixel_format, N> kInputFormats;   preferred first
//   static std::optional<std::string> probe(const Host &);                 nullopt: can run; else why not
//   static std::unique_ptr<Subclass> create(const Host &, const EncoderConfig &, std::string &why);
// Failures are returned (false / nullptr with `why` set), never thrown. The host never calls one
// instance from two threads at once (see the THREADING notes in encoder.h).
class Encoder {
public:
    virtual ~Encoder() = default;
    // Applies a new config; the next frame is an IDR.
    virtual bool reconfigure(const EncoderConfig &config, std::string &why) = 0;
    // Encodes frame and calls sink.packet exactly once before returning.
    virtual bool encode(const VideoFrame &frame, bool force_keyframe, const PacketSink &sink, std::string &why) = 0;
};

namespace detail {

inline void put(const scenehost_text_sink_v1 *sink, const std::string &text) {
    sink->put(sink->context, to_c(text));
}

template <class E>
int probe(const scenehost_host_v1 *host, const scenehost_text_sink_v1 *why) noexcept {
    return barrier("probe", [&] {
        const std::optional<std::string> reason = E::probe(Host(host));
        if (!reason) return 1;
        put(why, *reason);
        return 0;
    });
}

template <class E>
void *create(const scenehost_host_v1 *host, const scenehost_encoder_config_v1 *config,
             const scenehost_text_sink_v1 *why) noexcept {
    return barrier("create", [&]() -> void * {
        std::string reason;
        std::unique_ptr<E> encoder = E::create(Host(host), EncoderConfig::from(*config), reason);
        if (!encoder) put(why, reason);
        return encoder.release();
    });
}

template <class E>
void destroy(void *instance) noexcept {
    delete static_cast<E *>(instance);
}

template <class E>
int reconfigure(void *instance, const scenehost_encoder_config_v1 *config, const scenehost_text_sink_v1 *why) noexcept {
    return barrier("reconfigure", [&] {
        std::string reason;
        if (static_cast<E *>(instance)->reconfigure(EncoderConfig::from(*config), reason)) return 1;
        put(why, reason);
        return 0;
    });
}

template <class E>
int encode(void *instance, const scenehost_video_frame_v1 *frame, int force_keyframe,
           const scenehost_packet_sink_v1 *sink, const scenehost_text_sink_v1 *why) noexcept {
    return barrier("encode", [&] {
        std::string reason;
        if (static_cast<E *>(instance)->encode(VideoFrame(frame), force_keyframe != 0, PacketSink(sink), reason)) return 1;
        put(why, reason);
        return 0;
    });
}

template <class E>
const scenehost_encoder_v1 *encoder_table() noexcept {
    static const scenehost_encoder_v1 table = {
        sizeof(scenehost_encoder_v1), 0, E::kCodec, E::kInputFormats.data(), E::kInputFormats.size(),
        &probe<E>, &create<E>, &destroy<E>, &reconfigure<E>, &encode<E>,
    };
    return &table;
}

}  // namespace detail
}  // namespace scenehost::sdk

// Exports EncoderClass as this library's encoder plugin named plugin_name. Use once per plugin.
#define SCENEHOST_EXPORT_ENCODER(EncoderClass, plugin_name, plugin_version)                        \
    SCENEHOST_DETAIL_DEFINE_MANIFEST(SCENEHOST_PLUGIN_KIND_ENCODER, plugin_name, plugin_version);  \
    extern "C" SCENEHOST_EXPORT const scenehost_encoder_v1 *scenehost_encoder_entry_v1(void) {     \
        return ::scenehost::sdk::detail::encoder_table<EncoderClass>();                            \
    }
