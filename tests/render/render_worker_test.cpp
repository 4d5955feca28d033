// The render thread: a latest-value mailbox that coalesces bursts, frames that carry the
// versions they show, fps pacing and keep-alive repeats.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "render/gl_context.hpp"
#include "render/render_worker.hpp"
#include "support/memory_source.hpp"

using namespace scenehost;
using namespace std::chrono_literals;

namespace {

render::QtRuntime &qt() {
    static render::QtRuntime runtime("auto");
    return runtime;
}

render::RenderScene scene(uint64_t version, double fps = 1000) {
    static auto gray = test::MemorySource::uint8({8, 8}, [](const auto &at) { return uint8_t(at[1] * 30); });
    render::RenderScene s;
    s.width = s.height = 32;
    s.fps_target = fps;
    s.dims = {{8, 8}, {0, 0}, {0, 1}, 2};
    s.camera.center = {0, 3.5, 3.5};
    s.camera.zoom = 4;
    render::LayerState layer;
    layer.id = "g";
    layer.source = gray;
    layer.contrast_limits = {0, 255};
    s.layers = {layer};
    s.versions = {{"layer", version}};
    return s;
}

// Whether `done` holds within `timeout`, polled every 5 ms.
bool eventually(const std::function<bool()> &done, std::chrono::seconds timeout = 20s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(5ms);
    }
    return true;
}

// Collects frames; optionally holds the render thread inside the first one until released.
struct Collector {
    std::mutex mutex;
    std::vector<std::shared_ptr<const render::RenderedFrame>> frames;
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    std::promise<void> first_arrived;
    bool hold_first = false;

    render::RenderWorker::Sink sink() {
        return [this](std::shared_ptr<const render::RenderedFrame> f) {
            bool first = false;
            {
                std::lock_guard lock(mutex);
                frames.push_back(std::move(f));
                first = frames.size() == 1;
            }
            if (first) first_arrived.set_value();
            if (first && hold_first) released.wait();
        };
    }
    size_t count() {
        std::lock_guard lock(mutex);
        return frames.size();
    }
    bool wait_for(size_t n, std::chrono::seconds timeout = 20s) {
        return eventually([&] { return count() >= n; }, timeout);
    }
};

}  // namespace

TEST_CASE("a burst of 100 scenes renders the newest, not 100 frames") {
    Collector frames;
    frames.hold_first = true;
    render::RenderWorker worker(qt(), frames.sink(), {.keep_alive = 0ms});
    worker.submit(scene(1));
    frames.first_arrived.get_future().wait();  // the thread is inside the sink now
    for (uint64_t v = 2; v <= 101; ++v) worker.submit(scene(v));
    frames.release.set_value();
    REQUIRE(frames.wait_for(2));
    std::this_thread::sleep_for(100ms);  // nothing else is coming
    CHECK(frames.count() == 2);
    CHECK(frames.frames[0]->frame.versions.at("layer") == 1);
    CHECK(frames.frames[1]->frame.versions.at("layer") == 101);
    CHECK(frames.frames[1]->sequence == 2);
    const auto stats = worker.stats();
    CHECK(stats.submitted == 101);
    CHECK(stats.rendered == 2);
    CHECK(stats.uploads == 1);  // the same plane both times
}

TEST_CASE("frames hold the picture: width, height and pixels of the scene") {
    Collector frames;
    render::RenderWorker worker(qt(), frames.sink(), {.keep_alive = 0ms});
    worker.submit(scene(7));
    REQUIRE(frames.wait_for(1));
    const render::Frame &f = frames.frames[0]->frame;
    CHECK(f.width == 32);
    CHECK(f.rgba.size() == 32 * 32 * 4);
    CHECK(int(f.rgba[(16 * 32 + 30) * 4]) == 210);  // column 7 of the ramp at zoom 4
    CHECK(frames.frames[0]->captured_us > 0);
    CHECK_FALSE(frames.frames[0]->keep_alive);
}

TEST_CASE("when idle the last frame is repeated at the keep-alive rate") {
    Collector frames;
    render::RenderWorker worker(qt(), frames.sink(), {.keep_alive = 20ms});
    worker.submit(scene(3));
    REQUIRE(frames.wait_for(3));
    CHECK(frames.frames[1]->keep_alive);
    CHECK(frames.frames[1]->frame.rgba == frames.frames[0]->frame.rgba);
    CHECK(frames.frames[1]->frame.versions.at("layer") == 3);
    CHECK(frames.frames[2]->sequence > frames.frames[1]->sequence);
    CHECK(worker.stats().rendered == 1);
}

TEST_CASE("changes render no faster than the worker's max_fps, whatever the scene's fps target") {
    Collector frames;
    render::RenderWorker worker(qt(), frames.sink(), {.keep_alive = 0ms, .max_fps = 10});
    worker.submit(scene(1, 1000));
    REQUIRE(frames.wait_for(1));
    worker.submit(scene(2, 1000));
    REQUIRE(frames.wait_for(2));
    const int64_t gap_us = frames.frames[1]->captured_us - frames.frames[0]->captured_us;
    CHECK(gap_us >= 90'000);  // a lower bound: a slow machine only widens it
}

TEST_CASE("changes render no faster than the fps target") {
    Collector frames;
    render::RenderWorker worker(qt(), frames.sink(), {.keep_alive = 0ms});
    worker.submit(scene(1, 10));  // 100 ms apart at most ten a second
    REQUIRE(frames.wait_for(1));
    worker.submit(scene(2, 10));
    REQUIRE(frames.wait_for(2));
    const int64_t gap_us = frames.frames[1]->captured_us - frames.frames[0]->captured_us;
    CHECK(gap_us >= 90'000);  // a lower bound: a slow machine only widens it
}

namespace {

// Collects thumbnails as the render thread hands them over.
struct Thumbnails {
    std::mutex mutex;
    std::vector<std::pair<std::string, render::Thumbnail>> got;
    render::RenderWorker::ThumbnailSink sink() {
        return [this](const std::string &layer, render::Thumbnail t) {
            std::lock_guard lock(mutex);
            got.emplace_back(layer, std::move(t));
        };
    }
    size_t count() {
        std::lock_guard lock(mutex);
        return got.size();
    }
    bool wait_for(size_t n) { return eventually([&] { return count() >= n; }); }
};

}  // namespace

TEST_CASE("thumbnails: one per layer on a change of what it shows, the last of a burst after the interval") {
    Collector frames;
    Thumbnails thumbnails;
    render::RenderWorker worker(qt(), frames.sink(), {.keep_alive = 0ms, .thumbnail_interval = 200ms},
                                thumbnails.sink());
    render::RenderScene s = scene(1);
    worker.submit(s);
    REQUIRE(thumbnails.wait_for(1));
    CHECK(thumbnails.got[0].first == "g");
    CHECK(thumbnails.got[0].second == render::make_thumbnail(s.layers[0], s.dims));

    // The camera is not in a thumbnail: a new frame, no new thumbnail.
    s.camera.zoom = 2;
    s.versions = {{"layer", 2}};
    worker.submit(s);
    REQUIRE(frames.wait_for(2));
    // A burst of colourings inside the interval: the frames follow it, the thumbnail shows the last.
    for (double hi : {200.0, 150.0, 100.0}) {
        s.layers[0].contrast_limits = {0, hi};
        worker.submit(s);
        std::this_thread::sleep_for(10ms);
    }
    REQUIRE(thumbnails.wait_for(2));
    std::this_thread::sleep_for(400ms);  // a second interval: nothing more is due
    REQUIRE(thumbnails.count() == 2);
    CHECK(thumbnails.got[1].second == render::make_thumbnail(s.layers[0], s.dims));
    CHECK(thumbnails.got[1].second != thumbnails.got[0].second);
    CHECK(worker.stats().thumbnails == 2);
}

