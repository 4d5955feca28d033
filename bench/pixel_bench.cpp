// Pixel channel benchmark, two parts.
// 1. Throughput at 1280x720 and 1920x1080. Baseline: bare x264 (the encoder_x264 plugin through
//    EncoderPlugin) encoding pre-rendered demo-scene frames already converted to I420. Measured:
//    the full pipeline, the Renderer on this thread drawing a changing scene as fast as it can and
//    submitting every frame to EncodePipeline (x264, its queue of two drops the oldest waiting
//    frame), counted in encoded frames per second at the pipeline's output. Same encoder settings.
//    Also measured: the pipeline without rendering (the pre-rendered RGBA frames handed to
//    EncodePipeline as soon as its queue has room): what the encoder thread costs over bare x264.
// 2. Intent-to-pixel latency against the real host (`scenehost serve --demo`, a child process):
//    a state.update that changes the picture, until the first /pixels?meta=1 message whose
//    versions[scope] reaches the version ack.state reported. Baseline: the ack round trip.
//   build/bin/pixel_bench [--quick] [--frames N] [--updates N] [--preset P]
#include <QOffscreenSurface>
#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fmt/format.h>
#include <mutex>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include "codec/yuv_convert.hpp"
#include "data/demo_scene.hpp"
#include "demo_view.hpp"
#include "pixel/encode_pipeline.hpp"
#include "plugin/encoder_plugin.hpp"
#include "plugin/plugin_library.hpp"
#include "protocol/pixel_frame.hpp"
#include "render/gl_context.hpp"
#include "render/renderer.hpp"
#include "support/host_process.hpp"
#include "support/ws_client.hpp"

using namespace scenehost;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
    bool quick = false;
    int frames = 60;
    int updates = 100;
    std::string preset = "veryfast";
};

double ms_between(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
}

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, size_t(p / 100.0 * double(v.size())))];
}

[[noreturn]] void fail(const std::string &why) {
    std::fprintf(stderr, "pixel_bench: %s\n", why.c_str());
    std::exit(1);
}

// ---- Part 1: throughput ----

// Frame i: a new slice and a slightly different zoom, so every picture differs from the last.
void vary(render::RenderScene &s, int i) {
    s.dims.current_step[0] = i % 64;
    s.camera.zoom = 0.95 * s.height / 256.0 * (1.0 + 0.004 * (i % 25));
}

pixel::PipelineSettings pipeline_settings(const Options &o) {
    pixel::PipelineSettings s;  // fps 60, 8000 kbps, IDR every 120 frames
    s.options_json = json::serialize(json::object{{"preset", o.preset}});
    return s;
}

struct ThroughputRow {
    int width = 0, height = 0;
    double render_ms = 0;  // median draw + readback of the pre-rendered frames
    double bare_fps = 0;
    double pipeline_fps = 0;
    double encode_only_fps = 0;  // the pipeline fed pre-rendered frames: convert + encode + hand-off
    uint64_t submitted = 0, encoded = 0, dropped = 0;
    double convert_ms = 0, encode_ms = 0;  // pipeline, per encoded frame
};

// Bare x264: frames / s over the pre-converted pictures, after a few warm-up frames.
double bare_x264_fps(const plugin::EncoderPlugin &encoder, const plugin::EncoderSettings &settings,
                     const std::vector<codec::YuvImage> &pictures) {
    auto opened = encoder.open(settings);
    if (auto *why = std::get_if<std::string>(&opened)) fail("x264 refused the settings: " + *why);
    auto &session = *std::get<std::unique_ptr<plugin::EncoderSession>>(opened);
    uint64_t sequence = 0;
    auto encode = [&](const codec::YuvImage &picture) {
        ++sequence;
        auto unit = session.encode(picture.frame(int64_t(sequence) * 1'000'000 / settings.fps, sequence), false);
        if (auto *why = std::get_if<std::string>(&unit)) fail("x264 failed: " + *why);
    };
    for (size_t i = 0; i < std::min<size_t>(3, pictures.size()); ++i) encode(pictures[i]);
    const auto start = Clock::now();
    for (const auto &picture : pictures) encode(picture);
    return double(pictures.size()) / (ms_between(start, Clock::now()) / 1000.0);
}

// What a pipeline hands out, counted. A failure or a wait longer than a minute ends the bench.
struct Output {
    std::mutex mutex;
    std::condition_variable changed;
    uint64_t frames = 0;
    Clock::time_point last;
    std::string failure;

    pixel::EncodePipeline::Sinks sinks() {
        return {[this](std::shared_ptr<const pixel::EncodedFrame>) {
                    std::lock_guard lock(mutex);
                    ++frames;
                    last = Clock::now();
                    changed.notify_all();
                },
                [](const pixel::StreamFormat &) {},
                [this](const std::string &why) {
                    std::lock_guard lock(mutex);
                    failure = why;
                    changed.notify_all();
                }};
    }

    // Waits until done() holds; done runs with the mutex held.
    template <class Done>
    void wait(Done &&done) {
        std::unique_lock lock(mutex);
        const bool ok = changed.wait_for(lock, std::chrono::seconds(60), [&] { return !failure.empty() || done(); });
        if (!failure.empty()) fail("pipeline: " + failure);
        if (!ok) fail("pipeline: no frame came out within 60 s");
    }
};

// The pipeline fed pre-rendered frames, each submitted as soon as its queue has room (one frame
// encoding, one waiting), so nothing is dropped: frames / s at its output.
double encode_only_fps(const plugin::EncoderPlugin &encoder, const pixel::PipelineSettings &settings,
                       const std::vector<std::shared_ptr<const render::RenderedFrame>> &frames) {
    Output output;
    pixel::EncodePipeline pipeline(encoder, settings, output.sinks());
    uint64_t submitted = 0;
    // Waits until at most `in_flight` submitted frames are not out yet.
    auto wait_until = [&](uint64_t in_flight) { output.wait([&] { return submitted - output.frames <= in_flight; }); };
    auto submit = [&](const std::shared_ptr<const render::RenderedFrame> &frame) {
        ++submitted;
        pipeline.submit(frame);  // the pipeline numbers its frames and keeps their pts increasing
    };
    for (size_t i = 0; i < std::min<size_t>(3, frames.size()); ++i) {  // warm: session start, first IDR
        submit(frames[i]);
        wait_until(0);
    }
    const auto start = Clock::now();
    const uint64_t before = submitted;
    for (const auto &frame : frames) {
        wait_until(1);
        submit(frame);
    }
    wait_until(0);
    if (pipeline.stats().dropped != 0) fail("pipeline: the paced run dropped frames");
    return double(submitted - before) / (ms_between(start, Clock::now()) / 1000.0);
}

ThroughputRow throughput(render::Renderer &renderer, const data::Scene &data, const plugin::EncoderPlugin &encoder,
                         const Options &o, int w, int h) {
    ThroughputRow row;
    row.width = w;
    row.height = h;
    const pixel::PipelineSettings settings = pipeline_settings(o);

    // Pre-render the frames for the baseline and convert them to the encoder's input.
    render::RenderScene scene = bench::demo_view(w, h, data);
    renderer.render(scene);  // warm: uploads, shader compilation
    std::vector<codec::YuvImage> pictures;
    std::vector<std::shared_ptr<const render::RenderedFrame>> frames;
    std::vector<double> render_ms;
    for (int i = 0; i < o.frames; ++i) {
        vary(scene, i);
        auto f = std::make_shared<render::RenderedFrame>();
        f->frame = renderer.render(scene);
        f->sequence = uint64_t(i + 1);
        f->captured_us = int64_t(i + 1) * 1'000'000 / settings.fps;
        render_ms.push_back(f->frame.draw_ms + f->frame.readback_ms);
        pictures.emplace_back(encoder.input_formats()[0], uint32_t(w) & ~1u, uint32_t(h) & ~1u);
        codec::convert_rgba(f->frame.rgba, uint32_t(w), uint32_t(h), pictures.back());
        frames.push_back(std::move(f));
    }
    row.render_ms = percentile(render_ms, 50);
    row.bare_fps = bare_x264_fps(encoder, pixel::encoder_settings(encoder, settings, uint32_t(w), uint32_t(h)), pictures);
    pictures.clear();
    row.encode_only_fps = encode_only_fps(encoder, settings, frames);
    frames.clear();

    // The pipeline: render and submit as fast as the renderer goes; count what comes out.
    Output output;
    pixel::EncodePipeline pipeline(encoder, settings, output.sinks());
    uint64_t sequence = 0;
    auto submit = [&](int i) {
        vary(scene, i);
        auto rendered = std::make_shared<render::RenderedFrame>();
        rendered->frame = renderer.render(scene);
        rendered->sequence = ++sequence;
        rendered->captured_us = std::chrono::duration_cast<std::chrono::microseconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count();
        pipeline.submit(std::move(rendered));
    };
    // Until everything submitted is either encoded or dropped.
    auto drain = [&] {
        output.wait([&] {
            const auto s = pipeline.stats();
            return s.encoded + s.dropped >= s.submitted;
        });
    };
    for (int i = 0; i < 3; ++i) submit(o.frames + i);  // warm: session start, first IDR
    drain();
    const pixel::EncodePipeline::Stats before = pipeline.stats();
    const auto start = Clock::now();
    for (int i = 0; i < o.frames; ++i) submit(i);
    drain();
    const pixel::EncodePipeline::Stats after = pipeline.stats();
    Clock::time_point end;
    {
        std::lock_guard lock(output.mutex);
        end = output.last;
    }
    row.submitted = after.submitted - before.submitted;
    row.encoded = after.encoded - before.encoded;
    row.dropped = after.dropped - before.dropped;
    row.pipeline_fps = double(row.encoded) / (ms_between(start, end) / 1000.0);
    row.convert_ms = (after.convert_ms - before.convert_ms) / double(std::max<uint64_t>(row.encoded, 1));
    row.encode_ms = (after.encode_ms - before.encode_ms) / double(std::max<uint64_t>(row.encoded, 1));
    return row;
}

// ---- Part 2: intent-to-pixel latency ----

struct PixelArrival {
    Clock::time_point at;
    std::map<std::string, uint64_t, std::less<>> versions;
};

// Reads /pixels?meta=1 on its own thread and timestamps every message as it arrives. A timed-out
// Beast read leaves the stream unusable, so the reader waits long and ends when the host closes.
class PixelReader {
public:
    explicit PixelReader(uint16_t port) : ws_(port, options()), thread_([this] { run(); }) {}
    ~PixelReader() {
        stop_ = true;
        thread_.join();
    }
    // Call before stopping the host: the close that follows is expected.
    void stopping() { stop_ = true; }

    // The arrival time of the first message showing scope at >= version, or nullopt after timeout.
    std::optional<Clock::time_point> wait_for(const std::string &scope, uint64_t version,
                                              std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex_);
        std::optional<Clock::time_point> found;
        changed_.wait_for(lock, timeout, [&] {
            for (const auto &a : arrivals_) {
                const auto it = a.versions.find(scope);
                if (it != a.versions.end() && it->second >= version) {
                    found = a.at;
                    return true;
                }
            }
            return !error_.empty();
        });
        if (!error_.empty()) fail("pixel client: " + error_);
        return found;
    }
    size_t count() {
        std::lock_guard lock(mutex_);
        return arrivals_.size();
    }
    std::string size() {
        std::lock_guard lock(mutex_);
        return size_;
    }
    // Forget what arrived so far (before the next update is sent).
    void clear() {
        std::lock_guard lock(mutex_);
        arrivals_.clear();
    }

private:
    static test::ClientOptions options() {
        test::ClientOptions o;
        o.path = "/pixels?meta=1";
        o.read_timeout = std::chrono::seconds(10);
        return o;
    }

    void run() {
        while (!stop_) {
            auto r = ws_.read();
            const auto at = Clock::now();
            if (std::holds_alternative<test::TimedOut>(r)) {
                std::lock_guard lock(mutex_);
                error_ = "no pixel message for 10 s";  // keep-alive frames come every second
                changed_.notify_all();
                return;
            }
            std::lock_guard lock(mutex_);
            if (std::holds_alternative<test::Closed>(r)) {
                if (!stop_) error_ = "the host closed /pixels";
                changed_.notify_all();
                return;
            }
            const std::string &bytes = std::get<test::Message>(r).text;
            auto parsed = protocol::parse_pixel_message(
                std::span(reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size()));
            if (auto *why = std::get_if<std::string>(&parsed)) {
                error_ = "bad pixel message: " + *why;
            } else if (const auto &message = std::get<protocol::PixelMessage>(parsed); message.meta) {
                arrivals_.push_back({at, message.meta->versions});
                size_ = fmt::format("{}x{}", message.header.width, message.header.height);
            } else {
                error_ = "pixel message without the metadata block";
            }
            changed_.notify_all();
        }
    }

    test::WsClient ws_;
    std::atomic<bool> stop_{false};
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<PixelArrival> arrivals_;
    std::string error_;
    std::string size_;  // the stream's picture size
    std::thread thread_;
};

// The next control frame of `type` (others are skipped), parsed.
json::object next_of_type(test::WsClient &ws, std::string_view type) {
    for (;;) {
        auto r = ws.read();
        if (!std::holds_alternative<test::Message>(r)) fail(fmt::format("control: no {} (closed or timed out)", type));
        json::object frame = json::parse(std::get<test::Message>(r).text).as_object();
        if (frame.at("type").as_string() == type) return frame;
    }
}

struct LatencyResult {
    std::string size;
    std::vector<double> ack_ms, pixel_ms;
    int missed = 0;  // updates whose picture never arrived (within 5 s)
};

LatencyResult latency(const Options &o) {
    const std::string audit = (std::filesystem::temp_directory_path() /
                               fmt::format("scenehost-pixel-bench-{}.jsonl", getpid()))
                                  .string();
    LatencyResult result;
    {
        test::HostProcess host({"--plugin-dir", SCENEHOST_PLUGIN_DIR, "--demo", "--audit-log", audit, "--encoder",
                                "x264", "--encoder-options", pipeline_settings(o).options_json});
        test::WsClient control(host.port());
        control.send_text(json::serialize(json::object{
            {"type", "session.hello"}, {"version", 1}, {"frame_id", "hello-1"}, {"timestamp", 1.0},
            {"payload",
             {{"protocols", {1}},
              {"client", {{"name", "pixel_bench"}, {"version", "1"}, {"platform", "linux"}}},
              {"features", {{"notify.scene", true}, {"notify.layers", true}, {"notify.stream", true}}},
              {"resume_tokens", json::object{}}}}}));
        const std::string session(next_of_type(control, "session.welcome").at("session").as_string());

        PixelReader pixels(host.port());
        for (int i = 0; i < 200 && pixels.count() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        if (pixels.count() == 0) fail("no pixel message within 10 s of connecting to /pixels?meta=1");

        for (int i = 0; i < o.updates; ++i) {
            // Alternate dims and camera; each scope's value differs from its previous one.
            const bool dims = i % 2 == 0;
            const std::string scope = dims ? "dims" : "camera";
            json::object payload = dims ? json::object{{"scope", "dims"}, {"target", "0"}, {"key", "current_step"},
                                                       {"value", 8 + (i / 2) % 48}}
                                        : json::object{{"scope", "camera"}, {"target", "main"}, {"key", "zoom"},
                                                       {"value", 2.0 + 0.1 * ((i / 2) % 10)}};
            const std::string id = fmt::format("u{}", i);
            std::this_thread::sleep_for(std::chrono::milliseconds(20));  // past the render worker's fps interval
            pixels.clear();
            const auto sent = Clock::now();
            control.send_text(json::serialize(json::object{{"type", "state.update"}, {"version", 1},
                                                           {"session", session}, {"frame_id", id},
                                                           {"intent_id", "intent-" + id}, {"timestamp", 1.0},
                                                           {"payload", std::move(payload)}}));
            json::object ack;
            do {
                ack = next_of_type(control, "ack.state");
            } while (ack.at("payload").as_object().at("in_reply_to") != id.c_str());
            const auto acked = Clock::now();
            const json::object &p = ack.at("payload").as_object();
            if (p.at("status") != "accepted") fail("update refused: " + json::serialize(ack));
            const uint64_t version = p.at("version").to_number<uint64_t>();
            result.ack_ms.push_back(ms_between(sent, acked));
            if (auto shown = pixels.wait_for(scope, version, std::chrono::seconds(5))) {
                result.pixel_ms.push_back(ms_between(sent, *shown));
            } else {
                ++result.missed;
            }
        }
        result.size = pixels.size();
        pixels.stopping();
        host.stop();  // SIGTERM (also on the way out through ~HostProcess)
    }
    std::filesystem::remove(audit);
    return result;
}

}  // namespace

int main(int argc, char **argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string_view flag = argv[i];
        const bool has_value = i + 1 < argc;
        if (flag == "--quick") {
            o.quick = true;
            o.frames = 4;
            o.updates = 5;
        } else if (flag == "--frames" && has_value) {
            o.frames = std::stoi(argv[++i]);
        } else if (flag == "--updates" && has_value) {
            o.updates = std::stoi(argv[++i]);
        } else if (flag == "--preset" && has_value) {
            o.preset = argv[++i];
        } else {
            return std::fprintf(stderr, "usage: pixel_bench [--quick] [--frames N] [--updates N] [--preset P]\n"), 2;
        }
    }
    if (o.frames < 1 || o.updates < 1) return std::fprintf(stderr, "pixel_bench: --frames and --updates are >= 1\n"), 2;

    auto library = plugin::open_plugin_library(std::filesystem::path(SCENEHOST_PLUGIN_DIR) / "encoder_x264.so");
    if (auto *refusal = std::get_if<plugin::Refusal>(&library)) fail("encoder_x264.so: " + refusal->reason);
    auto created = plugin::EncoderPlugin::create(std::get<plugin::PluginLibrary>(library));
    if (auto *why = std::get_if<std::string>(&created)) fail("encoder_x264.so: " + *why);
    const plugin::EncoderPlugin &encoder = *std::get<std::unique_ptr<plugin::EncoderPlugin>>(created);
    if (std::string why = pixel::EncodePipeline::check_settings(encoder, pipeline_settings(o)); !why.empty()) fail(why);

    // Latency first: QtRuntime points DISPLAY at its own (private) display, which a child host
    // started after it would inherit and then lose.
    LatencyResult lat = latency(o);
    std::vector<ThroughputRow> rows;
    std::string gl;
    {
        render::QtRuntime qt("auto");
        auto surface = qt.make_surface();
        render::GlContext context(*surface);
        render::Renderer renderer(context.context());
        gl = context.description();
        const data::Scene data = data::demo_scene();
        for (auto [w, h] : {std::pair{1280, 720}, std::pair{1920, 1080}}) {
            rows.push_back(throughput(renderer, data, encoder, o, w, h));
        }
    }

    fmt::print("pixel_bench: GL {}; x264 preset {}, 8000 kbps, IDR every 120; {} frames per size, {} updates\n\n", gl,
               o.preset, o.frames, o.updates);
    fmt::print("Throughput (ratio = pipeline fps / bare x264 fps; pipeline = render + convert + encode; "
               "without render = pre-rendered frames through convert + encode)\n\n");
    fmt::print("| size | bare x264 fps | pipeline fps | ratio | pipeline without render fps | ratio | "
               "encoded / submitted | dropped | convert ms/frame | encode ms/frame | render ms/frame |\n");
    fmt::print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (const auto &r : rows) {
        fmt::print("| {}x{} | {:.1f} | {:.1f} | {:.2f} | {:.1f} | {:.2f} | {} / {} | {} | {:.2f} | {:.2f} | {:.2f} |\n",
                   r.width, r.height, r.bare_fps, r.pipeline_fps, r.pipeline_fps / r.bare_fps, r.encode_only_fps,
                   r.encode_only_fps / r.bare_fps, r.encoded, r.submitted, r.dropped, r.convert_ms, r.encode_ms,
                   r.render_ms);
    }
    fmt::print("\nIntent-to-pixel latency, {} demo stream (ratio = latency / control ack round trip)\n\n", lat.size);
    fmt::print("| metric | intent-to-pixel ms | ack round trip ms | ratio |\n");
    fmt::print("|---|---:|---:|---:|\n");
    for (double p : {50.0, 99.0, 100.0}) {
        const double a = percentile(lat.pixel_ms, p), b = percentile(lat.ack_ms, p);
        fmt::print("| {} | {:.2f} | {:.2f} | {:.1f} |\n", p == 100.0 ? std::string("max") : fmt::format("p{}", p), a, b,
                   b > 0 ? a / b : 0.0);
    }
    fmt::print("\nupdates: {} sent, {} pictures seen, {} not seen within 5 s\n", o.updates, lat.pixel_ms.size(),
               lat.missed);
    return lat.missed > 0 ? 1 : 0;
}
