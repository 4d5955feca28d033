// The C boundary of encoders: builds the host's sinks, calls the plugin and checks what it
// hands back against encoder.h.
#include "plugin/encoder_plugin.hpp"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <type_traits>
#include <fmt/format.h>

#include "base/assert.hpp"

namespace scenehost::plugin {
namespace {

constexpr size_t kTableRequiredBytes = offsetof(scenehost_encoder_v1, encode) + sizeof(scenehost_encoder_v1::encode);

// Collects the text a plugin puts into a why-sink.
struct TextCollector {
    std::string text;
    scenehost_text_sink_v1 sink() {
        return {sizeof(scenehost_text_sink_v1), this, [](void *c, scenehost_string_view t) {
                    static_cast<TextCollector *>(c)->text.assign(t.data == nullptr ? "" : t.data, t.size);
                }};
    }
    // The plugin's reason, or a plain statement that it gave none.
    std::string reason(std::string_view call) const {
        return text.empty() ? fmt::format("{} failed and the plugin gave no reason", call) : text;
    }
};

scenehost_encoder_config_v1 to_c(const EncoderSettings &s) {
    return {sizeof(scenehost_encoder_config_v1),
            s.width,
            s.height,
            s.fps,
            s.bitrate_kbps,
            s.keyframe_interval,
            s.input_format,
            {s.options_json.data(), s.options_json.size()}};
}

// The integer a plugin put into an enum field, read as an integer: a value outside the enum is
// outside input here, and loading it as the enum type would be undefined behaviour.
template <class Enum>
std::underlying_type_t<Enum> raw_value(const Enum &field) {
    std::underlying_type_t<Enum> raw;
    std::memcpy(&raw, &field, sizeof raw);
    return raw;
}

}  // namespace

std::string settings_violation(const EncoderSettings &s) {
    auto outside = [](uint32_t v, uint32_t lo, uint32_t hi) { return v < lo || v > hi; };
    if (outside(s.width, 16, 8192) || s.width % 2 != 0 || outside(s.height, 16, 8192) || s.height % 2 != 0) {
        return fmt::format("frame size {}x{}: width and height must be even and within 16..8192", s.width, s.height);
    }
    if (outside(s.fps, 1, 240)) return fmt::format("fps {} is outside 1..240", s.fps);
    if (outside(s.bitrate_kbps, 100, 1000000)) return fmt::format("bitrate {} kbps is outside 100..1000000", s.bitrate_kbps);
    if (outside(s.keyframe_interval, 1, 100000)) {
        return fmt::format("keyframe interval {} is outside 1..100000 frames", s.keyframe_interval);
    }
    return {};
}

std::string_view codec_name(scenehost_codec codec) {
    switch (codec) {
        case SCENEHOST_CODEC_H264: return "h264";
        case SCENEHOST_CODEC_INVALID: break;
    }
    return "invalid";
}

std::string_view pixel_format_name(scenehost_pixel_format format) {
    switch (format) {
        case SCENEHOST_PIXEL_FORMAT_I420: return "i420";
        case SCENEHOST_PIXEL_FORMAT_NV12: return "nv12";
        case SCENEHOST_PIXEL_FORMAT_INVALID: break;
    }
    return "invalid";
}

EncoderPlugin::EncoderPlugin(const PluginLibrary &library, const scenehost_encoder_v1 *table)
    : keep_alive_(library.keep_alive()),
      info_(library.info()),
      table_(table),
      host_(std::make_unique<HostServices>(library.info().name)) {}

std::variant<std::unique_ptr<EncoderPlugin>, std::string> EncoderPlugin::create(const PluginLibrary &library) {
    void *entry_address = library.symbol(SCENEHOST_ENCODER_ENTRY_SYMBOL_V1);
    if (entry_address == nullptr) {
        return fmt::format("does not export the symbol '{}'", SCENEHOST_ENCODER_ENTRY_SYMBOL_V1);
    }
    const scenehost_encoder_v1 *table = reinterpret_cast<scenehost_encoder_entry_v1_fn>(entry_address)();
    if (table == nullptr) {
        return fmt::format("{} returned NULL", SCENEHOST_ENCODER_ENTRY_SYMBOL_V1);
    }
    if (table->struct_size < kTableRequiredBytes) {
        return fmt::format("encoder table struct_size {} is smaller than the {} bytes SDK 1.x requires",
                           table->struct_size, kTableRequiredBytes);
    }
    if (std::string why = unknown_capability_reason("encoder", table->capabilities, SCENEHOST_ENCODER_CAPS_KNOWN);
        !why.empty()) {
        return why;
    }
    if (const auto codec = raw_value(table->codec); codec != SCENEHOST_CODEC_H264) {
        return fmt::format("encoder table codec {} is not one this host streams (h264 = {})", codec,
                           int(SCENEHOST_CODEC_H264));
    }
    if (table->input_formats == nullptr || table->input_format_count == 0) {
        return std::string("encoder table lacks the required field 'input_formats'");
    }
    for (size_t i = 0; i < table->input_format_count; ++i) {
        const auto f = raw_value(table->input_formats[i]);
        if (f != SCENEHOST_PIXEL_FORMAT_I420 && f != SCENEHOST_PIXEL_FORMAT_NV12) {
            return fmt::format("encoder input format {} is not one this host converts to (i420, nv12)", f);
        }
    }
    const std::pair<const char *, bool> required[] = {
        {"probe", table->probe != nullptr},   {"create", table->create != nullptr},
        {"destroy", table->destroy != nullptr}, {"reconfigure", table->reconfigure != nullptr},
        {"encode", table->encode != nullptr},
    };
    for (const auto &[field, present] : required) {
        if (!present) return fmt::format("encoder table lacks the required field '{}'", field);
    }
    return std::unique_ptr<EncoderPlugin>(new EncoderPlugin(library, table));
}

std::optional<std::string> EncoderPlugin::probe() const {
    TextCollector why;
    const scenehost_text_sink_v1 sink = why.sink();
    if (table_->probe(host_->table(), &sink) == 1) return std::nullopt;
    return why.reason("probe");
}

std::variant<std::unique_ptr<EncoderSession>, std::string> EncoderPlugin::open(const EncoderSettings &settings) const {
    SCENEHOST_ASSERT(settings_violation(settings).empty(), "callers validate encoder settings: " + settings_violation(settings));
    SCENEHOST_ASSERT(std::ranges::find(input_formats(), settings.input_format) != input_formats().end(),
                     "the input format is one the encoder takes");
    TextCollector why;
    const scenehost_text_sink_v1 sink = why.sink();
    const scenehost_encoder_config_v1 config = to_c(settings);
    void *instance = table_->create(host_->table(), &config, &sink);
    if (instance == nullptr) return why.reason("create");
    return std::unique_ptr<EncoderSession>(new EncoderSession(*this, instance, settings));
}

EncoderSession::EncoderSession(const EncoderPlugin &plugin, void *instance, EncoderSettings settings)
    : plugin_(plugin), instance_(instance), settings_(std::move(settings)) {}

EncoderSession::~EncoderSession() { plugin_.table_->destroy(instance_); }

std::variant<AccessUnit, std::string> EncoderSession::encode(const scenehost_video_frame_v1 &frame, bool force_keyframe) {
    SCENEHOST_ASSERT(frame.format == settings_.input_format && frame.width == settings_.width &&
                         frame.height == settings_.height,
                     "frames match the session's settings");
    struct Packets {
        const EncoderSession *session;
        const scenehost_video_frame_v1 *frame;
        int count = 0;
        AccessUnit unit;
    } packets{this, &frame, 0, {}};
    const scenehost_packet_sink_v1 sink{sizeof(scenehost_packet_sink_v1), &packets,
                                        [](void *c, const scenehost_access_unit_v1 *u) {
                                            auto &p = *static_cast<Packets *>(c);
                                            const std::string plugin = p.session->plugin_.info_.name;
                                            SCENEHOST_ASSERT(++p.count == 1, "encoder plugin '" + plugin +
                                                                                 "' hands over one access unit per frame");
                                            SCENEHOST_ASSERT(u->data != nullptr && u->size > 0,
                                                             "encoder plugin '" + plugin + "' hands over a non-empty unit");
                                            SCENEHOST_ASSERT(u->sequence == p.frame->sequence && u->pts_us == p.frame->pts_us,
                                                             "encoder plugin '" + plugin + "' keeps the frame's sequence and pts");
                                            p.unit = {std::vector<uint8_t>(u->data, u->data + u->size), u->keyframe != 0,
                                                      u->pts_us, u->sequence};
                                        }};
    TextCollector why;
    const scenehost_text_sink_v1 why_sink = why.sink();
    if (plugin_.table_->encode(instance_, &frame, force_keyframe ? 1 : 0, &sink, &why_sink) != 1) {
        return why.reason("encode");
    }
    SCENEHOST_ASSERT(packets.count == 1, "encoder plugin '" + plugin_.info_.name + "' hands over one access unit per frame");
    SCENEHOST_ASSERT(!force_keyframe || packets.unit.keyframe,
                     "encoder plugin '" + plugin_.info_.name + "' makes a forced keyframe an IDR");
    return std::move(packets.unit);
}

std::optional<std::string> EncoderSession::reconfigure(const EncoderSettings &settings) {
    SCENEHOST_ASSERT(settings_violation(settings).empty(), "callers validate encoder settings: " + settings_violation(settings));
    SCENEHOST_ASSERT(settings.input_format == settings_.input_format, "reconfiguring keeps the input format");
    TextCollector why;
    const scenehost_text_sink_v1 sink = why.sink();
    const scenehost_encoder_config_v1 config = to_c(settings);
    if (plugin_.table_->reconfigure(instance_, &config, &sink) != 1) return why.reason("reconfigure");
    settings_ = settings;
    return std::nullopt;
}

}  // namespace scenehost::plugin
