// The packages as a site installs them (as root, on this machine): build both .debs, lintian
// them, install them with apt, build examples/annotations as a separate project against the
// installed SDK alone, serve it from a site plugin directory with the installed host, drive it
// with the installed scenehostctl and its MCP server, scrape /metrics, then purge both and
// check nothing is left. Skipped (saying why) when not root.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>

#include "support/ctl_process.hpp"
#include "support/host_process.hpp"
#include "support/shell.hpp"
#include "support/ws_client.hpp"

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace scenehost::test;
using namespace std::chrono_literals;

namespace {

using Run = ShellRun;

Run sh(const std::string &command) { return run_shell(command); }

// Runs command and requires exit 0, showing its output otherwise.
std::string ok(const std::string &command) {
    const Run r = sh(command);
    INFO(command << "\n" << r.output);
    REQUIRE(r.exit_code == 0);
    return r.output;
}

std::string read(const fs::path &path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// What the packages put on the machine (and purge must take away again).
const char *const kInstalled[] = {"/usr/bin/scenehost",
                                  "/usr/bin/scenehostctl",
                                  "/usr/lib/scenehost/plugins/reducer_layers.so",
                                  "/usr/lib/scenehost/plugins/encoder_x264.so",
                                  "/usr/share/scenehost/web/index.html",
                                  "/etc/scenehost/scenehost.toml",
                                  "/usr/include/scenehost/sdk/reducer.hpp",
                                  "/usr/share/cmake/scenehost/scenehostConfig.cmake",
                                  "/usr/share/cmake/scenehost/scenehostConfigVersion.cmake",
                                  "/usr/share/scenehost/plugin-template/CMakeLists.txt",
                                  "/var/lib/scenehost"};

}  // namespace

TEST_CASE("packages: install, build a plugin against the installed SDK, serve and drive it, purge") {
    if (geteuid() != 0) {
        WARN("skipped: installing packages with apt needs root");
        return;
    }
    const fs::path work = fs::temp_directory_path() / ("scenehost-package-test-" + std::to_string(getpid()));
    fs::remove_all(work);
    fs::create_directories(work / "debs");

    // Both packages from this build, and lintian's verdict on each.
    ok("cpack --config " SCENEHOST_BUILD_DIR "/CPackConfig.cmake -B " + (work / "debs").string());
    std::vector<fs::path> debs;
    for (const auto &entry : fs::directory_iterator(work / "debs")) {
        if (entry.path().extension() == ".deb") debs.push_back(entry.path());
    }
    std::sort(debs.begin(), debs.end());
    REQUIRE(debs.size() == 2);
    CHECK_THAT(debs[0].filename().string(), Catch::Matches("scenehost-dev_[0-9.]+-[0-9]+_all\\.deb"));
    CHECK_THAT(debs[1].filename().string(), Catch::Matches("scenehost_[0-9.]+-[0-9]+_amd64\\.deb"));
    for (const fs::path &deb : debs) ok("lintian --fail-on error " + deb.string());
    const std::string depends = ok("dpkg-deb -f " + debs[1].string() + " Depends");
    CHECK_THAT(depends, Catch::Contains("libx264") && Catch::Contains("libqt6gui6") && Catch::Contains("xvfb"));

    ok("DEBIAN_FRONTEND=noninteractive apt-get install -y -q " + debs[0].string() + " " + debs[1].string());
    for (const char *path : kInstalled) {
        INFO(path);
        CHECK(fs::exists(path));
    }
    ok("getent passwd scenehost");
    CHECK(ok("/usr/bin/scenehost config --template") == read("/etc/scenehost/scenehost.toml"));

    // examples/annotations as a plugin author builds it: its own project, only find_package.
    fs::copy(SCENEHOST_SOURCE_DIR "/examples/annotations", work / "annotations", fs::copy_options::recursive);
    ok("cmake -S " + (work / "annotations").string() + " -B " + (work / "annotations-build").string() +
       " -DCMAKE_BUILD_TYPE=Release");
    ok("cmake --build " + (work / "annotations-build").string());
    fs::create_directories(work / "site");
    fs::copy(work / "annotations-build" / "reducer_annotations.so", work / "site");
    const std::string plugins = ok("/usr/bin/scenehost plugins --plugin-dir " + (work / "site").string());
    CHECK_THAT(plugins, Catch::Matches("(.|\n)*reducer +layers +[0-9.]+ +[0-9.]+ +system +/usr/lib/scenehost/plugins/reducer_layers\\.so +loaded(.|\n)*"));
    CHECK_THAT(plugins, Catch::Matches("(.|\n)*reducer +annotations +[0-9.]+ +[0-9.]+ +site +" + (work / "site").string() +
                                       "/reducer_annotations\\.so +loaded(.|\n)*"));

    {
        // The installed host: its config file (every line commented out), the site directory.
        HostProcess host({"--demo", "--plugin-dir", (work / "site").string(), "--state-dir", (work / "state").string()});
        const std::string url = "ws://127.0.0.1:" + std::to_string(host.port()) + "/control";
        CHECK(http_get(host.port(), "/healthz").first == 200);
        CHECK(http_get(host.port(), "/").first == 200);  // the viewer, from /usr/share/scenehost/web

        Run set = sh("/usr/bin/scenehostctl --url " + url + " --actor site-script set annotations cell-1 label '\"nucleus\"'");
        INFO(set.output);
        REQUIRE(set.exit_code == 0);
        const json::object ack = json::parse(set.output).as_object();
        CHECK(ack.at("status") == "accepted");
        const Run get = sh("/usr/bin/scenehostctl --url " + url + " get annotations cell-1 label");
        REQUIRE(get.exit_code == 0);
        CHECK(json::parse(get.output).at("value") == "nucleus");
        CHECK(json::parse(get.output).at("version") == ack.at("version"));
        CHECK(sh("/usr/bin/scenehostctl --url " + url + " set annotations cell-1 color '\"blue\"'").exit_code == 1);
        ok("/usr/bin/scenehostctl --url " + url + " screenshot -o " + (work / "shot.png").string());
        CHECK(read(work / "shot.png").substr(0, 8) == "\x89PNG\r\n\x1a\n");

        // The MCP server: an agent's session, its own actor.
        CtlProcess mcp("/usr/bin/scenehostctl", {"--url", url, "mcp"});
        McpClient client(mcp);
        auto rpc = [&](std::string_view method, json::object params) { return client.rpc(method, std::move(params)); };
        client.initialize("package-test");
        const json::object set_by_agent =
            rpc("tools/call", {{"name", "set_annotations_label"}, {"arguments", {{"target", "cell-2"}, {"value", "by agent"}}}});
        INFO(json::serialize(set_by_agent));
        CHECK_FALSE(set_by_agent.contains("isError"));
        // The change's notify.state follows its ack: ask until it has come (each call returns what
        // arrived since the previous one).
        std::string seen;
        for (int attempt = 0; attempt < 100 && seen.find("by agent") == std::string::npos; ++attempt) {
            const json::object changes = rpc("tools/call", {{"name", "recent_changes"}, {"arguments", json::object{}}});
            seen += changes.at("content").at(0).at("text").as_string();
            std::this_thread::sleep_for(50ms);
        }
        CHECK_THAT(seen, Catch::Contains("\"type\":\"notify.state\"") && Catch::Contains("by agent"));
        const json::object shot = rpc("tools/call", {{"name", "screenshot"}, {"arguments", json::object{}}});
        CHECK(shot.at("content").at(0).at("type") == "image");

        // Both writes are in the audit log, each under its actor, in the state directory.
        const std::string audit = read(work / "state" / "audit.jsonl");
        CHECK_THAT(audit, Catch::Matches("(.|\n)*\"actor\":\"site-script#[^\n]*\"scope\":\"annotations\",\"target\":\"cell-1\","
                                         "\"key\":\"label\",\"status\":\"accepted\"(.|\n)*"));
        CHECK_THAT(audit, Catch::Matches("(.|\n)*\"actor\":\"mcp#[^\n]*\"target\":\"cell-2\",\"key\":\"label\",\"status\":"
                                         "\"accepted\",\"old\":null,\"new\":\"by agent\"(.|\n)*"));

        const std::string metrics = http_get(host.port(), "/metrics").second;
        CHECK_THAT(metrics, Catch::Contains("\nscenehost_updates_accepted_total 2\n"));
        CHECK_THAT(metrics, Catch::Contains("\nscenehost_updates_rejected_total{code=\"state.invalid_value\"} 1\n"));
        CHECK_THAT(metrics, Catch::Contains("\nscenehost_sessions{dialect=\"v1\"} 1\n"));  // the MCP server's
    }

    ok("DEBIAN_FRONTEND=noninteractive apt-get purge -y -q scenehost scenehost-dev");
    for (const char *path : kInstalled) {
        INFO(path);
        CHECK_FALSE(fs::exists(path));
    }
    for (const char *path : {"/etc/scenehost", "/usr/lib/scenehost", "/usr/share/scenehost", "/usr/include/scenehost",
                             "/usr/share/cmake/scenehost", "/usr/share/doc/scenehost", "/var/cache/scenehost"}) {
        INFO(path);
        CHECK_FALSE(fs::exists(path));
    }
    CHECK(sh("getent passwd scenehost").exit_code != 0);
    CHECK(sh("dpkg-query -W scenehost").exit_code != 0);
    fs::remove_all(work);
}
