// scenehostctl end to end: the real host on 127.0.0.1 (the demo scene, the shipped plugins and the
// example annotations reducer) and the real scenehostctl binary as a child process: exit codes,
// its one-line JSON output, watch, screenshot, the audit log's actor, and `mcp` driven over stdio
// by a fake MCP client.
#include <algorithm>
#include <arpa/inet.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <netinet/in.h>
#include <optional>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "integration/control_fixture.hpp"
#include "protocol/frame_validator.hpp"
#include "support/ctl_process.hpp"
#include "support/host_process.hpp"

using namespace scenehost::test;
namespace json = boost::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// scenehostctl as a child, its stdin, stdout and stderr on pipes.
class Ctl : public CtlProcess {
public:
    explicit Ctl(const std::vector<std::string> &arguments) : CtlProcess(SCENEHOST_CTL_EXECUTABLE, arguments) {}
};

struct Run {
    int exit_code;
    std::string out;
    std::string err;
};

Run ctl(const std::vector<std::string> &arguments) {
    Ctl c(arguments);
    c.close_stdin();
    const int code = c.wait();
    return {code, c.out(), c.err()};
}

std::string url_of(const HostProcess &host) { return "ws://127.0.0.1:" + std::to_string(host.port()) + "/control"; }

// Checks the output is exactly one JSON line; that value.
json::value one_line(const Run &r) {
    INFO("stdout: " << r.out << "stderr: " << r.err);
    REQUIRE(!r.out.empty());
    REQUIRE(r.out.back() == '\n');
    REQUIRE(r.out.find('\n') == r.out.size() - 1);
    return json::parse(r.out);
}

// The demo scene, the shipped plugins and the annotations example.
std::vector<std::string> ctl_host_args(const fs::path &audit, std::vector<std::string> extra) {
    std::vector<std::string> args = {"--plugin-dir", SCENEHOST_EXAMPLES_PLUGIN_DIR, "--audit-log", audit.string(),
                                     "--fsync", "always"};
    args.insert(args.end(), extra.begin(), extra.end());
    return host_args(args);
}

std::vector<json::object> audit_lines(const fs::path &audit) {
    std::ifstream in(audit);
    std::vector<json::object> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line).as_object());
    return lines;
}

bool starts_with(const json::value &v, std::string_view prefix) {
    return v.is_string() && std::string_view(v.get_string()).starts_with(prefix);
}

std::string base64_decode(std::string_view text) {
    auto sextet = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        return c == '+' ? 62 : c == '/' ? 63 : -1;
    };
    std::string out;
    uint32_t bits = 0;
    int count = 0;
    for (char c : text) {
        if (c == '=') break;
        const int s = sextet(c);
        if (s < 0) FAIL("not base64: " << c);
        bits = bits << 6 | uint32_t(s);
        if (++count == 4) {
            out += char(bits >> 16 & 0xff);
            out += char(bits >> 8 & 0xff);
            out += char(bits & 0xff);
            bits = 0;
            count = 0;
        }
    }
    if (count == 3) {
        out += char(bits >> 10 & 0xff);
        out += char(bits >> 2 & 0xff);
    } else if (count == 2) {
        out += char(bits >> 4 & 0xff);
    }
    return out;
}

// A PNG's size from its IHDR chunk (which must come first).
std::pair<uint32_t, uint32_t> png_size(const std::string &png) {
    REQUIRE(png.size() > 24);
    REQUIRE(png.substr(0, 8) == std::string("\x89PNG\r\n\x1a\n", 8));
    REQUIRE(png.substr(12, 4) == "IHDR");
    auto be32 = [&](size_t at) {
        return uint32_t(uint8_t(png[at])) << 24 | uint32_t(uint8_t(png[at + 1])) << 16 | uint32_t(uint8_t(png[at + 2])) << 8 |
               uint32_t(uint8_t(png[at + 3]));
    };
    return {be32(16), be32(20)};
}

// A port nothing listens on: bound once by the OS, then released.
uint16_t free_port() {
    const int s = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(s >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(s, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0);
    socklen_t size = sizeof address;
    REQUIRE(getsockname(s, reinterpret_cast<sockaddr *>(&address), &size) == 0);
    close(s);
    return ntohs(address.sin_port);
}

// A fake host on 127.0.0.1 for one connection: with `reply`, it upgrades, reads the hello and
// sends the reply (a frame breaking the protocol); without, it upgrades, reads the hello and closes.
class FakeHost {
public:
    explicit FakeHost(std::optional<std::string> reply)
        : acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}),
          thread_([this, reply = std::move(reply)] { serve(reply); }) {}
    ~FakeHost() {
        boost::system::error_code ignored;
        acceptor_.close(ignored);
        thread_.join();
    }
    uint16_t port() const { return acceptor_.local_endpoint().port(); }

private:
    void serve(const std::optional<std::string> &reply) {
        namespace websocket = boost::beast::websocket;
        boost::system::error_code error;
        boost::asio::ip::tcp::socket socket(io_);
        acceptor_.accept(socket, error);
        if (error) return;
        websocket::stream<boost::asio::ip::tcp::socket> ws(std::move(socket));
        ws.accept(error);
        boost::beast::flat_buffer hello;
        if (!error) ws.read(hello, error);
        if (!error && reply) ws.write(boost::asio::buffer(*reply), error);
        if (!error) ws.close(websocket::close_code::normal, error);
    }

    boost::asio::io_context io_;
    boost::asio::ip::tcp::acceptor acceptor_;
    std::thread thread_;
};

}  // namespace

TEST_CASE("a host that closes, answers nothing or breaks the protocol is exit 4 with a code saying which") {
    {
        FakeHost closing(std::nullopt);
        const Run r = ctl({"--url", "ws://127.0.0.1:" + std::to_string(closing.port()) + "/control", "snapshot"});
        CHECK(r.exit_code == 4);
        CHECK_THAT(r.err, Catch::StartsWith("scenehostctl: connection.closed: the host closed the connection (close code 1000"));
    }
    {
        FakeHost breaking(R"({"type":"session.welcome","version":1,"session":"s-1","frame_id":"w-1","timestamp":1.0,)"
                          R"("payload":{"protocol_version":1,"session":{"id":"s-1","heartbeat_s":15.0}}})");
        const Run r = ctl({"--url", "ws://127.0.0.1:" + std::to_string(breaking.port()) + "/control", "snapshot"});
        CHECK(r.exit_code == 4);
        CHECK(r.err == "scenehostctl: protocol.invalid_payload: the host sent a frame that breaks the protocol: "
                       "payload.features is required\n");
    }
    {
        // Listening, never accepting: the TCP handshake completes, the upgrade is never answered.
        boost::asio::io_context io;
        boost::asio::ip::tcp::acceptor silent(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
        const auto started = std::chrono::steady_clock::now();
        const Run r = ctl({"--url", "ws://127.0.0.1:" + std::to_string(silent.local_endpoint().port()) + "/control",
                           "--timeout", "0.5", "snapshot"});
        CHECK(r.exit_code == 4);
        CHECK_THAT(r.err, Catch::StartsWith("scenehostctl: connection.timeout: no session.welcome from "));
        CHECK(std::chrono::steady_clock::now() - started < 5s);
    }
}

TEST_CASE("set, get, a stale base_version, a bad value: exit codes and one JSON line each, audited under --actor") {
    const fs::path audit = temp_file("ctl-audit.jsonl");
    fs::remove(audit);
    HostProcess host(ctl_host_args(audit, {"--no-render"}));
    const std::string url = url_of(host);

    const Run set = ctl({"--url", url, "--actor", "robot-7", "set", "annotations", "cell-1", "label", "\"nucleus\""});
    REQUIRE(set.exit_code == 0);
    CHECK(set.err.empty());
    const json::object ack = one_line(set).as_object();
    CHECK(ack.at("status") == "accepted");
    CHECK(ack.at("applied_value") == "nucleus");
    const uint64_t version = ack.at("version").to_number<uint64_t>();
    CHECK(version >= 1);

    const Run get = ctl({"--url", url, "get", "annotations", "cell-1", "label"});
    REQUIRE(get.exit_code == 0);
    CHECK(one_line(get) == json::object{{"value", "nucleus"}, {"version", version}});

    const Run stale = ctl({"--url", url, "set", "annotations", "cell-1", "label", "\"cytoplasm\"", "--base-version",
                           std::to_string(version - 1)});
    CHECK(stale.exit_code == 3);
    CHECK(one_line(stale).at("error").at("code") == "state.conflict");
    CHECK_THAT(stale.err, Catch::StartsWith("scenehostctl: state.conflict: "));
    CHECK(std::count(stale.err.begin(), stale.err.end(), '\n') == 1);
    const Run current = ctl({"--url", url, "set", "annotations", "cell-1", "label", "\"cytoplasm\"", "--base-version",
                             std::to_string(version)});
    CHECK(current.exit_code == 0);

    const Run invalid = ctl({"--url", url, "set", "annotations", "cell-1", "color", "\"blue\""});
    CHECK(invalid.exit_code == 1);
    CHECK(one_line(invalid).at("status") == "rejected");
    CHECK_THAT(invalid.err, Catch::StartsWith("scenehostctl: state.invalid_value: annotations.color"));

    const Run not_json = ctl({"--url", url, "set", "annotations", "cell-1", "label", "nucleus"});
    CHECK(not_json.exit_code == 2);
    CHECK(not_json.out.empty());
    CHECK_THAT(not_json.err, Catch::StartsWith("scenehostctl: usage: "));

    const Run missing = ctl({"--url", url, "get", "annotations", "no-such", "label"});
    CHECK(missing.exit_code == 1);
    CHECK_THAT(missing.err, Catch::StartsWith("scenehostctl: command.invalid: "));

    const Run no_render = ctl({"--url", url, "screenshot", "-o", temp_file("never.png").string()});
    CHECK(no_render.exit_code == 1);
    CHECK_THAT(no_render.err, Catch::StartsWith("scenehostctl: command.not_found: "));

    const Run snapshot = ctl({"--url", url, "snapshot"});
    REQUIRE(snapshot.exit_code == 0);
    CHECK(one_line(snapshot).at("metadata").at("scopes").at("annotations").at("cell-1").at("label") == "cytoplasm");

    // Each write's audit line (found by the intent id of its ack) names the actor: --actor's, or
    // the default scenehostctl; refused writes have their lines too.
    const auto lines = audit_lines(audit);
    auto actor_of = [&](const json::value &intent_id) {
        const auto line = std::find_if(lines.begin(), lines.end(), [&](const json::object &l) { return l.at("intent_id") == intent_id; });
        REQUIRE(line != lines.end());
        return line->at("actor");
    };
    CHECK(starts_with(actor_of(ack.at("intent_id")), "robot-7#"));
    CHECK(starts_with(actor_of(one_line(stale).at("intent_id")), "scenehostctl#"));
    CHECK(starts_with(actor_of(one_line(invalid).at("intent_id")), "scenehostctl#"));
    fs::remove(audit);
}

TEST_CASE("a host with --token: a wrong or missing token is exit 5, the right one works") {
    HostProcess host(host_args({"--no-render", "--token", "s3cret"}));
    const std::string url = url_of(host);
    const Run wrong = ctl({"--url", url, "--token", "guess", "get", "camera", "main", "zoom"});
    CHECK(wrong.exit_code == 5);
    CHECK_THAT(wrong.err, Catch::StartsWith("scenehostctl: session.unauthorized: "));
    CHECK(ctl({"--url", url, "get", "camera", "main", "zoom"}).exit_code == 5);
    const Run right = ctl({"--url", url, "--token", "s3cret", "get", "camera", "main", "zoom"});
    CHECK(right.exit_code == 0);
    CHECK(one_line(right).at("value").is_number());
}

TEST_CASE("nothing listening is exit 4, a bad URL, timeout or argument is exit 2 before connecting") {
    const std::string url = "ws://127.0.0.1:" + std::to_string(free_port()) + "/control";
    const Run refused = ctl({"--url", url, "get", "camera", "main", "zoom"});
    CHECK(refused.exit_code == 4);
    CHECK_THAT(refused.err, Catch::StartsWith("scenehostctl: connection.refused: "));
    for (const std::vector<std::string> &args :
         {std::vector<std::string>{"--url", "http://127.0.0.1:1/control", "snapshot"},
          {"--url", url, "--timeout", "0", "snapshot"},
          {"--url", url, "--actor", "a#b", "snapshot"},
          {"--url", url, "set", "layer", "layer-0", "opacity", "1e999"},
          {"--url", url, "watch", "--topic", "notify.nothing"},
          {"--url", url, "command", "state.get", "{}"},
          {"--url", url, "frobnicate"}}) {
        const Run r = ctl(args);
        INFO(args.back());
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::StartsWith("scenehostctl: usage: "));
    }
}

TEST_CASE("watch --topic notify.state --count 1 prints the annotation change another ctl made") {
    const fs::path audit = temp_file("watch-audit.jsonl");
    HostProcess host(ctl_host_args(audit, {"--no-render"}));
    const std::string url = url_of(host);
    Ctl watch({"--url", url, "watch", "--topic", "notify.state", "--count", "1"});
    watch.close_stdin();
    // The watcher may join after a write (that write is then in its baseline, not a notify.state):
    // write until it prints.
    std::optional<std::string> line;
    for (int attempt = 0; attempt < 50 && !line; ++attempt) {
        const Run set = ctl({"--url", url, "--actor", "writer", "set", "annotations", "w1", "label",
                             "\"v" + std::to_string(attempt) + "\""});
        REQUIRE(set.exit_code == 0);
        line = watch.read_line(300ms);
    }
    REQUIRE(line.has_value());
    INFO(*line);
    CHECK_FALSE(scenehost::protocol::validate_frame(*line).has_value());
    const json::object frame = json::parse(*line).as_object();
    CHECK(frame.at("type") == "notify.state");
    const json::object &p = frame.at("payload").as_object();
    CHECK(p.at("scope") == "annotations");
    CHECK(p.at("target") == "w1");
    CHECK(starts_with(p.at("changes").at("label"), "v"));
    CHECK(starts_with(p.at("actor_id"), "writer#"));
    CHECK(watch.wait(10s) == 0);
    CHECK(watch.out().empty());  // exactly one frame
    fs::remove(audit);
}

TEST_CASE("screenshot writes the PNG the host rendered, of the size it prints, and keyframe works") {
    const fs::path audit = temp_file("shot-audit.jsonl");
    HostProcess host(ctl_host_args(audit, {}));
    const std::string url = url_of(host);
    const fs::path file = temp_file("shot.png");
    fs::remove(file);
    const Run shot = ctl({"--url", url, "screenshot", "-o", file.string()});
    REQUIRE(shot.exit_code == 0);
    const json::object printed = one_line(shot).as_object();
    std::ifstream in(file, std::ios::binary);
    const std::string png((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto [width, height] = png_size(png);
    CHECK(printed.at("width") == width);
    CHECK(printed.at("height") == height);
    CHECK(printed.at("versions").at("layer").is_number());
    fs::remove(file);

    const Run keyframe = ctl({"--url", url, "keyframe"});
    CHECK(keyframe.exit_code == 0);
    CHECK(one_line(keyframe).is_null());
    fs::remove(audit);
}

TEST_CASE("scenehostctl mcp: a fake MCP client lists, writes, reads, screenshots and sees the change, audited as mcp") {
    const fs::path audit = temp_file("mcp-audit.jsonl");
    fs::remove(audit);
    HostProcess host(ctl_host_args(audit, {}));
    const std::string url = url_of(host);
    const Run schema_run = ctl({"--url", url, "command", "state.schema"});
    REQUIRE(schema_run.exit_code == 0);
    const json::object annotations = one_line(schema_run).at("scopes").at("annotations").at("keys").as_object();

    Ctl mcp({"--url", url, "mcp"});
    McpClient client(mcp);
    auto rpc = [&](std::string_view method, json::object params) { return client.rpc(method, std::move(params)); };
    auto tool = [&](std::string_view name, json::object arguments) {
        json::object result = rpc("tools/call", {{"name", name}, {"arguments", std::move(arguments)}});
        INFO(json::serialize(result));
        REQUIRE_FALSE(result.contains("isError"));
        return result;
    };

    const json::object init = client.initialize("fake-agent");
    CHECK(init.at("protocolVersion") == "2025-06-18");
    CHECK(init.at("serverInfo").at("name") == "scenehost");

    const json::object listed = rpc("tools/list", {});
    std::map<std::string, json::object> tools;
    for (const json::value &t : listed.at("tools").as_array()) tools.emplace(std::string(t.at("name").as_string()), t.as_object());
    for (const char *key : {"points", "label", "color"}) {
        const std::string name = std::string("set_annotations_") + key;
        INFO(name);
        REQUIRE(tools.count(name) == 1);
        CHECK(tools.at(name).at("inputSchema").at("properties").at("value") == annotations.at(key));
    }
    for (const char *name : {"list_layers", "get_state", "set_state", "set_camera", "set_dims", "set_ndisplay", "screenshot",
                             "recent_changes"}) {
        CHECK(tools.count(name) == 1);
    }

    const json::object set = tool("set_state", {{"scope", "annotations"}, {"target", "m1"}, {"key", "label"}, {"value", "from mcp"}});
    CHECK(set.at("structuredContent").at("status") == "accepted");
    const json::value version = set.at("structuredContent").at("version");
    CHECK(version.is_number());
    const json::object got = tool("get_state", {{"scope", "annotations"}, {"target", "m1"}, {"key", "label"}});
    CHECK(got.at("structuredContent").at("value") == "from mcp");
    CHECK(got.at("structuredContent").at("version") == version);

    const json::object rejected = rpc("tools/call", {{"name", "set_annotations_color"}, {"arguments", {{"target", "m1"}, {"value", "blue"}}}});
    CHECK(rejected.at("isError") == true);
    CHECK(starts_with(rejected.at("content").at(0).at("text"), "state.invalid_value: "));

    const json::object layers = tool("list_layers", {});
    CHECK(layers.at("structuredContent").at("layers").as_array().size() == 2);

    const json::object shot = tool("screenshot", {});
    const json::array &content = shot.at("content").as_array();
    REQUIRE(content.size() == 2);
    CHECK(content[0].at("type") == "image");
    CHECK(content[0].at("mimeType") == "image/png");
    const auto [width, height] = png_size(base64_decode(content[0].at("data").as_string()));
    const json::value about = json::parse(content[1].at("text").as_string());
    CHECK(about.at("width") == width);
    CHECK(about.at("height") == height);

    const json::object changes = tool("recent_changes", {});
    const json::array &frames = changes.at("structuredContent").at("frames").as_array();
    const auto mine = std::find_if(frames.begin(), frames.end(), [](const json::value &f) {
        return f.at("type") == "notify.state" && f.at("payload").at("target") == "m1";
    });
    REQUIRE(mine != frames.end());
    CHECK(mine->at("payload").at("changes") == json::object{{"label", "from mcp"}});
    CHECK(starts_with(mine->at("payload").at("actor_id"), "mcp#"));

    mcp.close_stdin();
    CHECK(mcp.wait() == 0);
    const auto lines = audit_lines(audit);
    const auto line = std::find_if(lines.begin(), lines.end(), [](const json::object &l) {
        return l.at("target") == "m1" && l.at("key") == "label" && l.at("status") == "accepted";
    });
    REQUIRE(line != lines.end());
    CHECK(starts_with(line->at("actor"), "mcp#"));
    fs::remove(audit);
}
