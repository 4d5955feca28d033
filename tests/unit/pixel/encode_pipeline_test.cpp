// The encoder thread with the fixture's fake H.264 encoder: the stream format goes out before
// its first frame, units arrive in AVCC form with the versions they show, keyframe requests get
// an IDR (the last picture again when nothing new was rendered), a full queue drops its oldest
// frame, a new canvas size starts a new format, and an encoder failure is reported once.
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "pixel/encode_pipeline.hpp"
#include "plugin/plugin_registry.hpp"

using namespace scenehost;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

const fs::path kFixtures = SCENEHOST_FIXTURE_PLUGIN_DIR;

std::shared_ptr<const render::RenderedFrame> rendered(uint64_t sequence, int width = 64, int height = 48) {
    auto f = std::make_shared<render::RenderedFrame>();
    f->frame.width = width;
    f->frame.height = height;
    f->frame.rgba.assign(size_t(width) * height * 4, uint8_t(sequence * 10));
    f->frame.versions = {{"camera", sequence}, {"dims", 1}};
    f->sequence = sequence;
    f->captured_us = 1'000'000 + int64_t(sequence);
    return f;
}

// What the pipeline's sinks saw, in order; waits are bounded so a broken pipeline fails.
struct Recorder {
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<std::string> events;  // "format WxH" and "frame N" (N = render sequence), "failure: why"
    std::vector<std::shared_ptr<const pixel::EncodedFrame>> frames;
    std::vector<pixel::StreamFormat> formats;
    bool hold = false;  // the frame sink waits while set
    bool holding = false;

    pixel::EncodePipeline::Sinks sinks() {
        return {[this](std::shared_ptr<const pixel::EncodedFrame> f) {
                    std::unique_lock lock(mutex);
                    events.push_back("frame " + std::to_string(f->render_sequence));
                    frames.push_back(std::move(f));
                    holding = hold;
                    changed.notify_all();
                    changed.wait(lock, [this] { return !hold; });
                    holding = false;
                },
                [this](const pixel::StreamFormat &format) {
                    std::lock_guard lock(mutex);
                    events.push_back("format " + std::to_string(format.width) + "x" + std::to_string(format.height));
                    formats.push_back(format);
                    changed.notify_all();
                },
                [this](const std::string &why) {
                    std::lock_guard lock(mutex);
                    events.push_back("failure: " + why);
                    changed.notify_all();
                }};
    }

    void wait_for_events(size_t n) {
        std::unique_lock lock(mutex);
        REQUIRE(changed.wait_for(lock, 10s, [&] { return events.size() >= n; }));
    }
    void wait_until_holding() {
        std::unique_lock lock(mutex);
        REQUIRE(changed.wait_for(lock, 10s, [&] { return holding; }));
    }
    void release() {
        std::lock_guard lock(mutex);
        hold = false;
        changed.notify_all();
    }
};

struct Fixture {
    explicit Fixture(const std::string &encoder = "fake_encoder")
        : registry(plugin::PluginRegistry::load(std::vector<fs::path>{kFixtures / encoder})),
          plugin(*registry.encoder(encoder)) {}
    plugin::PluginRegistry registry;
    const plugin::EncoderPlugin &plugin;
    Recorder recorder;
};

pixel::PipelineSettings settings(std::chrono::milliseconds coalesce = 0ms) {
    pixel::PipelineSettings s;
    s.fps = 30;
    s.keyframe_interval = 100;
    s.keyframe_coalesce = coalesce;
    return s;
}

}  // namespace

TEST_CASE("the format goes out before the first frame, and units come in AVCC with their versions") {
    Fixture f;
    pixel::EncodePipeline pipeline(f.plugin, settings(), f.recorder.sinks());
    pipeline.submit(rendered(1));
    f.recorder.wait_for_events(2);
    pipeline.submit(rendered(2));
    f.recorder.wait_for_events(3);
    std::lock_guard lock(f.recorder.mutex);
    CHECK(f.recorder.events == std::vector<std::string>{"format 64x48", "frame 1", "frame 2"});
    const pixel::StreamFormat &format = f.recorder.formats.at(0);
    CHECK(format.fps == 30);
    // The fixture's SPS (67 42 c0 1f 8c 8d 40) and PPS (68 ce 3c 80) in an avcC record.
    CHECK(format.avcc_record == std::vector<uint8_t>{0x01, 0x42, 0xc0, 0x1f, 0xff, 0xe1, 0x00, 0x07, 0x67, 0x42, 0xc0,
                                                     0x1f, 0x8c, 0x8d, 0x40, 0x01, 0x00, 0x04, 0x68, 0xce, 0x3c, 0x80});
    const auto &first = *f.recorder.frames.at(0);
    CHECK(first.keyframe);
    CHECK(first.sequence == 1);
    CHECK(first.captured_us == 1'000'001);
    CHECK(first.width == 64);
    CHECK(first.height == 48);
    CHECK(first.versions.at("camera") == 1);
    // SPS, PPS and the IDR slice, each behind its 4-byte length: 7 + 4 + 17 bytes.
    REQUIRE(first.avcc.size() == 4 + 7 + 4 + 4 + 4 + 17);
    CHECK(std::vector<uint8_t>(first.avcc.begin(), first.avcc.begin() + 5) == std::vector<uint8_t>{0, 0, 0, 7, 0x67});
    const auto &second = *f.recorder.frames.at(1);
    CHECK_FALSE(second.keyframe);
    CHECK(second.sequence == 2);
    CHECK(second.avcc.size() == 4 + 17);
    CHECK(second.avcc[4] == 0x41);
}

TEST_CASE("a keyframe request with nothing new rendered encodes the last picture again as an IDR") {
    Fixture f;
    pixel::EncodePipeline pipeline(f.plugin, settings(), f.recorder.sinks());
    pipeline.submit(rendered(1));
    pipeline.submit(rendered(2));
    f.recorder.wait_for_events(3);
    pipeline.request_keyframe();
    f.recorder.wait_for_events(4);
    std::lock_guard lock(f.recorder.mutex);
    const auto &repeat = *f.recorder.frames.at(2);
    CHECK(repeat.keyframe);
    CHECK(repeat.render_sequence == 2);
    CHECK(repeat.sequence == 3);
    CHECK(pipeline.stats().repeats == 1);
    CHECK(pipeline.stats().keyframes == 2);
}

TEST_CASE("keyframe requests within the coalescing window wait for it, frames meanwhile are not IDRs") {
    Fixture f;
    pixel::EncodePipeline pipeline(f.plugin, settings(std::chrono::hours(1)), f.recorder.sinks());
    pipeline.request_keyframe();  // nothing forced yet: served by the first frame
    pipeline.submit(rendered(1));
    f.recorder.wait_for_events(2);
    pipeline.request_keyframe();  // an IDR was forced just now: this one waits an hour
    for (uint64_t s = 2; s <= 4; ++s) {
        pipeline.submit(rendered(s));
        f.recorder.wait_for_events(s + 1);
    }
    std::lock_guard lock(f.recorder.mutex);
    CHECK(f.recorder.frames.at(0)->keyframe);
    for (size_t i = 1; i < f.recorder.frames.size(); ++i) CHECK_FALSE(f.recorder.frames[i]->keyframe);
    CHECK(pipeline.stats().repeats == 0);
}

TEST_CASE("a full queue drops its oldest waiting frame, never the newest") {
    Fixture f;
    f.recorder.hold = true;
    pixel::EncodePipeline pipeline(f.plugin, settings(), f.recorder.sinks());
    pipeline.submit(rendered(1));
    f.recorder.wait_until_holding();  // frame 1 is in the sink; the thread waits there
    for (uint64_t s = 2; s <= 4; ++s) pipeline.submit(rendered(s));
    f.recorder.release();
    f.recorder.wait_for_events(4);
    std::lock_guard lock(f.recorder.mutex);
    CHECK(f.recorder.events == std::vector<std::string>{"format 64x48", "frame 1", "frame 3", "frame 4"});
    CHECK(pipeline.stats().dropped == 1);
    CHECK(pipeline.stats().submitted == 4);
}

TEST_CASE("a new canvas size starts a new stream format with an IDR, odd sides are cropped to even") {
    Fixture f;
    pixel::EncodePipeline pipeline(f.plugin, settings(), f.recorder.sinks());
    pipeline.submit(rendered(1));
    f.recorder.wait_for_events(2);
    pipeline.submit(rendered(2, 81, 33));
    f.recorder.wait_for_events(4);
    std::lock_guard lock(f.recorder.mutex);
    CHECK(f.recorder.events == std::vector<std::string>{"format 64x48", "frame 1", "format 80x32", "frame 2"});
    CHECK(f.recorder.frames.at(1)->keyframe);
    CHECK(f.recorder.frames.at(1)->width == 80);
}

TEST_CASE("an encoder failure is reported once with the plugin's reason, and encoding stops") {
    Fixture f("failing_encode_encoder");
    pixel::EncodePipeline pipeline(f.plugin, settings(), f.recorder.sinks());
    for (uint64_t s = 1; s <= 3; ++s) {
        pipeline.submit(rendered(s));
        f.recorder.wait_for_events(s + 1);
    }
    pipeline.submit(rendered(4));
    f.recorder.wait_for_events(5);
    pipeline.submit(rendered(5));
    std::lock_guard lock(f.recorder.mutex);
    CHECK(f.recorder.events.back() ==
          "failure: encoder 'failing_encode_encoder' failed: the fixture's device was lost");
    CHECK(pipeline.stats().encoded == 3);
}

TEST_CASE("check_settings opens a trial session and reports the encoder's refusal") {
    Fixture ok;
    CHECK(pixel::EncodePipeline::check_settings(ok.plugin, settings()).empty());
    pixel::PipelineSettings bad = settings();
    bad.bitrate_kbps = 1;
    CHECK(pixel::EncodePipeline::check_settings(ok.plugin, bad) == "bitrate 1 kbps is outside 100..1000000");
    Fixture refusing("failing_create_encoder");
    CHECK(pixel::EncodePipeline::check_settings(refusing.plugin, settings()) ==
          "encoder 'failing_create_encoder' refuses the settings: the fixture refuses every config");
}
