// What a pixel client sees is what was rendered: frames of the demo scene go through the real
// encoder thread with the x264 plugin, are decoded with libavcodec from their AVCC units and the
// stream's avcC, turned back into RGBA, and compared with the rendered RGBA: PSNR >= 35 dB.
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <mutex>

#include "codec/yuv_convert.hpp"
#include "data/demo_scene.hpp"
#include "pixel/encode_pipeline.hpp"
#include "plugin/plugin_library.hpp"
#include "renderer_fixture.hpp"
#include "support/h264_decoder.hpp"

using namespace scenehost;
using namespace std::chrono_literals;

namespace {

// PSNR over the R, G and B channels of two equal-size RGBA pictures.
double psnr_rgb(const std::vector<uint8_t> &a, const std::vector<uint8_t> &b) {
    REQUIRE(a.size() == b.size());
    double squared = 0;
    size_t n = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        if (i % 4 == 3) continue;  // alpha
        const double d = double(a[i]) - double(b[i]);
        squared += d * d;
        ++n;
    }
    const double mse = squared / double(n);
    return mse == 0 ? 99.0 : 10 * std::log10(255.0 * 255.0 / mse);
}

// The demo's 2D view at 320 x 240, showing slice `z`.
render::RenderScene demo_view(const data::Scene &data, int64_t z, double zoom) {
    render::RenderScene s;
    s.width = 320;
    s.height = 240;
    s.dims = {{64, 256, 256}, {z, 0, 0}, {0, 1, 2}, 2};
    s.camera.center = {31.5, 127.5, 127.5};
    s.camera.zoom = zoom;
    for (const auto &[id, source] : data.sources) {
        render::LayerState layer = test::layer(id, source);
        layer.colormap = id == "layer-0" ? "magma" : "gray";
        layer.contrast_limits = {0, id == "layer-0" ? 255.0 : 4095.0};
        layer.blending = "additive";
        layer.opacity = 0.8;
        s.layers.push_back(layer);
    }
    return s;
}

}  // namespace

TEST_CASE("rendered frames survive convert, x264 and decode at PSNR >= 35 dB against the rendered RGBA") {
    auto library = plugin::open_plugin_library(SCENEHOST_X264_PLUGIN);
    REQUIRE(std::holds_alternative<plugin::PluginLibrary>(library));
    auto created = plugin::EncoderPlugin::create(std::get<plugin::PluginLibrary>(library));
    REQUIRE(std::holds_alternative<std::unique_ptr<plugin::EncoderPlugin>>(created));
    const auto &x264 = *std::get<std::unique_ptr<plugin::EncoderPlugin>>(created);

    std::mutex mutex;
    std::condition_variable changed;
    std::vector<std::shared_ptr<const pixel::EncodedFrame>> encoded;
    std::optional<pixel::StreamFormat> format;
    pixel::PipelineSettings settings;
    settings.bitrate_kbps = 4000;
    pixel::EncodePipeline pipeline(
        x264, settings,
        {[&](std::shared_ptr<const pixel::EncodedFrame> f) {
             std::lock_guard lock(mutex);
             encoded.push_back(std::move(f));
             changed.notify_all();
         },
         [&](const pixel::StreamFormat &f) {
             std::lock_guard lock(mutex);
             format = f;
         },
         [&](const std::string &why) { FAIL("encoder failed: " << why); }});

    test::Gl gl;
    const data::Scene data = data::demo_scene();
    std::vector<std::shared_ptr<const render::RenderedFrame>> rendered;
    constexpr int kFrames = 8;
    for (int i = 0; i < kFrames; ++i) {
        auto frame = std::make_shared<render::RenderedFrame>();
        frame->frame = gl.renderer.render(demo_view(data, 20 + i, 0.8 + 0.05 * i));
        frame->sequence = uint64_t(i + 1);
        frame->captured_us = 1'000'000 * (i + 1);
        rendered.push_back(frame);
        pipeline.submit(frame);
        std::unique_lock lock(mutex);  // one at a time: the queue may not drop any
        REQUIRE(changed.wait_for(lock, 30s, [&] { return encoded.size() == size_t(i + 1); }));
    }

    std::lock_guard lock(mutex);
    REQUIRE(format.has_value());
    CHECK(format->width == 320);
    CHECK(format->height == 240);
    test::H264Decoder decoder(format->avcc_record);
    for (int i = 0; i < kFrames; ++i) {
        INFO("frame " << i);
        CHECK(encoded[i]->keyframe == (i == 0));
        CHECK(encoded[i]->render_sequence == rendered[i]->sequence);
        const auto picture = decoder.decode(encoded[i]->avcc);
        REQUIRE(picture.has_value());
        const std::vector<uint8_t> back = codec::to_rgba(*picture);
        const double psnr = psnr_rgb(back, rendered[i]->frame.rgba);
        INFO("PSNR " << psnr << " dB");
        CHECK(psnr >= 35.0);
    }
}
