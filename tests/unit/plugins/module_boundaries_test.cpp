// The host knows a reducer's scope only through what the plugin declares: no scope or key name
// of the shipped reducers appears as a string literal in host/session, host/router, host/engine
// or host/broadcast (the napari scene model lives in host/protocol and host/render alone).
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "plugin/plugin_registry.hpp"

namespace fs = std::filesystem;
using namespace scenehost;

namespace {

// Every scope and key the shipped reducers declare.
std::set<std::string> shipped_names() {
    const std::vector<fs::path> dirs = {fs::path(SCENEHOST_PLUGIN_DIR)};
    const auto registry = plugin::PluginRegistry::load(dirs);
    std::set<std::string> names;
    for (const plugin::ReducerPlugin *reducer : registry.reducers()) {
        names.insert(reducer->scope());
        for (std::string_view key : reducer->keys()) names.emplace(key);
    }
    return names;
}

std::string read(const fs::path &path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

TEST_CASE("no shipped scope or key name is spelled in the session, router, engine or broadcast modules") {
    const std::set<std::string> names = shipped_names();
    REQUIRE(names.count("layer") == 1);  // the shipped reducers were found
    REQUIRE(names.count("opacity") == 1);
    size_t files = 0;
    for (const char *module : {"session", "router", "engine", "broadcast"}) {
        for (const auto &entry : fs::directory_iterator(fs::path(SCENEHOST_SOURCE_DIR) / "host" / module)) {
            const fs::path &path = entry.path();
            if (path.extension() != ".cpp" && path.extension() != ".hpp") continue;
            ++files;
            const std::string text = read(path);
            for (const std::string &name : names) {
                INFO(path.string() << " spells \"" << name << "\"");
                CHECK(text.find('"' + name + '"') == std::string::npos);
            }
        }
    }
    CHECK(files >= 10);
}

// Every wire shape stays in host/protocol: no other module names a dialect's module, asks a
// dialect its version, or writes a frame's envelope version.
TEST_CASE("no dialect is named or tested for outside host/protocol") {
    size_t files = 0;
    for (const auto &entry : fs::recursive_directory_iterator(fs::path(SCENEHOST_SOURCE_DIR) / "host")) {
        const fs::path &path = entry.path();
        if (path.extension() != ".cpp" && path.extension() != ".hpp") continue;
        if (path.string().find("/host/protocol/") != std::string::npos) continue;
        ++files;
        const std::string text = read(path);
        INFO(path.string());
        CHECK(text.find("protocol/v2/") == std::string::npos);
        CHECK(text.find("v2::") == std::string::npos);
        CHECK(text.find("version() ==") == std::string::npos);
        // The audit log's lines are their own format, and MCP's JSON-RPC (serverInfo.version)
        // is not the control protocol.
        if (path.string().find("/host/store/") == std::string::npos &&
            path.string().find("/host/ctl/mcp_server.cpp") == std::string::npos) {
            CHECK(text.find("\"version\"") == std::string::npos);
        }
    }
    CHECK(files >= 50);
}
