#include "render/render_worker.hpp"

#include <QOffscreenSurface>
#include <algorithm>
#include <future>
#include <spdlog/spdlog.h>
#include <stdexcept>
#include <string>

#include "base/assert.hpp"
#include "base/thread_priority.hpp"
#include "render/gl_context.hpp"
#include "render/thumbnail.hpp"

namespace scenehost::render {
namespace {

int64_t now_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace


RenderWorker::RenderWorker(const QtRuntime &qt, Sink sink, RenderWorkerConfig config, ThumbnailSink thumbnails)
    : sink_(std::move(sink)), thumbnail_sink_(std::move(thumbnails)), config_(config), surface_(qt.make_surface()) {
    SCENEHOST_ASSERT(config_.max_fps > 0, "the command line bounds the stream rate");
    std::promise<std::string> ready;
    std::future<std::string> started = ready.get_future();
    thread_ = std::thread([this, &ready] { run(ready); });
    const std::string error = started.get();  // "" once the context is current
    if (!error.empty()) {
        thread_.join();
        throw std::runtime_error(error);
    }
}

RenderWorker::~RenderWorker() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_one();
    thread_.join();
}

void RenderWorker::submit(RenderScene scene) {
    bool wake = false;
    {
        std::lock_guard lock(mutex_);
        wake = waiting_for_scene_ && !pending_;  // else it takes this scene when it looks next
        pending_ = std::move(scene);
        ++stats_.submitted;
    }
    if (wake) wake_.notify_one();
}

RenderWorker::Stats RenderWorker::stats() const {
    std::lock_guard lock(mutex_);
    return stats_;
}

std::chrono::steady_clock::time_point RenderWorker::refresh_thumbnails(const RenderScene &scene) {
    using Clock = std::chrono::steady_clock;
    auto next_due = Clock::time_point::max();
    if (!thumbnail_sink_) return next_due;
    std::erase_if(thumbnails_, [&](const auto &entry) {
        return std::none_of(scene.layers.begin(), scene.layers.end(),
                            [&](const LayerState &l) { return l.id == entry.first; });
    });
    for (const LayerState &layer : scene.layers) {
        ThumbnailKey key = thumbnail_key(layer, scene.dims);
        auto &state = thumbnails_.try_emplace(layer.id).first->second;
        if (state.key == key) continue;
        const auto now = Clock::now();
        if (state.key && now < state.at + config_.thumbnail_interval) {
            next_due = std::min(next_due, state.at + config_.thumbnail_interval);
            continue;
        }
        const bool same_data = state.key && state.samples && state.key->same_data(key);
        state.key = std::move(key);
        state.at = now;
        if (!same_data) {
            state.samples.reset();
            try {
                state.samples = sample_thumbnail(*state.key);
            } catch (const data::DataError &e) {
                // The frame reports the layer's read error; its list entry keeps the last thumbnail.
                spdlog::warn("layer {}: no thumbnail: {}", layer.id, e.what());
                continue;
            }
        }
        Thumbnail thumbnail = colour_thumbnail(*state.samples, *state.key);
        {
            std::lock_guard lock(mutex_);
            ++stats_.thumbnails;
        }
        thumbnail_sink_(layer.id, std::move(thumbnail));
    }
    return next_due;
}

void RenderWorker::run(std::promise<std::string> &ready) {
    base::lower_thread_priority("render");  // before the GL context: llvmpipe's threads inherit it
    std::optional<GlContext> context;
    try {
        context.emplace(*surface_);
    } catch (const std::runtime_error &e) {  // the only thing GlContext throws: report it at start-up
        ready.set_value(e.what());
        return;
    }
    gl_description_ = context->description();
    Renderer renderer(context->context());
    ready.set_value("");  // `ready` dies with the constructor from here on

    using Clock = std::chrono::steady_clock;
    Clock::time_point last_frame = Clock::now() - std::chrono::hours(1);
    std::shared_ptr<const RenderedFrame> previous;
    std::optional<RenderScene> shown;  // the scene of the last frame, for thumbnails due later
    auto thumbnails_due = Clock::time_point::max();
    uint64_t sequence = 0;
    std::unique_lock lock(mutex_);
    for (;;) {
        const bool idle_repeat = config_.keep_alive.count() > 0 && previous != nullptr;
        const auto keep_alive_at = idle_repeat ? last_frame + config_.keep_alive : Clock::time_point::max();
        auto ready_to_draw = [&] { return stop_ || pending_.has_value(); };
        waiting_for_scene_ = true;
        if (std::min(keep_alive_at, thumbnails_due) != Clock::time_point::max()) {
            wake_.wait_until(lock, std::min(keep_alive_at, thumbnails_due), ready_to_draw);
        } else {
            wake_.wait(lock, ready_to_draw);
        }
        waiting_for_scene_ = false;
        if (stop_) return;
        if (!pending_ && Clock::now() < keep_alive_at) {  // a burst's last thumbnail is due
            lock.unlock();
            thumbnails_due = refresh_thumbnails(*shown);
            lock.lock();
            continue;
        }
        if (!pending_) {  // nothing new for a while: repeat the picture
            ++stats_.repeated;
            last_frame = Clock::now();
            lock.unlock();  // the copy is a whole frame: not while submit may be waiting
            auto repeat = std::make_shared<RenderedFrame>(*previous);
            repeat->sequence = ++sequence;
            repeat->captured_us = now_us();
            repeat->keep_alive = true;
            sink_(repeat);
            lock.lock();
            continue;
        }
        // At most fps_target (and max_fps) frames per second: wait out the interval (submit does
        // not wake this wait; only stop does), then take the newest scene.
        const double fps = std::min(pending_->fps_target, config_.max_fps);
        const auto interval = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / fps));
        if (Clock::now() < last_frame + interval) {
            wake_.wait_until(lock, last_frame + interval, [&] { return stop_; });
            if (stop_) return;
        }
        RenderScene scene = std::move(*pending_);
        pending_.reset();
        lock.unlock();

        auto rendered = std::make_shared<RenderedFrame>();
        const auto render_start = Clock::now();
        rendered->frame = renderer.render(scene);
        render_seconds_.observe(std::chrono::duration<double>(Clock::now() - render_start).count());
        rendered->sequence = ++sequence;
        rendered->captured_us = now_us();
        rendered->projected_us = scene.projected_us;
        last_frame = Clock::now();
        previous = rendered;
        sink_(rendered);
        shown = std::move(scene);
        thumbnails_due = refresh_thumbnails(*shown);

        lock.lock();
        ++stats_.rendered;
        stats_.uploads = renderer.texture_uploads();
    }
}

}  // namespace scenehost::render
