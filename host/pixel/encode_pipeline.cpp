// The encoder thread; see encode_pipeline.hpp.
#include "pixel/encode_pipeline.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "base/assert.hpp"
#include "base/thread_priority.hpp"
#include "codec/h264_bitstream.hpp"

namespace scenehost::pixel {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

}  // namespace

EncodePipeline::EncodePipeline(const plugin::EncoderPlugin &encoder, PipelineSettings settings, Sinks sinks)
    : encoder_(encoder), settings_(std::move(settings)), sinks_(std::move(sinks)) {
    SCENEHOST_ASSERT(sinks_.frame && sinks_.format && sinks_.failure, "the pipeline has all three sinks");
    SCENEHOST_ASSERT(plugin::settings_violation(encoder_settings(encoder_, settings_, 64, 64)).empty(),
                     "callers check the pipeline settings (check_settings)");
    thread_ = std::thread([this] { run(); });
}

EncodePipeline::~EncodePipeline() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_one();
    thread_.join();
}

plugin::EncoderSettings encoder_settings(const plugin::EncoderPlugin &encoder, const PipelineSettings &settings,
                                         uint32_t width, uint32_t height) {
    plugin::EncoderSettings s;
    s.width = width;
    s.height = height;
    s.fps = settings.fps;
    s.bitrate_kbps = settings.bitrate_kbps;
    s.keyframe_interval = settings.keyframe_interval;
    s.input_format = encoder.input_formats()[0];
    s.options_json = settings.options_json;
    return s;
}

std::string EncodePipeline::check_settings(const plugin::EncoderPlugin &encoder, const PipelineSettings &settings) {
    const plugin::EncoderSettings trial = encoder_settings(encoder, settings, 64, 64);
    if (std::string why = plugin::settings_violation(trial); !why.empty()) return why;
    auto opened = encoder.open(trial);
    if (auto *why = std::get_if<std::string>(&opened)) {
        return fmt::format("encoder '{}' refuses the settings: {}", encoder.info().name, *why);
    }
    return {};
}

void EncodePipeline::submit(std::shared_ptr<const render::RenderedFrame> frame) {
    SCENEHOST_ASSERT(frame != nullptr, "a submitted frame exists");
    {
        std::lock_guard lock(mutex_);
        ++stats_.submitted;
        if (queue_.size() == 2) {
            queue_.pop_front();
            ++stats_.dropped;
        }
        queue_.push_back(std::move(frame));
    }
    wake_.notify_one();
}

void EncodePipeline::request_keyframe() {
    {
        std::lock_guard lock(mutex_);
        if (!keyframe_pending_) keyframe_requested_ = Clock::now();
        keyframe_pending_ = true;
    }
    wake_.notify_one();
}

EncodePipeline::Stats EncodePipeline::stats() const {
    std::lock_guard lock(mutex_);
    return stats_;
}

void EncodePipeline::run() {
    // Below the control thread, like the render thread; before the first encode opens the
    // session, so the encoder's own threads (x264's workers and lookahead) inherit it.
    base::lower_thread_priority("encoder");
    std::unique_lock lock(mutex_);
    for (;;) {
        // A pending keyframe request may force an IDR once the coalescing window has passed.
        const auto force_at = last_forced_ ? *last_forced_ + settings_.keyframe_coalesce : Clock::time_point::min();
        const bool can_force = keyframe_pending_ && Clock::now() >= force_at;
        if (stop_) return;
        if (queue_.empty() && !(can_force && last_ != nullptr)) {
            if (keyframe_pending_ && last_ != nullptr) {
                wake_.wait_until(lock, force_at);
            } else {
                wake_.wait(lock);
            }
            continue;
        }
        const bool repeat = queue_.empty();
        std::shared_ptr<const render::RenderedFrame> frame = repeat ? last_ : queue_.front();
        if (!repeat) queue_.pop_front();
        if (repeat) ++stats_.repeats;
        last_ = frame;
        const auto taken = Clock::now();
        if (can_force) {
            keyframe_pending_ = false;
            last_forced_ = taken;
        }
        lock.unlock();
        const std::optional<bool> keyframe = encode(*frame, can_force);
        lock.lock();
        if (!keyframe) return;
        // Any IDR serves the requests made before its picture was taken.
        if (*keyframe && keyframe_pending_ && keyframe_requested_ <= taken) keyframe_pending_ = false;
    }
}

std::optional<bool> EncodePipeline::encode(const render::RenderedFrame &rendered, bool force_keyframe) {
    const render::Frame &picture = rendered.frame;
    const uint32_t width = static_cast<uint32_t>(picture.width) & ~1u;  // YUV 4:2:0 needs even sides
    const uint32_t height = static_cast<uint32_t>(picture.height) & ~1u;
    const plugin::EncoderSettings wanted = encoder_settings(encoder_, settings_, width, height);
    SCENEHOST_ASSERT(plugin::settings_violation(wanted).empty(),
                     "the canvas (16..8192 per side) always fits the encoder's bounds");

    if (session_ == nullptr) {
        auto opened = encoder_.open(wanted);
        if (auto *why = std::get_if<std::string>(&opened)) {
            sinks_.failure(fmt::format("encoder '{}' could not start a {}x{} stream: {}", encoder_.info().name, width,
                                       height, *why));
            return std::nullopt;
        }
        session_ = std::move(std::get<std::unique_ptr<plugin::EncoderSession>>(opened));
    } else if (session_->settings().width != width || session_->settings().height != height) {
        if (auto why = session_->reconfigure(wanted)) {
            sinks_.failure(fmt::format("encoder '{}' could not switch to {}x{}: {}", encoder_.info().name, width,
                                       height, *why));
            return std::nullopt;
        }
    }
    if (!yuv_ || yuv_->width() != width || yuv_->height() != height) {
        yuv_.emplace(wanted.input_format, width, height);
    }

    const auto convert_start = Clock::now();
    codec::convert_rgba(picture.rgba, static_cast<uint32_t>(picture.width), static_cast<uint32_t>(picture.height), *yuv_);
    const double convert_ms = ms_since(convert_start);

    const int64_t pts_us = std::max(rendered.captured_us, last_pts_us_ + 1);
    last_pts_us_ = pts_us;
    const uint64_t sequence = ++sequence_;
    const auto encode_start = Clock::now();
    auto encoded = session_->encode(yuv_->frame(pts_us, sequence), force_keyframe);
    const double encode_ms = ms_since(encode_start);
    if (auto *why = std::get_if<std::string>(&encoded)) {
        sinks_.failure(fmt::format("encoder '{}' failed: {}", encoder_.info().name, *why));
        return std::nullopt;
    }
    const plugin::AccessUnit &unit = std::get<plugin::AccessUnit>(encoded);

    if (unit.keyframe) {
        auto record = codec::avcc_record(unit.data);
        SCENEHOST_ASSERT(record.has_value(),
                         "encoder plugin '" + encoder_.info().name + "' puts SPS and PPS in front of every IDR");
        StreamFormat format{width, height, settings_.fps, std::move(*record)};
        if (format_ != format) {
            format_ = format;
            sinks_.format(*format_);
        }
    }
    SCENEHOST_ASSERT(format_.has_value(), "encoder plugin '" + encoder_.info().name + "' starts a stream with an IDR");

    auto frame = std::make_shared<EncodedFrame>();
    frame->sequence = sequence;
    frame->render_sequence = rendered.sequence;
    frame->captured_us = rendered.captured_us;
    frame->projected_us = rendered.projected_us;
    frame->encoded_us = std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    frame->width = width;
    frame->height = height;
    frame->keyframe = unit.keyframe;
    frame->versions = picture.versions;
    frame->avcc = codec::annexb_to_avcc(unit.data);
    {
        std::lock_guard lock(mutex_);
        ++stats_.encoded;
        stats_.keyframes += unit.keyframe ? 1 : 0;
        stats_.convert_ms += convert_ms;
        stats_.encode_ms += encode_ms;
    }
    encode_seconds_.observe((convert_ms + encode_ms) / 1000.0);
    const bool keyframe = unit.keyframe;
    sinks_.frame(std::move(frame));
    return keyframe;
}

}  // namespace scenehost::pixel
