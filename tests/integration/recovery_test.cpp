// Recovery from --state-dir, seen from outside: a SIGKILLed host comes back with every write it
// acknowledged at its version, a torn last audit line is dropped, anything else corrupt stops
// start-up naming the file and line, and a different command line needs --fresh-state.
#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "integration/control_fixture.hpp"
#include "support/control_client.hpp"
#include "support/host_process.hpp"
#include "support/shell.hpp"

using namespace scenehost::test;
namespace fs = std::filesystem;

namespace {

struct StateDir {
    fs::path path = temp_file("recovery");
    StateDir() {
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~StateDir() { fs::remove_all(path); }
    fs::path audit() const { return path / "audit.jsonl"; }
    std::vector<std::string> args(std::vector<std::string> extra = {}) const {
        std::vector<std::string> a = {"--plugin-dir", SCENEHOST_PLUGIN_DIR, "--no-render", "--fsync", "always",
                                      "--state-dir", path.string(), "--audit-log", audit().string()};
        a.insert(a.end(), extra.begin(), extra.end());
        return a;
    }
    // serve with these arguments, run to its end (a start-up error; a host that starts is stopped
    // after 10 s), stderr included.
    ShellRun serve_fails(const std::string &extra) const {
        return run_shell("timeout 10 " + std::string(SCENEHOST_EXECUTABLE) + " serve --listen 127.0.0.1:0 --plugin-dir " +
                         SCENEHOST_PLUGIN_DIR + " --no-render --state-dir " + path.string() + " --audit-log " +
                         audit().string() + " " + extra);
    }
};

// Sends one state.update and returns its ack's payload.
json::object acked(ControlClient &client, std::string_view scope, std::string_view target, std::string_view key,
                   const json::value &value, std::optional<uint64_t> base_version = std::nullopt) {
    client.update(scope, target, key, value, base_version);
    for (;;) {
        json::object frame = client.next();
        if (frame.at("type") == "ack.state") return payload(frame);
    }
}

// state.get of one record: {value, version}, or the error's code.
json::object record(ControlClient &client, std::string_view scope, std::string_view target, std::string_view key) {
    client.command("state.get", {}, {{"scope", scope}, {"target", target}, {"key", key}});
    for (;;) {
        json::object frame = client.next();
        if (frame.at("type") == "reply.command") return payload(frame).at("result").as_object();
        if (frame.at("type") == "error.command") return {{"error", payload(frame).at("code")}};
    }
}

std::string read_file(const fs::path &file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void kill_hard(HostProcess &host) {
    kill(host.pid(), SIGKILL);
    host.wait_exit(std::chrono::seconds(10));
}

}  // namespace

TEST_CASE("a SIGKILLed host comes back with every acknowledged write at its version, and versions go on") {
    StateDir state;
    uint64_t last_version = 0;
    {
        HostProcess host(state.args({"--demo"}));
        ControlClient client(host.port());
        client.handshake();
        for (int i = 1; i <= 12; ++i) {
            const json::object ack = acked(client, "layer", "layer-1", "opacity", 0.05 * i);
            REQUIRE(ack.at("status") == "accepted");
            REQUIRE(ack.at("version").as_int64() > int64_t(last_version));
            last_version = uint64_t(ack.at("version").as_int64());
        }
        const json::object zoom = acked(client, "camera", "main", "zoom", 2.5);
        REQUIRE(zoom.at("status") == "accepted");
        kill_hard(host);
    }
    HostProcess host(state.args({"--demo"}));
    ControlClient client(host.port());
    client.handshake();
    const json::object opacity = record(client, "layer", "layer-1", "opacity");
    CHECK(opacity.at("value").as_double() == 0.05 * 12);
    CHECK(opacity.at("version").as_int64() == int64_t(last_version));
    CHECK(record(client, "camera", "main", "zoom").at("value").as_double() == 2.5);
    // A base_version from before the crash is still current, and the next version is a new one.
    const json::object next = acked(client, "layer", "layer-1", "opacity", 0.9, last_version);
    CHECK(next.at("status") == "accepted");
    CHECK(next.at("version").as_int64() > int64_t(last_version));
    const std::vector<std::string> snapshots = [&] {
        std::vector<std::string> names;
        for (const auto &e : fs::directory_iterator(state.path)) {
            if (e.path().filename().string().starts_with("snapshot-")) names.push_back(e.path().filename().string());
        }
        std::sort(names.begin(), names.end());
        return names;
    }();
    // One snapshot at each start; two are kept.
    CHECK(snapshots == std::vector<std::string>{"snapshot-00000000000000000001.json", "snapshot-00000000000000000002.json"});
}

TEST_CASE("recovery drops a torn last audit line, and stops at any other damage naming the file and line") {
    StateDir state;
    {
        HostProcess host(state.args({"--demo"}));
        ControlClient client(host.port());
        client.handshake();
        REQUIRE(acked(client, "layer", "layer-1", "opacity", 0.25).at("status") == "accepted");
        REQUIRE(acked(client, "layer", "layer-1", "opacity", 0.5).at("status") == "accepted");
        kill_hard(host);
    }
    const std::string whole = read_file(state.audit());
    REQUIRE(std::count(whole.begin(), whole.end(), '\n') == 2);
    std::ofstream(state.audit(), std::ios::app) << R"({"time":"2026-12-02T00:00:00Z","status":"acc)";
    {
        HostProcess host(state.args({"--demo"}));
        ControlClient client(host.port());
        client.handshake();
        CHECK(record(client, "layer", "layer-1", "opacity").at("value").as_double() == 0.5);
        host.stop();
    }
    CHECK(read_file(state.audit()) == whole);  // cut off, not closed with a newline

    // A line that is whole but not JSON is damage, not a crash.
    std::ofstream(state.audit(), std::ios::app) << "not json\n";
    const ShellRun broken = state.serve_fails("--demo");
    CHECK_THAT(broken.output, Catch::Contains(state.audit().string() + ":3: not JSON"));
    CHECK_THAT(broken.output, !Catch::Contains("listening on"));

    // A write that skips versions: a line was lost in the middle.
    std::string lines = whole;
    const std::string first_line = lines.substr(0, lines.find('\n') + 1);
    std::ofstream(state.audit(), std::ios::trunc) << lines.substr(first_line.size());
    fs::remove(state.path / "snapshot-00000000000000000002.json");  // the newest held both writes
    const ShellRun gap = state.serve_fails("--demo");
    CHECK_THAT(gap.output, Catch::Contains(state.audit().string() + ":1: layer/layer-1/opacity version") &&
                               Catch::Contains("skips versions"));
}

TEST_CASE("a state of another command line needs --fresh-state, which replaces it and keeps versions going") {
    StateDir state;
    uint64_t version = 0;
    {
        HostProcess host(state.args({"--demo"}));
        ControlClient client(host.port());
        client.handshake();
        version = uint64_t(acked(client, "layer", "layer-1", "opacity", 0.25).at("version").as_int64());
    }
    const ShellRun refused = state.serve_fails("");
    CHECK_THAT(refused.output, Catch::Contains("is of a host started with --demo, not no data") &&
                                   Catch::Contains("--fresh-state"));

    HostProcess host(state.args({"--fresh-state"}));
    ControlClient client(host.port());
    client.handshake();
    CHECK(record(client, "layer", "layer-1", "opacity").at("error") == "command.invalid");
    // The load is in the audit log, and the layer scope's versions went on past the old ones.
    const std::string log = read_file(state.audit());
    CHECK_THAT(log, Catch::Contains(R"("intent_id":"fresh-state")") && Catch::Contains(R"("fresh_state":true)"));
    host.stop();
    HostProcess again(state.args({}));  // the replaced state is now of this command line
    ControlClient c(again.port());
    c.handshake();
    const json::object zoom = acked(c, "camera", "main", "zoom", 3.0);
    CHECK(zoom.at("status") == "accepted");
    CHECK(version > 0);
}
