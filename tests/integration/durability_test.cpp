// What --fsync always promises, seen from outside the host: strace records the host's write,
// fdatasync and sendmsg calls, and every ack.state leaves the host only after the fdatasync of
// the audit line that records its intent.
#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "integration/control_fixture.hpp"
#include "support/control_client.hpp"
#include "support/host_process.hpp"

using namespace scenehost::test;
namespace fs = std::filesystem;

namespace {

// One traced call of the host's control thread: which call, on which fd, and its text.
struct Call {
    std::string name;  // write, fdatasync, sendmsg
    int fd = -1;
    std::string line;
};

std::vector<Call> read_trace(const fs::path &path) {
    std::vector<Call> calls;
    std::ifstream in(path);
    const std::regex call(R"(^\d+ +(write|fdatasync|sendmsg)\((\d+)[,)])");
    for (std::string line; std::getline(in, line);) {
        std::smatch m;
        if (std::regex_search(line, m, call)) calls.push_back({m[1], std::stoi(m[2]), line});
    }
    return calls;
}

// The host strace runs: strace's child. It must be stopped itself, since SIGTERM makes strace
// detach and leave it running.
pid_t traced_host(pid_t strace_pid) {
    std::ifstream children("/proc/" + std::to_string(strace_pid) + "/task/" + std::to_string(strace_pid) + "/children");
    pid_t host = -1;
    children >> host;
    REQUIRE(host > 0);
    return host;
}

}  // namespace

TEST_CASE("fsync always: each ack.state is sent after the fdatasync of its audit line") {
    const fs::path dir = temp_file("durability");
    fs::remove_all(dir);
    fs::create_directories(dir);
    const fs::path trace = dir / "trace";
    {
        // No deflate: the acks must be readable in the traced sendmsg buffers.
        HostProcess host(host_args({"--no-render", "--no-deflate", "--fsync", "always", "--state-dir", (dir / "state").string(),
                                    "--audit-log", (dir / "state" / "audit.jsonl").string()}),
                         {.run_under = {"/usr/bin/strace", "-f", "-qq", "-s", "512", "-o", trace.string(), "-e",
                                        "trace=write,fdatasync,sendmsg"}});
        ControlClient client(host.port());
        client.handshake();
        for (int i = 0; i < 5; ++i) {
            client.update("layer", "layer-1", "opacity", 0.1 * (i + 1));
            for (;;) {
                const json::object frame = client.next();
                if (frame.at("type") == "ack.state") break;
            }
        }
        kill(traced_host(host.pid()), SIGTERM);
        CHECK(host.wait_exit(std::chrono::seconds(20)) == 0);  // strace exits with its tracee's code
    }
    const std::vector<Call> calls = read_trace(trace);
    // The audit log's fd: the one its lines are written to.
    int audit_fd = -1;
    for (const Call &c : calls) {
        if (c.name == "write" && c.line.find("\\\"status\\\":\\\"accepted\\\"") != std::string::npos) audit_fd = c.fd;
    }
    REQUIRE(audit_fd >= 0);
    int acks = 0;
    bool written = false, synced = false;  // the newest audit line, and whether it is on disk
    for (const Call &c : calls) {
        if (c.name == "write" && c.fd == audit_fd) written = true, synced = false;
        if (c.name == "fdatasync" && c.fd == audit_fd && written) synced = true;
        if (c.name == "sendmsg" && c.line.find("ack.state") != std::string::npos) {
            INFO(c.line);
            CHECK(written);
            CHECK(synced);
            ++acks;
            written = synced = false;
        }
    }
    CHECK(acks == 5);
}
