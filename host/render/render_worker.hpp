// The render thread: owns a GL context and the renderer, takes the newest scene from a
// latest-value mailbox (a burst of 100 slider moves renders the last state, not 100 frames),
// renders on change at most at the scene's fps target, and repeats the last frame at a low
// keep-alive rate so that new viewers get a picture. Frames go to a sink on the render thread.
// The thread runs below the control thread in the OS scheduler (lower_thread_priority), and
// submit wakes it only when it is waiting for a scene.
#pragma once

#include <chrono>
#include <condition_variable>
#include <future>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "render/renderer.hpp"
#include "render/thumbnail.hpp"
#include "metrics/metrics.hpp"

class QOffscreenSurface;

namespace scenehost::render {

class QtRuntime;

// A rendered frame as the pixel side sees it.
struct RenderedFrame {
    Frame frame;
    uint64_t sequence = 0;         // 1, 2, ... per worker; keep-alive repeats get their own
    int64_t captured_us = 0;       // system clock, microseconds since the epoch
    int64_t projected_us = 0;      // its scene's RenderScene::projected_us
    bool keep_alive = false;       // a repeat of the previous picture
};

struct RenderWorkerConfig {
    std::chrono::milliseconds keep_alive{1000};  // repeat the last frame this often when idle; 0: never
    double max_fps = 240.0;  // never render faster than this, whatever the view's fps target (> 0)
    // A layer's thumbnail is recomputed when what it shows changes, at most this often; the
    // last change of a burst is shown once the interval is out.
    std::chrono::milliseconds thumbnail_interval{250};
};

class RenderWorker {
public:
    using Sink = std::function<void(std::shared_ptr<const RenderedFrame>)>;
    // A layer's new thumbnail, on the render thread (none without a thumbnail sink).
    using ThumbnailSink = std::function<void(const std::string &layer_id, Thumbnail thumbnail)>;

    // Starts the thread and makes its GL context; throws std::runtime_error (naming what the
    // driver offered) when it cannot, before returning.
    RenderWorker(const QtRuntime &qt, Sink sink, RenderWorkerConfig config = {}, ThumbnailSink thumbnails = {});
    ~RenderWorker();  // stops and joins
    RenderWorker(const RenderWorker &) = delete;
    RenderWorker &operator=(const RenderWorker &) = delete;

    // Replaces whatever scene is waiting; never blocks on rendering.
    void submit(RenderScene scene);

    struct Stats {
        uint64_t submitted = 0;
        uint64_t rendered = 0;     // frames drawn (not counting keep-alive repeats)
        uint64_t repeated = 0;     // keep-alive repeats
        uint64_t uploads = 0;      // texture uploads so far
        uint64_t thumbnails = 0;   // thumbnails computed
    };
    Stats stats() const;
    // Each frame's render time (drawing and reading it back), in seconds.
    const metrics::Histogram &render_seconds() const { return render_seconds_; }
    std::string gl_description() const { return gl_description_; }

private:
    void run(std::promise<std::string> &ready);
    // The thumbnails of `scene` whose key changed and whose interval is out; returns when the
    // next one is due (Clock::time_point::max() when none waits).
    std::chrono::steady_clock::time_point refresh_thumbnails(const RenderScene &scene);

    Sink sink_;
    ThumbnailSink thumbnail_sink_;
    struct LayerThumbnail {
        std::optional<ThumbnailKey> key;  // what the last thumbnail shows (or failed to read)
        std::optional<ThumbnailSamples> samples;  // its data, so a recolouring reads nothing
        std::chrono::steady_clock::time_point at{};
    };
    std::map<std::string, LayerThumbnail, std::less<>> thumbnails_;  // render thread only
    RenderWorkerConfig config_;
    std::unique_ptr<QOffscreenSurface> surface_;
    std::string gl_description_;

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::optional<RenderScene> pending_;
    // The render thread is asleep until a scene arrives: only then does submit wake it, so a
    // burst of changes costs the control thread no wake-up per change while a frame is drawn
    // or its interval waited out.
    bool waiting_for_scene_ = false;
    bool stop_ = false;
    Stats stats_;
    metrics::Histogram render_seconds_{metrics::kLatencyBuckets};
    std::thread thread_;
};

}  // namespace scenehost::render
