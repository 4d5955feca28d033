// Control sessions end to end against the real scenehost process on 127.0.0.1: the handshake
// and what comes before it, bearer tokens, heartbeats, resume by token, TLS and compression, a
// client that stops reading, a critical fault and shutdown. Every frame is checked by the
// protocol validator.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "integration/control_fixture.hpp"
#include "support/control_client.hpp"
#include "support/host_process.hpp"

using namespace scenehost::test;
namespace fs = std::filesystem;

TEST_CASE("before the handshake: anything but hello is rejected, then the socket closes") {
    HostProcess host(host_args());
    SECTION("a state.update first") {
        ControlClient c(host.port());
        c.send({{"type", "state.update"}, {"version", 1}, {"session", "x"}, {"frame_id", "f"}, {"intent_id", "i"},
                {"timestamp", 1.0}, {"payload", {{"scope", "view"}, {"target", "main"}, {"key", "k"}, {"value", 1}}}});
        CHECK(payload(c.expect("session.reject")).at("code") == "session.unexpected_message");
        CHECK(c.expect_close() == 1008);
    }
    SECTION("invalid JSON first") {
        ControlClient c(host.port());
        c.send_raw("[[[");
        CHECK(payload(c.expect("session.reject")).at("code") == "protocol.invalid_json");
    }
    SECTION("an unsupported protocol") {
        ControlClient c(host.port());
        c.send({{"type", "session.hello"}, {"version", 1}, {"frame_id", "h"}, {"timestamp", 1.0},
                {"payload", {{"protocols", {3}}, {"client", {{"name", "n"}, {"version", "v"}, {"platform", "p"}}},
                             {"features", json::object{}}, {"resume_tokens", json::object{}}}}});
        const json::object reject = c.expect("session.reject");
        CHECK(payload(reject).at("code") == "session.unsupported_protocol");
        CHECK(payload(reject).at("details").at("supported") == json::array{1, 2});
        CHECK(payload(reject).at("details").at("client_protocols") == json::array{3});
    }
    SECTION("protocol 2 alone without the notify features it requires") {
        ControlClient c(host.port());
        c.send({{"type", "session.hello"}, {"version", 1}, {"frame_id", "h"}, {"timestamp", 1.0},
                {"payload", {{"protocols", {2}}, {"client", {{"name", "n"}, {"version", "v"}, {"platform", "p"}}},
                             {"features", {{"notify.scene", true}}}, {"resume_tokens", json::object{}}}}});
        const json::object reject = c.expect("session.reject");  // in v1, as the hello was written
        CHECK(payload(reject).at("code") == "session.unsupported_client");
        CHECK(payload(reject).at("details").at("missing") == json::array{"notify.layers", "notify.stream"});
    }
    SECTION("a binary frame closes with 1003, an oversize one with 1009") {
        ControlClient binary(host.port());
        binary.ws().send_binary("\x01");
        CHECK(binary.expect_close() == 1003);
        ControlClient big(host.port());
        big.send_raw(std::string(2 << 20, ' '));
        CHECK(big.expect_close() == 1009);
    }
}

TEST_CASE("bearer tokens: missing or wrong is unauthorized, right is welcome") {
    HostProcess host(host_args({"--token", "s3cret"}));
    ControlClient none(host.port());
    none.hello();
    CHECK(payload(none.expect("session.reject")).at("code") == "session.unauthorized");
    ControlClient wrong(host.port());
    wrong.hello({}, "guess");
    CHECK(payload(wrong.expect("session.reject")).at("code") == "session.unauthorized");
    ControlClient right(host.port());
    right.handshake({}, "s3cret");
    right.expect("notify.scene");
}

TEST_CASE("two unanswered heartbeats end the session with goodbye") {
    HostProcess host(host_args({"--heartbeat-s", "0.2"}));
    ControlClient c(host.port());
    c.handshake();
    c.expect("notify.scene");
    CHECK(c.next(false).at("type") == "session.heartbeat");
    CHECK(c.next(false).at("type") == "session.heartbeat");
    const json::object goodbye = c.next(false);
    CHECK(goodbye.at("type") == "session.goodbye");
    CHECK(payload(goodbye).at("code") == "timeout");
    CHECK(payload(goodbye).at("reason") == "heartbeat_timeout");
    CHECK(c.expect_close() == 1011);
}

TEST_CASE("an answering client stays connected across heartbeats") {
    HostProcess host(host_args({"--heartbeat-s", "0.2"}));
    ControlClient c(host.port());
    c.handshake();
    c.expect("notify.scene");
    for (int i = 0; i < 4; ++i) {
        CHECK(c.next(false).at("type") == "session.heartbeat");
        c.send({{"type", "session.ack"}, {"version", 1}, {"session", c.session()}, {"frame_id", "a"},
                {"timestamp", 1.0}, {"payload", json::object{}}});
    }
    c.update("layer", "layer-0", "opacity", 0.5);
    CHECK(c.expect("ack.state").at("payload").at("status") == "accepted");
}

TEST_CASE("resume: a valid token replays the missed deltas in order, without a new snapshot") {
    HostProcess host(host_args());
    json::object tokens;
    {
        ControlClient a(host.port());
        a.handshake();
        tokens["notify.scene"] = a.expect("notify.scene").at("delta_token");
        a.update("layer", "layer-0", "opacity", 0.1);
        a.expect("ack.state");
        tokens["notify.layers"] = a.expect("notify.layers").at("delta_token");
        a.ws().close();
    }
    ControlClient b(host.port());
    b.handshake();
    b.expect("notify.scene");
    for (double level : {0.2, 0.3, 0.4}) {
        b.update("layer", "layer-0", "opacity", level);
        b.expect("ack.state");
        b.expect("notify.layers");
    }
    ControlClient a(host.port());
    a.handshake(tokens);
    std::vector<double> replayed;
    uint64_t last_seq = 1;
    for (int i = 0; i < 3; ++i) {
        const json::object delta = a.expect("notify.layers");  // no notify.scene before them
        CHECK(delta.at("seq").to_number<uint64_t>() == last_seq + 1);
        last_seq = delta.at("seq").to_number<uint64_t>();
        replayed.push_back(payload(delta).at("changes").at("opacity").as_double());
    }
    CHECK(replayed == std::vector<double>{0.2, 0.3, 0.4});
    // Then the current state of the lanes that are not resumable.
    const json::object dims = a.expect("notify.dims");
    CHECK(payload(dims).at("source") == "baseline");
    CHECK(payload(dims).at("current_step") == json::array{31, 0, 0});
    const json::object camera = a.expect("notify.camera");
    CHECK(payload(camera).at("mode") == "set");
    CHECK(payload(camera).at("origin") == "baseline");
    CHECK(payload(camera).at("state").as_object().contains("zoom"));
}

TEST_CASE("resume: a stale token gets a fresh baseline, a malformed one is rejected") {
    HostProcess host(host_args());
    std::string scene_token;
    {
        ControlClient first(host.port());
        first.handshake();
        scene_token = std::string(first.expect("notify.scene").at("delta_token").as_string());
        first.update("view", "main", "fps_target", 30);  // a view change starts a new epoch
        first.expect("ack.state");
        first.expect("notify.scene");
    }
    ControlClient stale(host.port());
    stale.handshake({{"notify.scene", scene_token}});
    const json::object scene = stale.expect("notify.scene");
    CHECK(scene.at("seq") == 0);
    CHECK(scene.at("delta_token") != json::value(scene_token));
    CHECK(payload(scene).at("viewer").at("settings").at("fps_target") == 30);

    ControlClient bad(host.port());
    bad.hello({{"notify.layers", "tok_layers_17aa"}});
    const json::object reject = bad.expect("session.reject");
    CHECK(payload(reject).at("code") == "session.invalid_resume_token");
    CHECK(payload(reject).at("details").at("topic") == "notify.layers");
}

TEST_CASE("TLS: the host serves /control over TLS") {
    HostProcess host(host_args({"--tls-cert", std::string(SCENEHOST_TEST_TLS_DIR) + "/cert.pem", "--tls-key",
                                std::string(SCENEHOST_TEST_TLS_DIR) + "/key.pem"}));
    ControlClient c(host.port(), {.tls = true});
    c.handshake();
    c.expect("notify.scene");
}

TEST_CASE("a compressing client works") {
    HostProcess host(host_args());
    ControlClient c(host.port(), {.deflate = true});
    CHECK(c.ws().deflate_negotiated());
    c.handshake();
    c.expect("notify.scene");
    c.update("layer", "layer-0", "name", "zipped");
    CHECK(payload(c.expect("ack.state")).at("applied_value") == "zipped");
}

TEST_CASE("a client that stops reading is closed with 1013 and resumes by token with nothing lost") {
    HostProcess host(host_args({"--send-queue-bytes", "65536", "--socket-send-buffer-bytes", "16384",
                                "--updates-per-s", "1000000"}));
    ControlClient slow(host.port(), {.receive_buffer_bytes = 4096});
    slow.handshake();
    json::object tokens{{"notify.scene", slow.expect("notify.scene").at("delta_token")}};
    ControlClient fast(host.port());
    fast.handshake();
    fast.expect("notify.scene");

    // The slow client reads nothing while 1500 deltas are published.
    constexpr int kUpdates = 1500;
    for (int batch = 0; batch < kUpdates / 50; ++batch) {
        for (int i = 0; i < 50; ++i) fast.update("layer", "layer-0", "opacity", (batch * 50 + i + 1) / double(kUpdates));
        for (int i = 0; i < 100; ++i) fast.next();  // its own acks and notifies
    }
    // Now it reads what reached it, then the close.
    uint64_t last_seq = 0;
    for (;;) {
        auto r = slow.read_raw();
        if (auto *closed = std::get_if<Closed>(&r)) {
            CHECK(closed->reason.code == 1013);
            break;
        }
        INFO("last notify.layers seq read: " << last_seq);
        REQUIRE(std::holds_alternative<Message>(r));
        const json::object f = json::parse(std::get<Message>(r).text).as_object();
        if (f.at("type") == "notify.stream") tokens["notify.stream"] = f.at("delta_token");
        if (f.at("type") != "notify.layers") continue;
        CHECK(f.at("seq").to_number<uint64_t>() == last_seq + 1);  // nothing skipped before the close
        last_seq = f.at("seq").to_number<uint64_t>();
        tokens["notify.layers"] = f.at("delta_token");
    }
    REQUIRE(last_seq > 0);
    CHECK(last_seq < kUpdates);  // it really fell behind

    // Resume: far more was missed than the connection may queue at once, so the host replays
    // it a part at a time as the connection drains: every missed delta, in order, then the
    // current dims and camera. No snapshot.
    ControlClient again(host.port());
    const json::object welcome = again.handshake(tokens);
    CHECK(payload(welcome).at("features").at("notify.layers").at("resume_state").at("seq") == kUpdates);
    uint64_t seq = last_seq;
    double opacity = 0;
    while (seq < kUpdates) {
        const json::object delta = again.expect("notify.layers");
        REQUIRE(delta.at("seq").to_number<uint64_t>() == seq + 1);
        seq = delta.at("seq").to_number<uint64_t>();
        opacity = payload(delta).at("changes").at("opacity").to_number<double>();
    }
    CHECK(opacity == 1.0);  // the last update's value
    again.expect("notify.dims");
    again.expect("notify.camera");
    // And it is live again: the next change arrives as an ordinary delta.
    fast.update("layer", "layer-0", "opacity", 0.5);
    CHECK(again.expect("notify.layers").at("seq").to_number<uint64_t>() == kUpdates + 1);
}

TEST_CASE("a critical fault: the pending ack, notify.error critical, goodbye, close 1011, and the host exits") {
    // The audit log may not grow past 8 KiB: some intent's line will not fit (a full disk).
    const fs::path audit = temp_file("critical-audit.jsonl");
    fs::remove(audit);
    // No rendering: Mesa's shader cache would meet the file size limit first.
    HostProcess host(host_args({"--audit-log", audit.string(), "--no-render"}), {.max_file_bytes = 8192});
    ControlClient a(host.port()), b(host.port());
    for (ControlClient *c : {&a, &b}) {
        c->handshake();
        c->expect("notify.scene");
    }
    int accepted = 0;
    json::object ack;
    for (int i = 1; i <= 1000; ++i) {
        a.update("layer", "layer-0", "opacity", i / 1000.0);
        ack = a.expect("ack.state");
        if (payload(ack).at("status") != "accepted") break;
        ++accepted;
        a.expect("notify.layers");
    }
    REQUIRE(payload(ack).at("status") == "rejected");
    CHECK(payload(ack).at("error").at("code") == "state.not_recorded");
    CHECK(accepted > 0);
    const json::object error = a.expect("notify.error");
    CHECK(payload(error).at("severity") == "critical");
    CHECK(payload(error).at("code") == "audit.write_failed");
    CHECK_THAT(std::string(payload(error).at("message").as_string()), Catch::Contains("File too large"));
    CHECK(payload(a.expect("session.goodbye")).at("code") == "error");
    CHECK(a.expect_close() == 1011);

    // The other client saw every accepted change, then the same fault.
    for (int i = 0; i < accepted; ++i) b.expect("notify.layers");
    CHECK(payload(b.expect("notify.error")).at("severity") == "critical");
    b.expect("session.goodbye");
    CHECK(b.expect_close() == 1011);
    CHECK(host.wait_exit(std::chrono::seconds(10)) == 3);

    // Every acknowledged change is in the log.
    std::ifstream in(audit);
    int lines = 0;
    for (std::string line; std::getline(in, line);) {
        boost::system::error_code parse_error;
        const json::value v = json::parse(line, parse_error);
        if (!parse_error && v.at("status") == "accepted") ++lines;
    }
    CHECK(lines == accepted);
    fs::remove(audit);
}

TEST_CASE("on SIGTERM the host says goodbye to every session and closes with 1001") {
    HostProcess host(host_args());
    ControlClient c(host.port());
    c.handshake();
    c.expect("notify.scene");
    kill(host.pid(), SIGTERM);
    const json::object goodbye = c.expect("session.goodbye");
    CHECK(payload(goodbye).at("code") == "shutdown");
    CHECK(payload(goodbye).at("reason") == "host_shutdown");
    CHECK(c.expect_close() == 1001);
    const int status = host.stop();
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("a connection that never says hello is rejected after the hello timeout") {
    HostProcess host(host_args());
    ControlClient c(host.port(), {.read_timeout = std::chrono::milliseconds(8000)});
    const json::object reject = c.expect("session.reject");  // after 5 s of silence
    CHECK(payload(reject).at("code") == "session.timeout");
    CHECK(c.expect_close() == 1008);
}
