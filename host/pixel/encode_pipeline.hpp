// The encoder thread: takes rendered frames (a queue of two; when full the oldest waiting frame
// is dropped, so encoding never slows rendering), converts RGBA to the encoder's YUV layout
// with libyuv, encodes through the selected encoder plugin and hands each access unit on in
// AVCC form with the stream format (size, fps, avcC) it belongs to. Keyframe requests coalesce:
// at most one forced IDR per `keyframe_coalesce`, and when nothing new is rendered the last
// picture is encoded again, so a client that asks gets its IDR at once. The thread runs below
// the control thread's OS priority (base::lower_thread_priority).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "codec/yuv_convert.hpp"
#include "plugin/encoder_plugin.hpp"
#include "render/render_worker.hpp"
#include "metrics/metrics.hpp"

namespace scenehost::pixel {

struct PipelineSettings {
    uint32_t fps = 60;  // nominal, for the encoder's rate control and notify.stream
    uint32_t bitrate_kbps = 8000;
    uint32_t keyframe_interval = 120;
    std::string options_json = "{}";  // the encoder plugin's own settings
    // Forced IDRs (a client joining or asking) cost every viewer bandwidth: at most one per this.
    std::chrono::milliseconds keyframe_coalesce{1000};
};

// One encoded picture, shared by every pixel client.
struct EncodedFrame {
    uint64_t sequence = 0;         // the pipeline's frame number: 1, 2, ...
    uint64_t render_sequence = 0;  // the rendered frame it shows
    int64_t captured_us = 0;       // when that frame was rendered, µs since the Unix epoch
    int64_t projected_us = 0;      // when its scene was projected from the store (RenderedFrame's)
    int64_t encoded_us = 0;        // when the encoder returned it, µs since the Unix epoch
    uint32_t width = 0, height = 0;
    bool keyframe = false;
    std::map<std::string, uint64_t, std::less<>> versions;  // store versions the picture shows
    std::vector<uint8_t> avcc;     // the access unit: NAL units behind 4-byte big-endian lengths
};

// What a decoder needs to know; a new one goes out before the first frame that uses it.
struct StreamFormat {
    uint32_t width = 0, height = 0, fps = 0;
    std::vector<uint8_t> avcc_record;  // AVCDecoderConfigurationRecord
    bool operator==(const StreamFormat &) const = default;
};

// What the encoder is asked for a width x height stream under settings, in its preferred input
// format.
plugin::EncoderSettings encoder_settings(const plugin::EncoderPlugin &encoder, const PipelineSettings &settings,
                                         uint32_t width, uint32_t height);

class EncodePipeline {
public:
    // All three run on the encoder thread.
    struct Sinks {
        std::function<void(std::shared_ptr<const EncodedFrame>)> frame;
        std::function<void(const StreamFormat &)> format;
        // The encoder failed (the plugin's reason); nothing more is encoded.
        std::function<void(const std::string &)> failure;
    };

    // settings are checked by the caller (check_settings); the encoder is one whose probe passed.
    EncodePipeline(const plugin::EncoderPlugin &encoder, PipelineSettings settings, Sinks sinks);
    ~EncodePipeline();  // stops and joins
    EncodePipeline(const EncodePipeline &) = delete;
    EncodePipeline &operator=(const EncodePipeline &) = delete;

    // "" when the encoder accepts settings, else the start-up error: opens a trial session at
    // 64x64, so a bad option is refused before the host starts serving.
    static std::string check_settings(const plugin::EncoderPlugin &encoder, const PipelineSettings &settings);

    // Any thread; never blocks on encoding.
    void submit(std::shared_ptr<const render::RenderedFrame> frame);
    // Any thread: the next frame encoded is an IDR (coalesced, see above).
    void request_keyframe();

    struct Stats {
        uint64_t submitted = 0;
        uint64_t dropped = 0;    // rendered frames replaced in the queue before they were encoded
        uint64_t encoded = 0;
        uint64_t keyframes = 0;
        uint64_t repeats = 0;    // last pictures encoded again for a keyframe request
        double convert_ms = 0;   // totals
        double encode_ms = 0;
    };
    Stats stats() const;
    // Each frame's encode time (colour conversion and the encoder's call), in seconds.
    const metrics::Histogram &encode_seconds() const { return encode_seconds_; }

private:
    void run();
    // Encodes one picture: whether it became an IDR, or nullopt after a failure (reported
    // through sinks_.failure).
    std::optional<bool> encode(const render::RenderedFrame &frame, bool force_keyframe);

    const plugin::EncoderPlugin &encoder_;
    const PipelineSettings settings_;
    const Sinks sinks_;

    // Encoder thread only.
    std::unique_ptr<plugin::EncoderSession> session_;
    std::optional<codec::YuvImage> yuv_;
    std::optional<StreamFormat> format_;
    uint64_t sequence_ = 0;
    int64_t last_pts_us_ = 0;

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::shared_ptr<const render::RenderedFrame>> queue_;
    std::shared_ptr<const render::RenderedFrame> last_;  // the newest picture taken from the queue
    bool keyframe_pending_ = false;
    std::chrono::steady_clock::time_point keyframe_requested_{};
    std::optional<std::chrono::steady_clock::time_point> last_forced_;  // none forced yet
    bool stop_ = false;
    Stats stats_;
    metrics::Histogram encode_seconds_{metrics::kLatencyBuckets};
    std::thread thread_;
};

}  // namespace scenehost::pixel
