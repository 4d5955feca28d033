// The control channel end to end: the real scenehost process on 127.0.0.1, real WebSocket
// clients, every frame checked by the protocol validator. Rows of the spec's testing matrix
// (§15) for intents and commands, bad input after the handshake, and the audit log. Sessions
// (handshake, auth, heartbeats, resume, back-pressure, faults) are in control_session_test.cpp.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>

#include "integration/control_fixture.hpp"
#include "support/control_client.hpp"
#include "support/host_process.hpp"
#include "support/screenshot.hpp"

using namespace scenehost::test;
namespace fs = std::filesystem;

TEST_CASE("connect: welcome, then the notify.scene baseline with seq 0") {
    HostProcess host(host_args());
    ControlClient c(host.port());
    const json::object welcome = c.handshake();
    const json::object p = payload(welcome);
    CHECK(p.at("protocol_version") == 1);
    CHECK(p.at("session").at("heartbeat_s") == 15.0);
    CHECK(p.at("session").at("ack_timeout_ms") == 250);
    CHECK(p.at("features").at("notify.layers").at("resume") == true);
    CHECK(p.at("features").at("notify.dims").at("resume") == false);
    CHECK(p.at("features").at("notify.telemetry").at("enabled") == false);
    CHECK(p.at("features").at("call.command").at("commands") == json::array{"camera.reset", "napari.pixel.request_keyframe", "scene.screenshot", "scene.snapshot", "state.get", "state.schema"});
    const json::object scene = c.expect("notify.scene");
    CHECK(scene.at("seq") == 0);
    CHECK(scene.at("delta_token") == p.at("features").at("notify.scene").at("resume_state").at("delta_token"));
    CHECK(payload(scene).at("viewer").at("settings").at("canvas_size") == json::array{1280, 720});
    CHECK(payload(scene).at("viewer").at("dims").at("ndisplay") == 2);
}

TEST_CASE("state.update: ack first, then notify.layers to everyone, intent only to its sender") {
    HostProcess host(host_args());
    ControlClient a(host.port()), b(host.port());
    a.handshake();
    a.expect("notify.scene");
    b.handshake();
    b.expect("notify.scene");

    const std::string frame_id = a.update("layer", "layer-0", "opacity", 0.25);
    const json::object ack = a.expect("ack.state");
    CHECK(payload(ack).at("status") == "accepted");
    CHECK(payload(ack).at("in_reply_to") == json::value(frame_id));
    CHECK(payload(ack).at("intent_id") == "intent-1");
    CHECK(payload(ack).at("applied_value") == 0.25);
    const auto version = payload(ack).at("version").to_number<uint64_t>();
    const json::object mine = a.expect("notify.layers");
    CHECK(mine.at("intent_id") == "intent-1");
    CHECK(payload(mine).at("layer_id") == "layer-0");
    CHECK(payload(mine).at("changes").at("opacity") == 0.25);
    CHECK(payload(mine).at("version").to_number<uint64_t>() == version);
    const json::object theirs = b.expect("notify.layers");
    CHECK_FALSE(theirs.contains("intent_id"));
    CHECK(theirs.at("seq") == mine.at("seq"));

    // Both clients see each other's updates in the same order.
    b.update("layer", "layer-0", "name", "from-b");
    a.update("layer", "layer-1", "name", "from-a");
    std::vector<std::string> seen_a, seen_b;
    for (int i = 0; i < 3; ++i) {
        const json::object f = a.next();
        if (f.at("type") == "notify.layers") seen_a.emplace_back(payload(f).at("changes").at("name").as_string());
    }
    for (int i = 0; i < 3; ++i) {
        const json::object f = b.next();
        if (f.at("type") == "notify.layers") seen_b.emplace_back(payload(f).at("changes").at("name").as_string());
    }
    CHECK(seen_a.size() == 2);
    CHECK(seen_a == seen_b);
}

TEST_CASE("rejections: unknown scope, a reducer's own code, and base_version conflicts") {
    HostProcess host(host_args());
    ControlClient c(host.port());
    c.handshake();
    c.expect("notify.scene");
    c.update("lighting", "main", "opacity", 1);
    json::object ack = c.expect("ack.state");
    CHECK(payload(ack).at("status") == "rejected");
    CHECK(payload(ack).at("error").at("code") == "state.unknown_scope");
    c.update("layer", "layer-0", "shininess", 1);
    CHECK(payload(c.expect("ack.state")).at("error").at("code") == "state.unknown_key");
    c.update("view", "main", "ndisplay", 7);
    ack = c.expect("ack.state");
    CHECK(payload(ack).at("error").at("code") == "state.out_of_range");
    CHECK(payload(ack).at("error").at("message") == "view.ndisplay must be 2 or 3, not 7");

    c.update("layer", "layer-0", "opacity", 0.5);
    const auto v = payload(c.expect("ack.state")).at("version").to_number<uint64_t>();
    c.expect("notify.layers");
    c.update("layer", "layer-0", "opacity", 0.6, v);  // current: accepted
    CHECK(payload(c.expect("ack.state")).at("status") == "accepted");
    c.expect("notify.layers");
    c.update("layer", "layer-0", "opacity", 0.9, v);  // stale
    ack = c.expect("ack.state");
    CHECK(payload(ack).at("error").at("code") == "state.conflict");
    CHECK(payload(ack).at("error").at("details").at("current_value") == 0.6);
    CHECK(payload(ack).at("error").at("details").at("current_version").to_number<uint64_t>() == v + 1);
}

TEST_CASE("view.ndisplay: ack, then the next notify.scene shows the new ndisplay") {
    HostProcess host(host_args());
    ControlClient c(host.port());
    c.handshake();
    c.expect("notify.scene");
    c.update("view", "main", "ndisplay", 3);
    CHECK(payload(c.expect("ack.state")).at("applied_value") == 3);
    // notify.dims mirrors the new ndisplay at once (spec §5.1), then the scene is republished.
    const json::object dims = c.expect("notify.dims");
    CHECK(dims.at("intent_id") == "intent-1");
    CHECK(payload(dims).at("ndisplay") == 3);
    CHECK(payload(dims).at("mode") == "volume");
    CHECK(payload(dims).at("displayed") == json::array{0, 1, 2});
    const json::object scene = c.expect("notify.scene");
    CHECK(scene.at("seq") == 0);
    CHECK(scene.at("intent_id") == "intent-1");
    CHECK(payload(scene).at("viewer").at("dims").at("ndisplay") == 3);
}

TEST_CASE("orbit: ack, then notify.camera with the intent to its sender and a frame id to the others") {
    HostProcess host(host_args());
    ControlClient a(host.port()), b(host.port());
    for (ControlClient *c : {&a, &b}) {
        c->handshake();
        c->expect("notify.scene");
    }
    a.update("view", "main", "ndisplay", 3);
    a.expect("ack.state");
    for (ControlClient *c : {&a, &b}) {
        c->expect("notify.dims");
        c->expect("notify.scene");
    }

    a.update("camera", "main", "orbit", json::object{{"d_az_deg", 90}, {"d_el_deg", 0}});
    const json::object ack = a.expect("ack.state");
    CHECK(payload(ack).at("status") == "accepted");
    CHECK(payload(ack).at("applied_value") == json::array{0.0, 90.0, 0.0});  // the new angles
    const json::object mine = a.expect("notify.camera");
    CHECK(mine.at("intent_id") == payload(ack).at("intent_id"));
    CHECK(payload(mine).at("mode") == "orbit");
    CHECK(payload(mine).at("delta") == json::object{{"d_az_deg", 90}, {"d_el_deg", 0}});
    CHECK(payload(mine).at("origin") == "state.update");
    CHECK(payload(mine).at("state").at("angles") == json::array{0.0, 90.0, 0.0});
    const json::object theirs = b.expect("notify.camera");
    CHECK_FALSE(theirs.contains("intent_id"));
    CHECK(theirs.at("frame_id").as_string().size() <= 8);
    CHECK(payload(theirs) == payload(mine));

    // An absolute write is a "set" of what it changed.
    b.update("camera", "main", "zoom", 2.5);
    b.expect("ack.state");
    const json::object set = a.expect("notify.camera");
    CHECK(payload(set).at("mode") == "set");
    CHECK(payload(set).at("delta") == json::object{{"zoom", 2.5}});
}

TEST_CASE("dims: a slider move by axis label reaches every client on notify.dims") {
    HostProcess host(host_args());
    ControlClient a(host.port()), b(host.port());
    for (ControlClient *c : {&a, &b}) {
        c->handshake();
        c->expect("notify.scene");
    }
    b.update("dims", "z", "index", 40);
    CHECK(payload(b.expect("ack.state")).at("applied_value") == json::array{40, 0, 0});
    const json::object mine = b.expect("notify.dims");
    CHECK(mine.at("intent_id") == "intent-1");
    CHECK(payload(mine).at("current_step") == json::array{40, 0, 0});
    CHECK(payload(mine).at("axis_labels") == json::array{"z", "y", "x"});
    const json::object theirs = a.expect("notify.dims");
    CHECK(payload(theirs).at("current_step") == json::array{40, 0, 0});
    CHECK_FALSE(theirs.contains("intent_id"));
    b.update("dims", "z", "index", 64);
    CHECK(payload(b.expect("ack.state")).at("error").at("code") == "state.out_of_range");
}

TEST_CASE("volume and multiscale intents ride notify.layers under namespaced keys") {
    HostProcess host(host_args());
    ControlClient c(host.port());
    c.handshake();
    c.expect("notify.scene");
    c.update("layer", "layer-0", "volume.mode", "iso");  // the spec's namespaced layer key
    CHECK(payload(c.expect("ack.state")).at("applied_value") == "iso");
    CHECK(payload(c.expect("notify.layers")).at("changes") == json::object{{"volume.mode", "iso"}});
    c.update("volume", "main", "render_mode", "attenuated_mip");  // napari-cuda's historic scope: every layer
    c.expect("ack.state");
    for (const char *layer : {"layer-0", "layer-1"}) {
        const json::object delta = payload(c.expect("notify.layers"));
        CHECK(delta.at("layer_id") == layer);
        CHECK(delta.at("changes") == json::object{{"volume.mode", "attenuated_mip"}});
    }
    c.update("multiscale", "layer-0", "level", 1);
    CHECK(payload(c.expect("ack.state")).at("applied_value") == 1);
    CHECK(payload(c.expect("notify.layers")).at("changes") == json::object{{"multiscale.level", 1}});
    c.update("multiscale", "layer-0", "policy", "auto");
    CHECK(payload(c.expect("ack.state")).at("error").at("code") == "state.unknown_key");

    c.command("scene.snapshot");
    const json::object scene = payload(c.expect("reply.command")).at("result").as_object();
    CHECK(scene.at("layers").at(0).at("volume").at("mode") == "attenuated_mip");
    CHECK(scene.at("layers").at(0).at("multiscale").at("level") == 1);
}

TEST_CASE("scene.screenshot: the rendered demo as a PNG, and the picture of a change once drawn") {
    HostProcess host(host_args());
    ControlClient c(host.port());
    c.handshake();
    c.expect("notify.scene");
    const json::object first = screenshot_showing(c, 0);
    CHECK(first.at("format") == "png");
    CHECK(first.at("width") == 1280);
    CHECK(first.at("height") == 720);
    const QImage before = decode(first);
    CHECK(before.width() == 1280);
    CHECK(lit_pixels(before) > 1000);  // the demo image and volume slice

    c.update("layer", "main", "visible", false);
    const uint64_t version = payload(c.expect("ack.state")).at("version").to_number<uint64_t>();
    const json::object after = screenshot_showing(c, version);
    CHECK(lit_pixels(decode(after)) == 0);  // nothing but the black background
    CHECK(after.at("sequence").to_number<uint64_t>() > first.at("sequence").to_number<uint64_t>());
}

TEST_CASE("command success: camera.reset replies, then notify.camera shows the fitted camera to everyone") {
    HostProcess host(host_args());
    ControlClient a(host.port()), b(host.port());
    for (ControlClient *c : {&a, &b}) {
        c->handshake();
        c->expect("notify.scene");
    }
    a.update("camera", "main", "zoom", 7.5);
    a.expect("ack.state");
    a.expect("notify.camera");
    b.expect("notify.camera");

    const std::string call = a.command("camera.reset");
    const json::object reply = a.expect("reply.command");
    CHECK(payload(reply).at("in_reply_to") == json::value(call));
    const json::object mine = a.expect("notify.camera");
    CHECK(mine.at("intent_id") == json::value(call));
    CHECK(payload(mine).at("mode") == "reset");
    const double fitted = payload(mine).at("state").at("zoom").to_number<double>();
    CHECK(fitted == Approx(0.95 * 720 / 256));  // the demo's 256 rows fill the 720-pixel canvas
    CHECK(payload(b.expect("notify.camera")).at("state").at("zoom").to_number<double>() == fitted);
    a.command("camera.reset", json::array{1});
    CHECK(payload(a.expect("error.command")).at("code") == "command.invalid");
}

TEST_CASE("command lane: reply, not found, forbidden") {
    HostProcess host(host_args({"--allow-command", "scene.snapshot"}));
    ControlClient c(host.port());
    c.handshake();
    c.expect("notify.scene");
    const std::string id = c.command("scene.snapshot");
    const json::object reply = c.expect("reply.command");
    CHECK(payload(reply).at("in_reply_to") == json::value(id));
    CHECK(payload(reply).at("result").at("viewer").at("settings").at("fps_target") == 60);
    c.command("napari.teleport");
    const json::object missing = c.expect("error.command");
    CHECK(payload(missing).at("code") == "command.not_found");
}

TEST_CASE("command lane: a command outside the session's allowance is forbidden") {
    HostProcess host(host_args({"--allow-command", "napari.pixel.request_keyframe"}));
    ControlClient c(host.port());
    c.handshake();
    c.expect("notify.scene");
    c.command("scene.snapshot");
    CHECK(payload(c.expect("error.command")).at("code") == "command.forbidden");
}

TEST_CASE("bad input after the handshake gets its specific error and the session stays usable") {
    HostProcess host(host_args({"--updates-per-s", "5"}));
    ControlClient c(host.port());
    c.handshake();
    c.expect("notify.scene");
    auto error_code = [&] {
        const json::object f = c.expect("notify.error");
        CHECK(payload(f).at("severity") == "warning");
        return std::string(payload(f).at("code").as_string());
    };
    c.send_raw("{not json");
    CHECK(error_code() == "protocol.invalid_json");
    c.send_raw(R"({"type":"state.explode","version":1,"timestamp":1,"payload":{}})");
    CHECK(error_code() == "protocol.unknown_type");
    c.send({{"type", "session.ack"}, {"version", 1}, {"session", c.session()}, {"timestamp", 1.0}, {"payload", json::object{}}});
    CHECK(error_code() == "protocol.invalid_envelope");  // no frame_id
    c.send({{"type", "state.update"}, {"version", 1}, {"session", c.session()}, {"frame_id", "f-9"},
            {"intent_id", "i-9"}, {"timestamp", 1.0},
            {"payload", {{"scope", 5}, {"target", "main"}, {"key", "ndisplay"}, {"value", 3}}}});
    json::object ack = c.expect("ack.state");
    CHECK(payload(ack).at("intent_id") == "i-9");
    CHECK(payload(ack).at("error").at("code") == "protocol.invalid_payload");
    CHECK(payload(ack).at("error").at("message") == "payload.scope must be a string");
    c.hello();
    CHECK(error_code() == "session.duplicate_hello");

    // Still usable: a valid update goes through.
    c.update("layer", "layer-0", "opacity", 0.5);
    CHECK(payload(c.expect("ack.state")).at("status") == "accepted");
    c.expect("notify.layers");

    // A flood: beyond the burst (2 x 5/s) updates are refused with state.rate_limited.
    for (int i = 0; i < 20; ++i) c.update("layer", "layer-0", "name", json::value("x" + std::to_string(i)));
    int limited = 0;
    for (int i = 0; i < 20;) {
        const json::object f = c.next();
        if (f.at("type") != "ack.state") continue;
        ++i;
        if (payload(f).at("status") == "rejected") {
            CHECK(payload(f).at("error").at("code") == "state.rate_limited");
            ++limited;
        }
    }
    CHECK(limited >= 9);
}

TEST_CASE("the audit log has a line per intent, accepted or rejected") {
    const fs::path audit = temp_file("audit-lines.jsonl");
    fs::remove(audit);
    HostProcess host(host_args({"--audit-log", audit.string(), "--fsync", "always"}));
    ControlClient c(host.port());
    c.handshake();
    c.expect("notify.scene");
    c.update("layer", "layer-0", "opacity", 0.5);
    c.expect("ack.state");  // the line is on disk before the ack
    c.expect("notify.layers");
    c.update("layer", "layer-0", "nope", 1);
    c.expect("ack.state");
    std::ifstream in(audit);
    std::vector<json::object> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line).as_object());
    REQUIRE(lines.size() == 2);
    CHECK(lines[0].at("status") == "accepted");
    CHECK(lines[0].at("session") == json::value(c.session()));
    CHECK(lines[0].at("actor").as_string().find("test-client#") == 0);
    CHECK(lines[1].at("status") == "rejected");
    fs::remove(audit);
}

TEST_CASE("every refused intent has its audit line: reducer, unknown scope, conflict, malformed, rate limited") {
    const fs::path audit = temp_file("audit-refusals.jsonl");
    fs::remove(audit);
    // A burst of 2 x 2 state.update, refilled at 2/s: the fifth update in a row is refused.
    HostProcess host(host_args({"--audit-log", audit.string(), "--fsync", "always", "--updates-per-s", "2", "--no-render"}));
    ControlClient c(host.port());
    c.handshake();
    c.expect("notify.scene");
    auto ack_code = [&] {
        const json::object ack = c.expect("ack.state");
        const json::object &p = payload(ack);
        return std::pair<std::string, std::string>(std::string(p.at("intent_id").as_string()),
                                                   p.at("status") == "accepted"
                                                       ? std::string("accepted")
                                                       : std::string(p.at("error").at("code").as_string()));
    };
    std::map<std::string, std::string> sent;  // intent id -> the code its ack carried
    c.update("layer", "layer-0", "opacity", 0.5);
    sent.insert(ack_code());
    c.expect("notify.layers");
    c.update("layer", "layer-0", "shininess", 1);
    sent.insert(ack_code());
    c.update("lighting", "main", "level", 1);
    sent.insert(ack_code());
    c.update("layer", "layer-0", "opacity", 0.6, 0);  // base_version 0 is stale
    sent.insert(ack_code());
    c.send({{"type", "state.update"}, {"version", 1}, {"session", c.session()}, {"frame_id", "f-bad"},
            {"intent_id", "intent-bad"}, {"timestamp", 1.0},
            {"payload", {{"scope", "layer"}, {"target", "layer-0"}, {"value", 3}}}});  // no key
    sent.insert(ack_code());
    c.update("layer", "layer-0", "opacity", 0.7);
    sent.insert(ack_code());
    const std::map<std::string, std::string> expected = {
        {"intent-1", "accepted"},          {"intent-2", "state.unknown_key"},         {"intent-3", "state.unknown_scope"},
        {"intent-4", "state.conflict"},    {"intent-bad", "protocol.invalid_payload"}, {"intent-5", "state.rate_limited"}};
    CHECK(sent == expected);

    // Each has its line, on disk before its ack (fsync always), with the code the client got.
    std::map<std::string, std::string> logged;
    std::ifstream in(audit);
    for (std::string line; std::getline(in, line);) {
        const json::object l = json::parse(line).as_object();
        logged[std::string(l.at("intent_id").as_string())] =
            l.at("status") == "accepted" ? "accepted" : std::string(l.at("error").at("code").as_string());
        if (l.at("intent_id") == "intent-5") {
            CHECK(l.at("scope") == "layer");
            CHECK(l.at("key") == "opacity");
            CHECK(l.at("requested") == 0.7);
        }
        if (l.at("intent_id") == "intent-bad") CHECK(l.at("error").at("message") == "payload.key is required");
    }
    CHECK(logged == expected);
    fs::remove(audit);
}
