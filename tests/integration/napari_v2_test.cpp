// napari-cuda's shipping dialect (v2) end to end against the real host: one case per point of
// §10 (shared/reference/napari-cuda-protocol.md) that napari-cuda's code decides, mixed v1/v2
// sessions, resume, napari-cuda's two ports and the keepalive literal. Every frame a v2 client
// receives passes protocol::v2::validate_frame (napari-cuda's EnvelopeParser rules).
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>

#include "integration/control_fixture.hpp"
#include "protocol/pixel_frame.hpp"
#include "support/control_client.hpp"
#include "support/host_process.hpp"

using namespace scenehost::test;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> control_only(std::vector<std::string> extra = {}) {
    extra.insert(extra.begin(), "--no-render");
    return host_args(std::move(extra));
}

// A v2 client past its handshake; the baseline is left unread.
struct V2 {
    ControlClient client;
    json::object welcome;
    V2(uint16_t port, json::object tokens = {}, ClientOptions options = {}, bool keep_stream = false)
        : client(port, options, keep_stream, 2), welcome(client.handshake(std::move(tokens))) {}
};

// Reads the baseline after a welcome: notify.scene, notify.dims, one notify.layers per layer.
std::vector<json::object> baseline(ControlClient &c, size_t layers) {
    std::vector<json::object> frames = {c.expect("notify.scene"), c.expect("notify.dims")};
    for (size_t i = 0; i < layers; ++i) frames.push_back(c.expect("notify.layers"));
    return frames;
}

json::object next_of(ControlClient &c, std::string_view type) {
    for (int i = 0; i < 20; ++i) {
        json::object frame = c.next();
        if (frame.at("type").as_string() == type) return frame;
    }
    FAIL("no " << type << " within 20 frames");
    return {};
}

}  // namespace

TEST_CASE("§10.1 version 2 on every frame, protocol_version 2 in the welcome, feature versions 1") {
    HostProcess host(control_only());
    V2 v2(host.port());
    CHECK(v2.welcome.at("version") == 2);
    CHECK(payload(v2.welcome).at("protocol_version") == 2);
    const json::object features = payload(v2.welcome).at("features").as_object();
    for (std::string_view topic : {"notify.scene", "notify.layers", "notify.stream"}) {
        CHECK(features.at(topic).at("enabled") == true);
        CHECK(features.at(topic).at("version") == 1);
        CHECK(features.at(topic).at("resume") == true);
        CHECK(features.at(topic).at("resume_state").at("delta_token").is_string());
    }
    CHECK(features.at("notify.dims").at("resume") == false);
    CHECK(features.at("notify.telemetry").at("enabled") == false);
    for (const json::object &frame : baseline(v2.client, 2)) CHECK(frame.at("version") == 2);
}

TEST_CASE("§10.8 the baseline is scene, dims, then one notify.layers per layer with its controls") {
    HostProcess host(control_only());
    V2 v2(host.port());
    const auto frames = baseline(v2.client, 2);
    const json::object scene = payload(frames[0]);
    CHECK(frames[0].at("seq") == 0);
    REQUIRE(scene.at("layers").as_array().size() == 2);
    const json::object &block = scene.at("layers").at(0).as_object();
    CHECK(block.at("layer_id") == "layer-0");
    CHECK(block.at("layer_type") == "image");
    CHECK(block.at("volume") == false);
    CHECK(block.at("controls").at("colormap") == "magma");
    CHECK(block.at("controls").at("interpolation").is_string());
    CHECK(block.at("multiscale").at("current_level") == 0);
    CHECK(block.at("level_shapes").at(0) == block.at("shape"));
    CHECK(scene.at("viewer").at("dims").at("current_level") == 0);
    CHECK(scene.at("metadata").at("status") == "ready");
    std::set<std::string> ids;
    for (size_t i = 2; i < frames.size(); ++i) {
        const json::object p = payload(frames[i]);
        ids.emplace(p.at("layer_id").as_string());
        CHECK(p.at("controls").at("visible") == true);
        CHECK(p.at("controls").as_object().contains("opacity"));
        CHECK_FALSE(p.contains("changes"));
        CHECK_FALSE(frames[i].contains("intent_id"));
        // The baseline carries the layers topic's current cursor: resuming from it misses nothing.
        CHECK(frames[i].at("delta_token") ==
              payload(v2.welcome).at("features").at("notify.layers").at("resume_state").at("delta_token"));
    }
    CHECK(ids == std::set<std::string>{"layer-0", "layer-1"});
}

TEST_CASE("§10.2 §10.7 §10.15 notify.layers in sections, the originator's intent_id to every session, ack version") {
    HostProcess host(control_only());
    V2 a(host.port());
    V2 b(host.port());
    baseline(a.client, 2);
    baseline(b.client, 2);
    const std::string frame_id = a.client.update("layer", "layer-1", "opacity", 0.25);
    const json::object ack = a.client.expect("ack.state");
    CHECK(payload(ack).at("status") == "accepted");
    CHECK(payload(ack).at("in_reply_to").as_string() == frame_id);
    CHECK(payload(ack).at("version").is_int64());
    CHECK(payload(ack).at("applied_value") == 0.25);
    for (ControlClient *c : {&a.client, &b.client}) {
        const json::object notify = c->expect("notify.layers");
        CHECK(payload(notify) == json::object{{"layer_id", "layer-1"}, {"controls", {{"opacity", 0.25}}}});
        CHECK(notify.at("intent_id") == payload(ack).at("intent_id"));  // napari-cuda sends it to all
    }
}

TEST_CASE("§10.3 the volume mode: controls.rendering always, data.volume.render_mode only in 3D") {
    HostProcess host(control_only());
    V2 v2(host.port());
    ControlClient &c = v2.client;
    baseline(c, 2);
    c.update("volume", "layer-0", "render_mode", "attenuated_mip");
    c.expect("ack.state");
    CHECK(payload(c.expect("notify.layers")) ==
          json::object{{"layer_id", "layer-0"}, {"controls", {{"rendering", "attenuated_mip"}}}});
    c.update("view", "main", "ndisplay", 3);
    c.expect("ack.state");
    CHECK(payload(c.expect("notify.dims")).at("ndisplay") == 3);
    const json::object scene = payload(c.expect("notify.scene"));
    CHECK(scene.at("layers").at(0).at("volume") == true);
    c.update("layer", "layer-0", "rendering", "iso");  // napari-cuda's layer control, same property
    c.expect("ack.state");
    CHECK(payload(c.expect("notify.layers")) == json::object{{"layer_id", "layer-0"},
                                                             {"controls", {{"rendering", "iso"}}},
                                                             {"data", {{"volume.render_mode", "iso"}}}});
    c.update("volume", "layer-0", "sample_step", 2.0);
    c.expect("ack.state");
    CHECK(payload(c.expect("notify.layers")) ==
          json::object{{"layer_id", "layer-0"}, {"data", {{"volume.sample_step", 2.0}}}});
}

TEST_CASE("§10.4 §10.6 notify.dims: step, levels, current_level, level_shapes, no intent_id but a short frame_id") {
    HostProcess host(control_only());
    V2 v2(host.port());
    ControlClient &c = v2.client;
    const json::object first = baseline(c, 2)[1];
    const json::object dims = payload(first);
    CHECK(dims.at("step") == dims.at("current_step"));
    CHECK(dims.at("current_level") == 0);
    CHECK(dims.at("mode") == "plane");
    CHECK(dims.at("ndisplay") == 2);
    REQUIRE_FALSE(dims.at("level_shapes").as_array().empty());
    CHECK(dims.at("levels").as_array().size() == dims.at("level_shapes").as_array().size());
    CHECK_FALSE(dims.contains("source"));
    CHECK_FALSE(dims.contains("version"));
    const int64_t axis0 = dims.at("step").at(0).to_number<int64_t>();
    c.update("dims", "0", "step", 1);
    const json::object ack = c.expect("ack.state");
    CHECK(payload(ack).at("status") == "accepted");
    CHECK(payload(ack).at("applied_value") == axis0 + 1);  // the axis's index, as napari-cuda's client records it
    const json::object moved = c.expect("notify.dims");
    CHECK(payload(moved).at("step").at(0).to_number<int64_t>() == axis0 + 1);
    CHECK_FALSE(moved.contains("intent_id"));  // napari-cuda's dims mirror never sets it
    CHECK(moved.at("frame_id").as_string().size() == 8);
    c.update("dims", "z", "index", 2);  // an axis by its label
    CHECK(payload(c.expect("ack.state")).at("applied_value") == 2);
    CHECK(payload(c.expect("notify.dims")).at("step").at(0) == 2);
}

TEST_CASE("§10.5 notify.camera: the operation with its intent, then the pose") {
    HostProcess host(control_only());
    V2 a(host.port());
    V2 b(host.port());
    baseline(a.client, 2);
    baseline(b.client, 2);
    a.client.update("camera", "main", "pan", json::object{{"dx_px", 10.0}, {"dy_px", 0.0}});
    const json::object ack = a.client.expect("ack.state");
    CHECK(payload(ack).at("applied_value") == json::object{{"dx_px", 10.0}, {"dy_px", 0.0}});
    for (ControlClient *c : {&a.client, &b.client}) {
        const json::object op = c->expect("notify.camera");
        CHECK(payload(op) == json::object{{"mode", "pan"},
                                          {"origin", "state.update"},
                                          {"delta", {{"dx_px", 10.0}, {"dy_px", 0.0}}}});
        CHECK(op.at("intent_id") == payload(ack).at("intent_id"));
        const json::object pose = c->expect("notify.camera");
        CHECK(payload(pose).at("mode") == "pose");
        CHECK(payload(pose).at("origin") == "worker.state.camera");
        CHECK(payload(pose).at("state").at("center").as_array().size() == 3);
        CHECK_FALSE(pose.contains("intent_id"));
    }
    a.client.update("camera", "main", "reset", nullptr);  // napari-cuda notifies a reset as {reason}
    a.client.expect("ack.state");
    CHECK(payload(a.client.expect("notify.camera")).at("delta") == json::object{{"reason", "state.update"}});
}

TEST_CASE("§10.9 §10.11 resume in v2: replay inside the window, a baseline outside it, never a reject") {
    HostProcess host(control_only());
    json::object tokens;
    {
        V2 first(host.port());
        const auto frames = baseline(first.client, 2);
        tokens = {{"notify.scene", frames[0].at("delta_token")}, {"notify.layers", frames[2].at("delta_token")},
                  {"notify.stream", nullptr}};
    }
    ControlClient writer(host.port());  // a v1 session writes while the v2 one is away
    writer.handshake();
    writer.expect("notify.scene");
    writer.update("layer", "layer-0", "gamma", 1.5);
    next_of(writer, "ack.state");
    writer.update("layer", "layer-1", "visible", false);
    next_of(writer, "ack.state");

    SECTION("a token inside the window replays the missed deltas in order, then dims and the pose") {
        V2 back(host.port(), tokens);
        const json::object one = back.client.expect("notify.layers");
        CHECK(payload(one) == json::object{{"layer_id", "layer-0"}, {"controls", {{"gamma", 1.5}}}});
        const json::object two = back.client.expect("notify.layers");
        CHECK(payload(two) == json::object{{"layer_id", "layer-1"}, {"controls", {{"visible", false}}}});
        CHECK(two.at("seq").to_number<uint64_t>() == one.at("seq").to_number<uint64_t>() + 1);
        back.client.expect("notify.dims");
        CHECK(payload(back.client.expect("notify.camera")).at("mode") == "pose");
    }
    SECTION("an unknown or malformed token gets the fresh baseline") {
        json::object stale = tokens;
        stale["notify.layers"] = "not-a-token-this-host-issued";
        V2 back(host.port(), stale);
        const auto frames = baseline(back.client, 2);
        CHECK(payload(frames[2]).at("controls").at("gamma") == 1.5);
    }
}

TEST_CASE("§10.12 §10.13 v2 refusals are v2 frames with napari-cuda's codes") {
    HostProcess host(control_only());
    const json::object client{{"name", "napari-cuda-client"}, {"version", "0"}, {"platform", "linux"}};
    SECTION("without notify.layers: unsupported_client naming what is missing") {
        ControlClient c(host.port(), {}, false, 2);
        c.send({{"type", "session.hello"}, {"version", 2}, {"frame_id", "h"}, {"timestamp", 1.0},
                {"payload", {{"protocols", {2}}, {"client", client},
                             {"features", {{"notify.scene", true}, {"notify.stream", true}}},
                             {"resume_tokens", json::object{}}}}});
        const json::object reject = c.expect("session.reject");
        CHECK(reject.at("version") == 2);
        CHECK(payload(reject).at("code") == "unsupported_client");
        CHECK(payload(reject).at("details").at("missing") == json::array{"notify.layers"});
    }
    SECTION("an unknown hello key: invalid_payload") {
        ControlClient c(host.port(), {}, false, 2);
        c.send({{"type", "session.hello"}, {"version", 2}, {"frame_id", "h"}, {"timestamp", 1.0},
                {"payload", {{"protocols", {2}}, {"client", client}, {"features", json::object{}},
                             {"resume_tokens", json::object{}}, {"colour", "blue"}}}});
        CHECK(payload(c.expect("session.reject")).at("code") == "invalid_payload");
    }
    SECTION("a first frame that is not a hello: unexpected_message") {
        ControlClient c(host.port(), {}, false, 2);
        c.send({{"type", "session.ack"}, {"version", 2}, {"session", "s"}, {"frame_id", "f"}, {"timestamp", 1.0},
                {"payload", json::object{}}});
        CHECK(payload(c.expect("session.reject")).at("code") == "unexpected_message");
        CHECK(c.expect_close() == 1008);
    }
    SECTION("no protocol in common: session.unsupported_protocol, written in v2") {
        ControlClient c(host.port(), {}, false, 2);
        c.send({{"type", "session.hello"}, {"version", 2}, {"frame_id", "h"}, {"timestamp", 1.0},
                {"payload", {{"protocols", {7}}, {"client", client}, {"features", json::object{}},
                             {"resume_tokens", json::object{}}}}});
        const json::object reject = c.expect("session.reject");
        CHECK(payload(reject).at("code") == "session.unsupported_protocol");
        CHECK(payload(reject).at("details").at("supported") == json::array{1, 2});
    }
}

TEST_CASE("the single listener: a v2 client at /control or at / (napari-cuda's client asks for the root)") {
    HostProcess host(control_only());
    for (std::string path : {"/control", "/"}) {
        ClientOptions at;
        at.path = path;
        V2 v2(host.port(), {}, at);
        CHECK(v2.welcome.at("version") == 2);
        baseline(v2.client, 2);
    }
}

TEST_CASE("negotiation: both protocols offered gets 2, also from a v1 envelope") {
    HostProcess host(control_only());
    ControlClient c(host.port());
    c.send({{"type", "session.hello"}, {"version", 1}, {"frame_id", "h"}, {"timestamp", 1.0},
            {"payload", {{"protocols", {1, 2}}, {"client", {{"name", "n"}, {"version", "v"}, {"platform", "p"}}},
                         {"features", {{"notify.scene", true}, {"notify.layers", true}, {"notify.stream", true}}},
                         {"resume_tokens", json::object{}}}}});
    auto r = c.read_raw();
    const json::object welcome = json::parse(std::get<Message>(r).text).as_object();
    CHECK(welcome.at("type") == "session.welcome");
    CHECK(welcome.at("version") == 2);
    CHECK(payload(welcome).at("protocol_version") == 2);
}

TEST_CASE("§10.16 §10.28 rejected values and foreign sessions: state.invalid, scenehost's code in the details") {
    HostProcess host(control_only());
    V2 v2(host.port());
    ControlClient &c = v2.client;
    baseline(c, 2);
    c.update("layer", "layer-0", "opacity", 1.5);
    const json::object rejected = c.expect("ack.state");
    CHECK(payload(rejected).at("status") == "rejected");
    CHECK(payload(rejected).at("error").at("code") == "state.invalid");
    CHECK(payload(rejected).at("error").at("details").at("scenehost_code") == "state.out_of_range");
    CHECK_THAT(std::string(payload(rejected).at("error").at("message").as_string()), Catch::Contains("opacity"));
    c.send({{"type", "state.update"}, {"version", 2}, {"session", "someone-else"}, {"frame_id", "f-9"},
            {"intent_id", "i-9"}, {"timestamp", 1.0},
            {"payload", {{"scope", "layer"}, {"target", "layer-0"}, {"key", "gamma"}, {"value", 1.2}}}});
    const json::object foreign = c.expect("ack.state");
    CHECK(payload(foreign).at("status") == "rejected");
    CHECK(payload(foreign).at("error").at("code") == "state.invalid");
    CHECK(payload(foreign).at("error").at("details").at("scenehost_code") == "protocol.invalid_envelope");
}

TEST_CASE("§10.14 §10.20 §10.27 keepalive literal, liveness, and bad frames answered in v2 without a close") {
    HostProcess host(control_only({"--heartbeat-s", "0.3"}));
    V2 v2(host.port());
    ControlClient &c = v2.client;
    baseline(c, 2);
    // napari-cuda's client pings every 2 s and never answers a heartbeat when it has sent
    // something since: pings alone keep the session through many heartbeat periods.
    for (int i = 0; i < 8; ++i) {
        c.send_raw(R"({"type":"ping"})");
        usleep(150'000);
    }
    c.send_raw("{not json");
    const json::object bad_json = next_of(c, "notify.error");
    CHECK(bad_json.at("version") == 2);
    CHECK(payload(bad_json).at("code") == "invalid_json");
    c.send({{"type", "session.ack"}, {"version", 2}, {"session", c.session()}, {"frame_id", "a-1"}, {"timestamp", 1.0},
            {"payload", {{"unexpected", 1}}}});
    CHECK(payload(next_of(c, "notify.error")).at("code") == "invalid_payload");
    c.command("no.such.command");
    const json::object unknown = next_of(c, "error.command");
    CHECK(payload(unknown).at("code") == "command.not_found");  // §10.18
    c.send({{"type", "call.command"}, {"version", 2}, {"session", c.session()}, {"frame_id", "c-1"},
            {"timestamp", 1.0}, {"payload", {{"command", 5}}}});
    CHECK(payload(next_of(c, "error.command")).at("code") == "command.forbidden");
    c.update("layer", "layer-0", "gamma", 1.1);  // still in session
    CHECK(payload(next_of(c, "ack.state")).at("status") == "accepted");
}

TEST_CASE("§10.18 §10.19 commands: the catalogue, args defaulted, fs.listdir confined to the data roots") {
    const fs::path root = temp_file("data-root");
    fs::remove_all(root);
    fs::create_directories(root / "cells.zarr");
    std::ofstream(root / "cells.zarr" / ".zattrs") << R"({"multiscales":[{"datasets":[{"path":"0"}]}]})";
    fs::create_directories(root / "plain");
    std::ofstream(root / "notes.txt") << "hello";
    std::ofstream(root / ".hidden.zarr") << "";
    HostProcess host(control_only({"--data-root", root.string()}));
    V2 v2(host.port());
    ControlClient &c = v2.client;
    baseline(c, 2);
    const json::array commands = payload(v2.welcome).at("features").at("call.command").at("commands").as_array();
    CHECK(std::find(commands.begin(), commands.end(), json::value("fs.listdir")) != commands.end());

    // napari-cuda's client may leave out args and kwargs.
    c.send({{"type", "call.command"}, {"version", 2}, {"session", c.session()}, {"frame_id", "c-1"},
            {"timestamp", 1.0}, {"payload", {{"command", "fs.listdir"}}}});
    const json::object reply = next_of(c, "reply.command");
    const json::object listing = payload(reply).at("result").as_object();
    CHECK(listing.at("path").as_string() == fs::canonical(root).string());
    CHECK(listing.at("has_more") == false);
    const json::array &entries = listing.at("entries").as_array();
    REQUIRE(entries.size() == 2);  // the .zarr directory and the plain one; no .txt, nothing hidden
    CHECK(entries[0].at("name") == "cells.zarr");
    CHECK(entries[0].at("is_dir") == true);
    CHECK(entries[0].at("zarr_metadata").at("is_dataset") == true);
    CHECK(entries[0].at("zarr_metadata").at("has_multiscales") == true);
    CHECK(entries[0].at("mtime").is_double());
    CHECK(entries[1].at("name") == "plain");
    CHECK(entries[1].at("zarr_metadata").at("is_dataset") == false);

    c.command("fs.listdir", {}, {{"only", json::array{".txt"}}, {"show_hidden", true}});
    const json::array with_txt = payload(next_of(c, "reply.command")).at("result").at("entries").as_array();
    CHECK(with_txt.size() == 3);  // both directories and notes.txt; .hidden.zarr is a file not ending in .txt

    c.command("fs.listdir", {}, {{"path", "../"}});
    const json::object escape = next_of(c, "error.command");
    CHECK(payload(escape).at("code") == "fs.forbidden");
    c.command("fs.listdir", {}, {{"path", "missing"}});
    CHECK(payload(next_of(c, "error.command")).at("code") == "fs.not_found");
    c.command("fs.listdir", {}, {{"path", "notes.txt"}});
    CHECK(payload(next_of(c, "error.command")).at("message") == "Path is not a directory");
    c.command("fs.listdir", {}, {{"path", std::string("plain\0/../..", 12)}});
    CHECK(payload(next_of(c, "error.command")).at("code") == "command.invalid");
    c.command("fs.listdir", {}, {{"only", ".zarr"}});
    CHECK(payload(next_of(c, "error.command")).at("code") == "command.invalid");
    fs::remove_all(root);
}

namespace {

// A 2D uint8 OME-Zarr image (NGFF 0.4, one raw chunk) of rows x columns holding 0, 1, 2, ...
void write_zarr_image(const fs::path &image, int rows, int columns) {
    fs::create_directories(image / "0");
    std::ofstream(image / ".zattrs") << R"({"multiscales": [{"version": "0.4", "axes": [{"name": "y", "type": "space"},)"
                                        R"( {"name": "x", "type": "space"}], "datasets": [{"path": "0"}]}]})";
    std::ofstream(image / "0" / ".zarray")
        << R"({"zarr_format": 2, "shape": [)" << rows << ", " << columns << R"(], "chunks": [)" << rows << ", "
        << columns << R"(], "dtype": "|u1", "order": "C", "fill_value": 0, "compressor": null, "filters": null})";
    std::string pixels;
    for (int i = 0; i < rows * columns; ++i) pixels += char(i % 256);
    std::ofstream(image / "0" / "0.0", std::ios::binary) << pixels;
}

}  // namespace

TEST_CASE("§10.18 napari.load_zarr replaces the scene for every session, confined to the data roots") {
    const fs::path root = temp_file("load-root");
    fs::remove_all(root);
    write_zarr_image(root / "nuclei.zarr", 16, 24);
    write_zarr_image(root / "pair" / "a.zarr", 4, 4);
    write_zarr_image(root / "pair" / "b.zarr", 4, 4);
    write_zarr_image(root / "broken.zarr", 4, 4);
    fs::remove(root / "broken.zarr" / "0" / ".zarray");
    fs::create_directories(root / "empty" / "deeper");
    HostProcess host(control_only({"--data-root", root.string()}));
    V2 a(host.port());
    const auto before = baseline(a.client, 2);
    const json::array commands = payload(a.welcome).at("features").at("call.command").at("commands").as_array();
    CHECK(std::find(commands.begin(), commands.end(), json::value("napari.load_zarr")) != commands.end());
    ControlClient b(host.port());  // a v1 session sees the same new scene
    b.handshake();
    b.expect("notify.scene");
    ControlClient &c = a.client;

    SECTION("refusals name napari-cuda's codes and change nothing") {
        c.command("napari.load_zarr", {}, {{"path", "pair"}});
        const json::object ambiguous = payload(next_of(c, "error.command"));
        CHECK(ambiguous.at("code") == "zarr.disambiguate");
        CHECK(ambiguous.at("details").at("options") == json::array{"a.zarr", "b.zarr"});
        c.command("napari.load_zarr", {}, {{"path", "../"}});
        CHECK(payload(next_of(c, "error.command")).at("code") == "fs.forbidden");
        c.command("napari.load_zarr", {}, {{"path", "missing.zarr"}});
        CHECK(payload(next_of(c, "error.command")).at("code") == "fs.not_found");
        c.command("napari.load_zarr", {}, {{"path", "broken.zarr"}});
        const json::object broken = payload(next_of(c, "error.command"));
        CHECK(broken.at("code") == "zarr.invalid");
        CHECK(broken.at("message").as_string().find(".zarray") != json::string::npos);
        c.command("napari.load_zarr", {}, {{"path", "empty"}});
        CHECK(payload(next_of(c, "error.command")).at("code") == "zarr.invalid");
        c.command("napari.load_zarr", {}, {});
        CHECK(payload(next_of(c, "error.command")).at("code") == "command.invalid");
        c.command("napari.load_zarr", {}, {{"path", "nuclei.zarr"}, {"level", 0}});
        CHECK(payload(next_of(c, "error.command")).at("code") == "command.invalid");
        c.update("layer", "layer-0", "gamma", 1.25);  // the old scene is still served
        CHECK(payload(next_of(c, "ack.state")).at("status") == "accepted");
    }
    SECTION("the reply, each old layer removed, then a new scene epoch and its baseline") {
        c.command("napari.load_zarr", {}, {{"path", "nuclei.zarr"}});
        const json::object reply = c.expect("reply.command");
        CHECK(payload(reply).at("result") == json::object{{"ok", true}});
        std::set<std::string> removed;
        for (int i = 0; i < 2; ++i) {
            const json::object gone = c.expect("notify.layers");
            CHECK(payload(gone).size() == 2);
            CHECK(payload(gone).at("removed") == true);
            removed.emplace(payload(gone).at("layer_id").as_string());
        }
        CHECK(removed == std::set<std::string>{"layer-0", "layer-1"});
        const auto after = baseline(c, 1);
        CHECK(after[0].at("seq") == 0);
        CHECK(after[0].at("delta_token") != before[0].at("delta_token"));  // a new scene epoch
        const json::array layers = payload(after[0]).at("layers").as_array();
        REQUIRE(layers.size() == 1);
        CHECK(layers[0].at("layer_id") == "layer-2");  // ids are never reused
        CHECK(layers[0].at("name") == "nuclei");
        CHECK(layers[0].at("shape") == json::array{16, 24});
        CHECK(payload(after[1]).at("level_shapes") == json::array{json::array{16, 24}});
        CHECK(payload(after[1]).at("current_step") == json::array{0, 0});
        CHECK(payload(after[2]).at("layer_id") == "layer-2");

        const json::object v1_scene = payload(next_of(b, "notify.scene"));
        REQUIRE(v1_scene.at("layers").as_array().size() == 1);
        CHECK(v1_scene.at("layers").at(0).at("layer_id") == "layer-2");

        // The new layer takes updates; the old ones are gone.
        b.update("layer", "layer-2", "opacity", 0.5);
        CHECK(payload(next_of(b, "ack.state")).at("status") == "accepted");
        CHECK(payload(next_of(c, "notify.layers")) == json::object{{"layer_id", "layer-2"}, {"controls", {{"opacity", 0.5}}}});
        c.update("layer", "layer-0", "opacity", 0.5);
        CHECK(payload(next_of(c, "ack.state")).at("status") == "rejected");

        // A token from before the load cannot resume: the scene it knew is gone.
        const json::object old_tokens{{"notify.scene", before[0].at("delta_token")},
                                      {"notify.layers", before[2].at("delta_token")}, {"notify.stream", nullptr}};
        V2 back(host.port(), old_tokens);
        const auto fresh = baseline(back.client, 1);
        CHECK(payload(fresh[0]).at("layers").at(0).at("layer_id") == "layer-2");
    }
    fs::remove_all(root);
}

namespace {

// The next notify.layers with a thumbnail for `layer`, as [row][column][channel] floats.
json::array next_thumbnail(ControlClient &c, std::string_view layer) {
    for (int i = 0; i < 50; ++i) {
        const json::object frame = c.next();
        if (frame.at("type") != "notify.layers") continue;
        const json::object p = payload(frame);
        if (p.at("layer_id").as_string() != layer || !p.contains("thumbnail")) continue;
        CHECK(p.size() == 2);  // the thumbnail alone
        CHECK(p.at("thumbnail").at("shape") == json::array{32, 32, 4});
        CHECK(p.at("thumbnail").at("dtype") == "float32");
        return p.at("thumbnail").at("array").as_array();
    }
    FAIL("no thumbnail of " << layer << " within 50 frames");
    return {};
}

// The largest value of one channel over a thumbnail.
double channel_max(const json::array &rows, size_t channel) {
    double most = 0;
    for (const json::value &row : rows) {
        for (const json::value &pixel : row.as_array()) most = std::max(most, pixel.at(channel).to_number<double>());
    }
    return most;
}

}  // namespace

TEST_CASE("§10.2 thumbnails: each layer's, drawn from its data, again when its colouring changes, in the baseline") {
    HostProcess host(host_args());
    V2 a(host.port());
    ControlClient &c = a.client;
    baseline(c, 2);
    const json::array gray = next_thumbnail(c, "layer-1");  // the demo's 2D image, gray
    CHECK(channel_max(gray, 1) > 0.2);                       // green shows in gray
    for (const json::value &row : gray) {
        for (const json::value &pixel : row.as_array()) {
            // The demo's image is at opacity 0.6: alpha 153, which napari's blend onto black
            // makes 153 * 0.6 + 255 * 0.4 = 193 (0.757); transparent padding becomes opaque black.
            CHECK((pixel.at(3) == 0.757 || pixel == json::array{0.0, 0.0, 0.0, 1.0}));
            CHECK(pixel.at(0) == pixel.at(1));
        }
    }
    c.update("layer", "layer-1", "colormap", "red");
    next_of(c, "ack.state");
    const json::array red = next_thumbnail(c, "layer-1");
    CHECK(channel_max(red, 0) == channel_max(gray, 0));  // the same data, the same limits
    CHECK(channel_max(red, 1) == 0.0);
    CHECK(channel_max(red, 2) == 0.0);

    // A session joining later finds it in its baseline, as napari-cuda's layer metadata.
    V2 late(host.port());
    const auto frames = baseline(late.client, 2);
    bool found = false;
    for (size_t i = 2; i < frames.size(); ++i) {
        const json::object p = payload(frames[i]);
        if (p.at("layer_id") == "layer-1") found = p.at("metadata").at("thumbnail") == red;
    }
    CHECK(found);
}

TEST_CASE("a load on a rendering host: the new layer is drawn from its file, its thumbnail shows its data") {
    const fs::path root = temp_file("load-render-root");
    fs::remove_all(root);
    write_zarr_image(root / "nuclei.zarr", 16, 24);  // values 0..255, then 0..127 again
    HostProcess host(host_args({"--data-root", root.string()}));
    V2 a(host.port());
    ControlClient &c = a.client;
    baseline(c, 2);
    c.command("napari.load_zarr", {}, {{"path", "nuclei.zarr"}});
    CHECK(payload(next_of(c, "reply.command")).at("result") == json::object{{"ok", true}});
    const json::array thumbnail = next_thumbnail(c, "layer-2");
    // 16 x 24 fits as 21 x 32 (napari's zoom 4/3) between 5 rows of opaque black above and 6
    // below, flipped as napari-cuda sends it: padding rows 0..5 and 27..31, the file's first
    // row at 26 and its last at 6.
    for (size_t row : {0, 5, 27, 31}) {
        for (const json::value &pixel : thumbnail.at(row).as_array()) CHECK(pixel == json::array{0.0, 0.0, 0.0, 1.0});
    }
    CHECK(channel_max(thumbnail, 1) == 1.0);  // 255 at the top of the sampled limits [0, 255]
    CHECK(thumbnail.at(26).at(0) == json::array{0.0, 0.0, 0.0, 1.0});      // value 0
    CHECK(thumbnail.at(6).at(31) == json::array{0.498, 0.498, 0.498, 1.0});  // 15 * 24 + 23 = 383 -> 127
    fs::remove_all(root);
}

TEST_CASE("mixed sessions: a v1 and a v2 client see each other's changes in their own dialect, in the same order") {
    HostProcess host(control_only());
    ControlClient v1(host.port());
    v1.handshake();
    v1.expect("notify.scene");
    V2 v2(host.port());
    baseline(v2.client, 2);
    // Each client's notify.layers, read past its own acks; each update waits for its ack.
    std::vector<json::object> layers_v1, layers_v2;
    const auto until_ack = [](ControlClient &c, std::vector<json::object> &layers) {
        for (;;) {
            json::object frame = c.next();
            if (frame.at("type") == "ack.state") return;
            REQUIRE(frame.at("type") == "notify.layers");
            layers.push_back(std::move(frame));
        }
    };
    v1.update("layer", "layer-0", "opacity", 0.5);
    until_ack(v1, layers_v1);
    v2.client.update("layer", "layer-0", "opacity", 0.75);
    until_ack(v2.client, layers_v2);
    v1.update("layer", "layer-0", "gamma", 0.8);
    until_ack(v1, layers_v1);
    while (layers_v1.size() < 3) layers_v1.push_back(v1.expect("notify.layers"));
    while (layers_v2.size() < 3) layers_v2.push_back(v2.client.expect("notify.layers"));

    std::vector<std::pair<uint64_t, json::value>> seen_v1, seen_v2;
    for (int i = 0; i < 3; ++i) {
        const json::object &a = layers_v1[i];
        seen_v1.emplace_back(a.at("seq").to_number<uint64_t>(), payload(a).at("changes").as_object().begin()->value());
        const json::object &b = layers_v2[i];
        seen_v2.emplace_back(b.at("seq").to_number<uint64_t>(), payload(b).at("controls").as_object().begin()->value());
        CHECK(a.at("delta_token") == b.at("delta_token"));
    }
    CHECK(seen_v1 == seen_v2);
    CHECK(seen_v1[0].second == 0.5);
    CHECK(seen_v1[1].second == 0.75);
    CHECK(seen_v1[2].second == 0.8);
}

TEST_CASE("§10.22 §10.23 napari-cuda's ports: control at any path on one, pixels on the other, keyframe first") {
    HostProcess host(host_args({"--napari-cuda-ports", "--control-listen", "127.0.0.1:0", "--pixel-listen",
                                "127.0.0.1:0"}));
    const uint16_t control = host.port_of("control");
    const uint16_t pixels = host.port_of("pixels");
    CHECK(control != host.port());
    CHECK(pixels != host.port());
    for (std::string path : {"/", "/any/path"}) {
        ClientOptions at;
        at.path = path;
        V2 v2(control, {}, at, true);
        ControlClient &c = v2.client;
        baseline(c, 2);
        const json::object stream = next_of(c, "notify.stream");
        CHECK(payload(stream).at("format") == "avcc");
        CHECK(payload(stream).at("nal_length_size") == 4);
        CHECK_FALSE(payload(stream).contains("encoder"));  // napari-cuda's parser would refuse it
        // The stream config again (so the client resets its decoder), and the reply.
        const std::string id = c.command("napari.pixel.request_keyframe");
        bool replied = false, restreamed = false;
        while (!replied || !restreamed) {
            const json::object frame = c.next();
            if (frame.at("type") == "reply.command") {
                CHECK(payload(frame).at("in_reply_to").as_string() == id);
                replied = true;
            } else if (frame.at("type") == "notify.stream") {
                CHECK(payload(frame).at("avcc") == payload(stream).at("avcc"));
                restreamed = true;
            }
        }
    }
    ClientOptions root;
    root.path = "/";
    WsClient pixel(pixels, root);
    const auto first = pixel.read();
    REQUIRE(std::holds_alternative<Message>(first));
    const std::string &bytes = std::get<Message>(first).text;
    auto parsed = scenehost::protocol::parse_pixel_message(
        std::span(reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size()));
    REQUIRE(std::holds_alternative<scenehost::protocol::PixelMessage>(parsed));
    const auto &message = std::get<scenehost::protocol::PixelMessage>(parsed);
    CHECK(message.header.codec == scenehost::protocol::kPixelCodecH264);
    CHECK((message.header.flags & scenehost::protocol::kPixelFlagKeyframe) != 0);  // keyframe on connect
    CHECK_FALSE(message.meta.has_value());
    // AVCC: 4-byte big-endian lengths that tile the payload exactly.
    size_t at = 0;
    int units = 0;
    while (at + 4 <= message.payload.size()) {
        const size_t n = (size_t(message.payload[at]) << 24) | (size_t(message.payload[at + 1]) << 16) |
                         (size_t(message.payload[at + 2]) << 8) | size_t(message.payload[at + 3]);
        at += 4 + n;
        ++units;
    }
    CHECK(at == message.payload.size());
    CHECK(units >= 3);  // SPS, PPS, IDR slice
}

TEST_CASE("napari-cuda's ports take the host's TLS and bearer tokens like the main listener") {
    const std::string tls_dir = SCENEHOST_TEST_TLS_DIR;
    HostProcess host(control_only({"--control-listen", "127.0.0.1:0", "--tls-cert", tls_dir + "/cert.pem",
                                   "--tls-key", tls_dir + "/key.pem", "--token", "s3cret"}));
    ClientOptions tls;
    tls.path = "/";
    tls.tls = true;
    ControlClient refused(host.port_of("control"), tls, false, 2);
    refused.hello();
    CHECK(payload(refused.expect("session.reject")).at("code") == "session.unauthorized");
    ControlClient admitted(host.port_of("control"), tls, false, 2);
    CHECK(admitted.handshake({}, "s3cret").at("version") == 2);
    admitted.expect("notify.scene");
}
