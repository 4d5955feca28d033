// A loaded encoder plugin: its checked function table, a probe that says whether it can run on
// this machine, and sessions that encode one stream each. What a plugin hands back is checked
// against the contract (encoder.h); a breach is a plugin bug and aborts naming the plugin.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "plugin/host_services.hpp"
#include "plugin/plugin_library.hpp"
#include "scenehost/sdk/encoder.h"

namespace scenehost::plugin {

// What the host asks of a stream; see scenehost_encoder_config_v1 for the bounds.
struct EncoderSettings {
    uint32_t width = 0;
    uint32_t height = 0;
    uint32_t fps = 30;
    uint32_t bitrate_kbps = 8000;
    uint32_t keyframe_interval = 120;
    scenehost_pixel_format input_format = SCENEHOST_PIXEL_FORMAT_INVALID;
    std::string options_json = "{}";  // backend settings; the plugin checks them
};

// "", or what is wrong with settings in the terms of scenehost_encoder_config_v1's bounds.
std::string settings_violation(const EncoderSettings &settings);

std::string_view codec_name(scenehost_codec codec);           // "h264"
std::string_view pixel_format_name(scenehost_pixel_format f);  // "i420", "nv12"

// One encoded frame, owned by the host.
struct AccessUnit {
    std::vector<uint8_t> data;
    bool keyframe = false;
    int64_t pts_us = 0;
    uint64_t sequence = 0;
};

class EncoderPlugin;

// One configured encoder instance. Not thread-safe: one thread encodes.
class EncoderSession {
public:
    ~EncoderSession();
    EncoderSession(const EncoderSession &) = delete;
    EncoderSession &operator=(const EncoderSession &) = delete;

    const EncoderSettings &settings() const { return settings_; }
    // Encodes one frame in settings().input_format; returns its access unit, or the plugin's
    // reason for failing (the session is then unusable).
    std::variant<AccessUnit, std::string> encode(const scenehost_video_frame_v1 &frame, bool force_keyframe);
    // Applies new settings (the next unit is an IDR); returns the plugin's reason on failure.
    std::optional<std::string> reconfigure(const EncoderSettings &settings);

private:
    friend class EncoderPlugin;
    EncoderSession(const EncoderPlugin &plugin, void *instance, EncoderSettings settings);

    const EncoderPlugin &plugin_;
    void *instance_;
    EncoderSettings settings_;
};

class EncoderPlugin {
public:
    // Checks the library's encoder table; returns the refusal reason when anything is missing.
    static std::variant<std::unique_ptr<EncoderPlugin>, std::string> create(const PluginLibrary &library);

    const PluginInfo &info() const { return info_; }
    scenehost_codec codec() const { return table_->codec; }
    std::span<const scenehost_pixel_format> input_formats() const {
        return {table_->input_formats, table_->input_format_count};
    }
    // nullopt when the encoder can run here, else the plugin's reason.
    std::optional<std::string> probe() const;
    // A session for settings (checked with settings_violation first: the caller validates
    // outside input), or the plugin's reason when it cannot make one.
    std::variant<std::unique_ptr<EncoderSession>, std::string> open(const EncoderSettings &settings) const;

private:
    friend class EncoderSession;
    EncoderPlugin(const PluginLibrary &library, const scenehost_encoder_v1 *table);

    std::shared_ptr<const void> keep_alive_;  // declared first: released last
    PluginInfo info_;
    const scenehost_encoder_v1 *table_;
    std::unique_ptr<HostServices> host_;
};

}  // namespace scenehost::plugin
