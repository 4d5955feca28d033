// The pixel channel end to end: the real host renders the demo scene, encodes it with the x264
// plugin and streams it on /pixels; test clients decode what they get with libavcodec using the
// avcC of notify.stream. Keyframe requests, late joiners and a client that stops reading.
#include <QByteArray>
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>
#include <unistd.h>

#include "protocol/pixel_frame.hpp"
#include "support/control_client.hpp"
#include "support/h264_decoder.hpp"
#include "support/host_process.hpp"

using namespace scenehost;
using namespace scenehost::test;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> host_args(std::vector<std::string> extra = {}, std::string encoder = "x264") {
    const fs::path audit = fs::temp_directory_path() / ("scenehost-pixels-" + std::to_string(getpid()) + ".jsonl");
    std::vector<std::string> args = {"--plugin-dir", SCENEHOST_PLUGIN_DIR, "--demo", "--audit-log", audit.string(),
                                     "--encoder", encoder, "--updates-per-s", "100000"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

json::object payload(const json::object &frame) { return frame.at("payload").as_object(); }

// One pixel message, owned.
struct Pixels {
    std::string bytes;
    protocol::PixelMessage message;
    bool keyframe() const { return message.header.flags & protocol::kPixelFlagKeyframe; }
    std::span<const uint8_t> unit() const { return message.payload; }
};

class PixelClient {
public:
    explicit PixelClient(uint16_t port, std::string query = "meta=1", int receive_buffer_bytes = 0)
        : ws_(port, ClientOptions{.path = "/pixels" + (query.empty() ? "" : "?" + query),
                                  .read_timeout = std::chrono::milliseconds(10000),
                                  .receive_buffer_bytes = receive_buffer_bytes}) {}

    Pixels next() {
        auto r = ws_.read();
        if (auto *closed = std::get_if<Closed>(&r)) FAIL("pixels closed (" << closed->reason.code << ")");
        return parse(r);
    }
    // Every message until the host closes the channel; close_code is set to its code.
    std::vector<Pixels> until_closed(uint16_t &close_code) {
        std::vector<Pixels> out;
        for (;;) {
            auto r = ws_.read();
            if (auto *closed = std::get_if<Closed>(&r)) {
                close_code = closed->reason.code;
                return out;
            }
            out.push_back(parse(r));
        }
    }
    WsClient &ws() { return ws_; }

private:
    static Pixels parse(ReadResult &r) {
        REQUIRE(std::holds_alternative<Message>(r));
        Message &m = std::get<Message>(r);
        REQUIRE(m.binary);
        Pixels p{std::move(m.text), {}};
        auto parsed = protocol::parse_pixel_message(
            {reinterpret_cast<const uint8_t *>(p.bytes.data()), p.bytes.size()});
        INFO((std::holds_alternative<std::string>(parsed) ? std::get<std::string>(parsed) : ""));
        REQUIRE(std::holds_alternative<protocol::PixelMessage>(parsed));
        p.message = std::get<protocol::PixelMessage>(parsed);
        return p;
    }

    WsClient ws_;
};

// Reads control frames until notify.stream; returns its payload.
json::object next_stream(ControlClient &c) {
    for (;;) {
        json::object f = c.next();
        if (f.at("type") == "notify.stream") return payload(f);
    }
}

std::vector<uint8_t> avcc_of(const json::object &stream) {
    const QByteArray bytes = QByteArray::fromBase64(QByteArray(stream.at("avcc").as_string().c_str()));
    return {bytes.begin(), bytes.end()};
}

// The camera version of an accepted zoom.
uint64_t zoom(ControlClient &c, double factor) {
    c.update("camera", "main", "zoom", json::object{{"factor", factor}, {"anchor_px", json::array{640, 360}}});
    for (;;) {
        json::object f = c.next();
        if (f.at("type") != "ack.state") continue;
        INFO(json::serialize(f));
        REQUIRE(payload(f).at("status") == "accepted");
        return payload(f).at("version").to_number<uint64_t>();
    }
}

}  // namespace

TEST_CASE("a pixel client starts at an IDR that decodes with notify.stream's avcC into the canvas size") {
    HostProcess host(host_args());
    ControlClient control(host.port(), {}, /*keep_stream=*/true);
    control.handshake();
    const json::object stream = next_stream(control);
    CHECK(stream.at("codec") == "h264");
    CHECK(stream.at("format") == "avcc");
    CHECK(stream.at("nal_length_size") == 4);
    CHECK(stream.at("frame_size") == json::array{1280, 720});
    CHECK(stream.at("encoder") == "x264");  // the plugin that encodes (vpl has no GPU here)
    CHECK(stream.at("fps").to_number<double>() == 60.0);
    CHECK(stream.at("latency_policy").at("max_buffer_ms").to_number<double>() == 120.0);

    PixelClient pixels(host.port());
    const Pixels first = pixels.next();
    CHECK(first.keyframe());
    CHECK(first.message.header.width == 1280);
    CHECK(first.message.header.height == 720);
    CHECK(first.message.header.codec == protocol::kPixelCodecH264);
    REQUIRE(first.message.meta.has_value());
    CHECK(first.message.meta->versions.count("camera") == 1);
    CHECK(first.message.header.timestamp_s == Approx(first.message.meta->captured_us / 1e6));
    // The stages in the order the host passes them, within the few seconds since start.
    const protocol::PixelStages &stages = first.message.meta->stages;
    CHECK(stages.applied_us > 0);
    CHECK(stages.applied_us <= stages.rendered_us);
    CHECK(stages.rendered_us == first.message.meta->captured_us);
    CHECK(stages.rendered_us <= stages.encoded_us);
    CHECK(stages.encoded_us <= stages.sent_us);
    CHECK(stages.sent_us - stages.applied_us < 30'000'000);

    H264Decoder decoder(avcc_of(stream));
    const auto picture = decoder.decode(first.unit());
    REQUIRE(picture.has_value());
    CHECK(picture->width() == 1280);
    CHECK(picture->height() == 720);
    // The demo scene is not a blank canvas: its luma varies.
    const auto y = picture->plane(0);
    const auto [lo, hi] = std::minmax_element(y.begin(), y.end());
    CHECK(int(*hi) - int(*lo) > 64);
}

TEST_CASE("the picture of a change arrives with the versions it shows, and decodes after the IDR") {
    HostProcess host(host_args());
    ControlClient control(host.port(), {}, true);
    control.handshake();
    const json::object stream = next_stream(control);
    PixelClient pixels(host.port());
    H264Decoder decoder(avcc_of(stream));
    const Pixels first = pixels.next();
    REQUIRE(first.keyframe());
    REQUIRE(decoder.decode(first.unit()).has_value());
    for (int i = 0; i < 5; ++i) {
        const uint64_t version = zoom(control, i % 2 ? 0.8 : 1.25);
        for (;;) {
            const Pixels p = pixels.next();
            REQUIRE(decoder.decode(p.unit()).has_value());  // every unit decodes, in order
            if (p.message.meta->versions.at("camera") >= version) break;
        }
    }
}

TEST_CASE("napari.pixel.request_keyframe: reply null, notify.stream again, and the next frame is an IDR") {
    HostProcess host(host_args());
    ControlClient control(host.port(), {}, true);
    control.handshake();
    next_stream(control);
    PixelClient pixels(host.port());
    REQUIRE(pixels.next().keyframe());
    zoom(control, 1.1);
    Pixels p = pixels.next();
    while (p.keyframe()) p = pixels.next();  // a P-frame: the stream is under way

    const std::string id = control.command("napari.pixel.request_keyframe");
    bool replied = false, restated = false;
    while (!replied || !restated) {
        const json::object f = control.next();
        if (f.at("type") == "reply.command") {
            CHECK(payload(f).at("in_reply_to") == json::value(id));
            CHECK(payload(f).at("status") == "ok");
            replied = true;
        }
        restated = restated || f.at("type") == "notify.stream";
    }
    // Within one frame: a frame encoded before the request may still be on its way.
    const Pixels a = pixels.next();
    CHECK((a.keyframe() || pixels.next().keyframe()));
}

TEST_CASE("a client joining mid-stream starts at an IDR") {
    HostProcess host(host_args());
    ControlClient control(host.port());
    control.handshake();
    PixelClient early(host.port(), "");
    REQUIRE(early.next().keyframe());
    bool p_frame_seen = false;
    for (int i = 0; i < 3; ++i) {
        zoom(control, 1.05);
        p_frame_seen = p_frame_seen || !early.next().keyframe();
    }
    REQUIRE(p_frame_seen);
    PixelClient late(host.port(), "");
    const Pixels first = late.next();
    CHECK(first.keyframe());
    CHECK_FALSE(first.message.meta.has_value());  // no ?meta=1: napari-cuda's framing only
}

TEST_CASE("a pixel client that stops reading does not hold up another: it loses frames up to an IDR") {
    // Not stalled for good: it reads again after the loop (the next case closes one that never does).
    HostProcess host(host_args({"--socket-send-buffer-bytes", "8192", "--pixel-stall-s", "600"}));
    ControlClient control(host.port());
    control.handshake();
    PixelClient stalled(host.port(), "meta=1", 4096);
    PixelClient reader(host.port());
    REQUIRE(reader.next().keyframe());

    // Every zoom renders a new picture; the reader keeps up and sees the last one.
    uint64_t version = 0;
    std::vector<uint32_t> reader_seqs;
    for (int i = 0; i < 60; ++i) {
        version = zoom(control, i % 2 ? 0.9 : 1.1);
        for (;;) {
            const Pixels p = reader.next();
            reader_seqs.push_back(p.message.header.seq);
            if (p.message.meta->versions.at("camera") >= version) break;
        }
    }
    // The stalled client now reads what reached it: after every gap in the sequence comes an IDR.
    std::vector<Pixels> got;
    for (;;) {
        auto r = stalled.ws().read();
        if (!std::holds_alternative<Message>(r)) break;  // timed out: it has read everything sent
        const std::string bytes = std::get<Message>(r).text;
        auto parsed = protocol::parse_pixel_message({reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size()});
        REQUIRE(std::holds_alternative<protocol::PixelMessage>(parsed));
        got.push_back({bytes, std::get<protocol::PixelMessage>(parsed)});
        if (got.back().message.meta->versions.at("camera") >= version) break;
    }
    REQUIRE_FALSE(got.empty());
    CHECK(got.front().keyframe());
    bool gap = false;
    for (size_t i = 1; i < got.size(); ++i) {
        if (got[i].message.header.seq != got[i - 1].message.header.seq + 1) {
            gap = true;
            CHECK(got[i].keyframe());
        }
    }
    CHECK(gap);  // it really fell behind
    CHECK(reader_seqs.size() > got.size());
}

TEST_CASE("a pixel client that makes no progress is closed with 1013 and another keeps its frames, with no IDR per frame") {
    HostProcess host(host_args({"--socket-send-buffer-bytes", "8192", "--pixel-stall-s", "1", "--keyframe-interval", "600"}));
    ControlClient control(host.port());
    control.handshake();
    PixelClient stalled(host.port(), "meta=1", 4096);
    PixelClient reader(host.port());
    REQUIRE(reader.next().keyframe());
    // Zooms for at least three stall timeouts; the reader follows every one of them.
    const auto start = std::chrono::steady_clock::now();
    uint64_t version = 0;
    int keyframes = 0, frames = 0;
    while (std::chrono::steady_clock::now() - start < std::chrono::seconds(3)) {
        version = zoom(control, frames % 2 ? 0.9 : 1.1);
        for (;;) {
            const Pixels p = reader.next();
            ++frames;
            keyframes += p.keyframe() ? 1 : 0;
            if (p.message.meta->versions.at("camera") >= version) break;
        }
    }
    // The stalled client's lag forced no IDRs on the reader: only joins may have (one each), and the
    // scheduled ones come every 600 frames.
    INFO(frames << " frames, " << keyframes << " IDRs");
    CHECK(keyframes <= 2 + frames / 600);
    // What reached the stalled client before the host gave up on it, then the close.
    uint16_t code = 0;
    stalled.until_closed(code);
    CHECK(code == 1013);
    const auto samples = http_get(host.port(), "/metrics").second;
    CHECK_THAT(samples, Catch::Contains("scenehost_pixel_clients_stalled_total 1\n"));
}

TEST_CASE("/pixels refuses an unknown query with 1008, and a host that does not render has no /pixels") {
    HostProcess host(host_args());
    PixelClient bad(host.port(), "codec=hevc");
    auto r = bad.ws().read();
    REQUIRE(std::holds_alternative<Closed>(r));
    CHECK(std::get<Closed>(r).reason.code == 1008);
    const auto &why = std::get<Closed>(r).reason.reason;
    CHECK(std::string(why.data(), why.size()) == "unknown query 'codec=hevc': /pixels takes meta=1 or nothing");

    HostProcess control_only(host_args({"--no-render"}));
    const auto [status, body] = http_get(control_only.port(), "/pixels");
    CHECK(status == 404);
    CHECK(body == "no pixel stream: this host does not render (--no-render)\n");
}

TEST_CASE("an encoder that fails while streaming is a critical fault: notify.error, goodbye, 1011 on both channels") {
    // The fixture encoder loses its device after three frames.
    const std::string fixture = std::string(SCENEHOST_FIXTURE_PLUGIN_DIR) + "/failing_encode_encoder";
    HostProcess host(host_args({"--plugin-dir", fixture}, "failing_encode_encoder"));
    ControlClient control(host.port());
    control.handshake();
    PixelClient pixels(host.port(), "");
    REQUIRE(pixels.next().keyframe());
    // Each zoom renders a new picture; the fourth encode fails.
    for (int i = 0; i < 8; ++i) {
        control.update("camera", "main", "zoom", json::object{{"factor", 1.1}, {"anchor_px", json::array{10, 10}}});
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    json::object error;
    while (error.empty()) {
        const json::object f = control.next();
        INFO(json::serialize(f));
        if (f.at("type") == "ack.state") REQUIRE(payload(f).at("status") == "accepted");
        if (f.at("type") == "notify.error") error = f;
    }
    CHECK(payload(error).at("severity") == "critical");
    CHECK(payload(error).at("domain") == "encoder");
    CHECK(payload(error).at("code") == "encoder.failed");
    CHECK(payload(error).at("message") ==
          "encoder 'failing_encode_encoder' failed: the fixture's device was lost");
    CHECK(control.expect("session.goodbye").at("payload").at("code") == "error");
    CHECK(control.expect_close() == 1011);
    uint16_t close_code = 0;
    pixels.until_closed(close_code);
    CHECK(close_code == 1011);
    CHECK(host.wait_exit(std::chrono::seconds(10)) == 3);
}

TEST_CASE("a new canvas size: notify.stream with the new frame size, an IDR of that size, and resume replays it") {
    HostProcess host(host_args());
    json::object tokens;
    {
        ControlClient a(host.port(), {}, true);
        a.handshake();
        tokens["notify.scene"] = a.expect("notify.scene").at("delta_token");
        for (;;) {
            const json::object f = a.next();
            if (f.at("type") != "notify.stream") continue;
            CHECK(payload(f).at("frame_size") == json::array{1280, 720});
            tokens["notify.stream"] = f.at("delta_token");
            break;
        }
    }
    ControlClient b(host.port(), {}, true);
    b.handshake();
    b.expect("notify.scene");
    PixelClient pixels(host.port());
    REQUIRE(pixels.next().message.header.width == 1280);
    b.update("view", "main", "canvas_size", json::array{640, 362});
    json::object stream;
    for (;;) {
        const json::object f = b.next();
        if (f.at("type") == "notify.stream" && payload(f).at("frame_size") == json::array{640, 362}) {
            stream = payload(f);
            break;
        }
    }
    Pixels p = pixels.next();
    while (p.message.header.width != 640) p = pixels.next();
    CHECK(p.keyframe());
    CHECK(p.message.header.height == 362);
    H264Decoder decoder(avcc_of(stream));
    const auto picture = decoder.decode(p.unit());
    REQUIRE(picture.has_value());
    CHECK(picture->width() == 640);
    CHECK(picture->height() == 362);

    // A client resuming with its old notify.stream token: the view change started a new scene
    // epoch, so it gets a fresh baseline whose notify.stream is the new one.
    json::object stream_token;
    uint64_t stream_seq = 0;
    {
        ControlClient again(host.port(), {}, true);
        again.handshake(tokens);
        for (;;) {
            const json::object f = again.next();
            if (f.at("type") != "notify.stream") continue;
            CHECK(payload(f).at("frame_size") == json::array{640, 362});
            stream_token["notify.stream"] = f.at("delta_token");
            stream_seq = f.at("seq").to_number<uint64_t>();
            break;
        }
    }
    // Within an epoch the missed configs are replayed: a keyframe request re-sent the stream.
    b.command("napari.pixel.request_keyframe");
    while (b.next().at("type") != "reply.command") {
    }
    ControlClient resumed(host.port(), {}, true);
    resumed.handshake(stream_token);
    for (;;) {
        const json::object f = resumed.next();
        if (f.at("type") != "notify.stream") continue;
        CHECK(f.at("seq").to_number<uint64_t>() == stream_seq + 1);
        CHECK(f.at("delta_token") != stream_token.at("notify.stream"));
        break;
    }
}

TEST_CASE("audit before apply: a change the audit log cannot record is never rendered, streamed or notified") {
    // The audit log may not grow past 32 KiB: some intent's line will not fit (a full disk).
    const fs::path audit = fs::temp_directory_path() / ("scenehost-pixels-unrecorded-" + std::to_string(getpid()) + ".jsonl");
    fs::remove(audit);
    std::vector<std::string> args = host_args();
    const auto audit_flag = std::find(args.begin(), args.end(), "--audit-log");
    REQUIRE(audit_flag != args.end());
    *(audit_flag + 1) = audit.string();  // this test's own log, which it reads back
    // 32 KiB, not less: the private Xvfb's keymap compiler writes files of its own.
    HostProcess host(args, {.max_file_bytes = 32768});
    ControlClient writer(host.port()), watcher(host.port());
    for (ControlClient *c : {&writer, &watcher}) {
        c->handshake();
        c->expect("notify.scene");
    }
    PixelClient pixels(host.port());
    const Pixels first = pixels.next();
    REQUIRE(first.message.meta.has_value());
    const uint64_t initial_version = first.message.meta->versions.at("layer");

    uint64_t last_version = 0;  // the layer scope's version after the last recorded change
    double last_value = 0;
    json::object ack;
    for (int i = 1; i <= 1000; ++i) {
        writer.update("layer", "layer-0", "opacity", i / 1000.0);
        ack = writer.expect("ack.state");
        if (payload(ack).at("status") != "accepted") break;
        last_version = payload(ack).at("version").to_number<uint64_t>();
        last_value = i / 1000.0;
        writer.expect("notify.layers");
        // Slower than the renderer, so the pictures of recorded changes reach the pixel client.
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    REQUIRE(payload(ack).at("status") == "rejected");
    CHECK(payload(ack).at("error").at("code") == "state.not_recorded");
    REQUIRE(last_version > 0);

    // The other client's last notify.layers is the last recorded value; then the fault.
    json::object last_delta;
    for (;;) {
        const json::object f = watcher.next();
        if (f.at("type") == "notify.error") break;
        if (f.at("type") == "notify.layers") last_delta = f;
    }
    CHECK(payload(last_delta).at("changes").at("opacity").to_number<double>() == last_value);
    CHECK(payload(last_delta).at("version").to_number<uint64_t>() == last_version);

    // No picture ever showed a layer version beyond the last recorded one.
    uint16_t close_code = 0;
    const std::vector<Pixels> rest = pixels.until_closed(close_code);
    CHECK(close_code == 1011);
    uint64_t newest_shown = 0;
    for (const Pixels &p : rest) {
        REQUIRE(p.message.meta.has_value());
        newest_shown = std::max(newest_shown, p.message.meta->versions.at("layer"));
    }
    CHECK_FALSE(rest.empty());
    CHECK(newest_shown > initial_version);  // recorded changes were drawn…
    CHECK(newest_shown <= last_version);    // …and nothing beyond them
    CHECK(host.wait_exit(std::chrono::seconds(10)) == 3);

    // The log's last accepted line is the last recorded value.
    std::ifstream in(audit);
    json::object last_line;
    for (std::string line; std::getline(in, line);) {
        boost::system::error_code parse_error;
        const json::value v = json::parse(line, parse_error);
        if (!parse_error && v.at("status") == "accepted") last_line = v.as_object();
    }
    CHECK(last_line.at("version").to_number<uint64_t>() == last_version);
    fs::remove(audit);
}
