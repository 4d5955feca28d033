// The loader refuses every broken plugin with a message naming the exact reason and loads
// nothing from it; good plugins load, with what they declare, and keep their library alive
// while in use.
#include <catch2/catch.hpp>
#include <dlfcn.h>
#include <filesystem>
#include <fmt/format.h>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "plugin/plugin_library.hpp"
#include "plugin/plugin_registry.hpp"
#include "scenehost/sdk/version.h"

using namespace scenehost::plugin;
namespace fs = std::filesystem;

namespace {

const fs::path kFixtures = SCENEHOST_FIXTURE_PLUGIN_DIR;

PluginRegistry load_case(const std::string &name) {
    const std::vector<fs::path> dirs = {kFixtures / name};
    return PluginRegistry::load(dirs);
}

// The single row of a one-plugin fixture directory.
PluginRow only_row(const PluginRegistry &registry) {
    REQUIRE(registry.rows().size() == 1);
    return registry.rows().front();
}

void require_refused(const std::string &name, const std::string &reason) {
    const auto registry = load_case(name);
    const PluginRow row = only_row(registry);
    INFO(row.refusal);
    CHECK_FALSE(row.loaded);
    CHECK(row.info.path == kFixtures / name / (name + ".so"));
    CHECK(row.refusal == reason);
    CHECK(registry.any_refused());
    CHECK(registry.reducers().empty());
}

bool is_loaded(const fs::path &path) {
    void *handle = dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD);
    if (handle == nullptr) return false;
    dlclose(handle);
    return true;
}

}  // namespace

TEST_CASE("a good C++ reducer loads with its manifest and declaration") {
    const auto registry = load_case("good_echo");
    const PluginRow row = only_row(registry);
    CHECK(row.loaded);
    CHECK(row.refusal.empty());
    CHECK(row.info.kind == "reducer");
    CHECK(row.info.name == "good_echo");
    CHECK(row.info.version == "1.0.0");
    CHECK(row.info.sdk_major == 1);
    CHECK(row.info.sdk_minor == SCENEHOST_SDK_VERSION_MINOR);
    CHECK_FALSE(row.info.compiler.empty());
    const ReducerPlugin *reducer = registry.reducer("fixture");
    REQUIRE(reducer != nullptr);
    CHECK(reducer->keys() == std::vector<std::string_view>{"label", "level", "misc"});
    CHECK_FALSE(registry.any_refused());
}

TEST_CASE("a good plain-C reducer loads") {
    const auto registry = load_case("good_c");
    CHECK(only_row(registry).loaded);
    CHECK(registry.reducer("fixture_c") != nullptr);
}

TEST_CASE("a file that is not a shared library is refused") {
    const auto registry = load_case("not_a_library");
    const PluginRow row = only_row(registry);
    CHECK_FALSE(row.loaded);
    CHECK_THAT(row.refusal, Catch::StartsWith("not a shared library ("));
}

TEST_CASE("each broken plugin is refused with its exact reason") {
    require_refused("no_manifest", "does not export the symbol 'scenehost_plugin_manifest'");
    require_refused("bad_magic", "manifest magic is 0x12345678, expected 0x484e4353");
    require_refused("major_mismatch", fmt::format("built against SDK 2.{0}, host has SDK 1.{0} (major must match)",
                                                  SCENEHOST_SDK_VERSION_MINOR));
    require_refused("minor_newer", fmt::format("built against SDK 1.{}, newer than the host's SDK 1.{}",
                                               SCENEHOST_SDK_VERSION_MINOR + 1, SCENEHOST_SDK_VERSION_MINOR));
    require_refused("small_manifest", "manifest struct_size 12 is smaller than the 40 bytes SDK 1.x requires");
    require_refused("missing_reduce", "reducer table lacks the required field 'reduce'");
    require_refused("missing_entry", "does not export the symbol 'scenehost_reducer_entry_v1'");
}

TEST_CASE("a reducer announcing a capability bit this host does not know is refused naming the bit") {
    require_refused("unknown_capability", fmt::format("reducer table announces capability bit 5 (0x20), which this host "
                                                      "(SDK 1.{}) does not know",
                                                      SCENEHOST_SDK_VERSION_MINOR));
}

TEST_CASE("a reducer whose publication is 0 or unknown is refused naming the field and the value") {
    require_refused("publication_zero",
                    "reducer table field 'publication' is 0, not a SCENEHOST_PUBLICATION_* value this host knows");
    require_refused("publication_unknown",
                    "reducer table field 'publication' is 99, not a SCENEHOST_PUBLICATION_* value this host knows");
}

TEST_CASE("a reducer built against SDK 1.1, whose table ends before publication, loads publishing as state") {
    const auto registry = load_case("sdk_1_1");
    const PluginRow row = only_row(registry);
    INFO(row.refusal);
    REQUIRE(row.loaded);
    CHECK(row.info.sdk_minor == 1);
    const ReducerPlugin *reducer = registry.reducer("fixture_c");
    REQUIRE(reducer != nullptr);
    // The fixture leaves 99 past the end of its table: the host must not have read it.
    CHECK(reducer->publication() == Publication::state);
}

TEST_CASE("a C++ reducer without kPublication publishes as state, one with it as it declares") {
    const auto plain = load_case("good_echo");
    REQUIRE(plain.reducer("fixture") != nullptr);
    CHECK(plain.reducer("fixture")->publication() == Publication::state);
    const auto layer = load_case("layer_echo");
    REQUIRE(layer.reducer("layer") != nullptr);
    CHECK(layer.reducer("layer")->publication() == Publication::napari_layers);
    const auto c = load_case("good_c");
    REQUIRE(c.reducer("fixture_c") != nullptr);
    CHECK(c.reducer("fixture_c")->publication() == Publication::state);
}

TEST_CASE("each shipped reducer reports the publication it declares") {
    const std::vector<fs::path> dirs = {SCENEHOST_PLUGIN_DIR};
    const auto registry = PluginRegistry::load(dirs);
    const std::pair<const char *, Publication> expected[] = {
        {"layer", Publication::napari_layers}, {"volume", Publication::napari_layers},
        {"dims", Publication::napari_dims},    {"camera", Publication::napari_camera},
        {"view", Publication::napari_scene},
    };
    for (const auto &[scope, publication] : expected) {
        INFO("scope " << scope);
        const ReducerPlugin *reducer = registry.reducer(scope);
        REQUIRE(reducer != nullptr);
        CHECK(reducer->publication() == publication);
    }
    CHECK(registry.reducers().size() == std::size(expected));
}

TEST_CASE("a key schema that is not valid JSON Schema is refused naming the key") {
    const auto registry = load_case("bad_schema");
    const PluginRow row = only_row(registry);
    CHECK_FALSE(row.loaded);
    CHECK_THAT(row.refusal, Catch::StartsWith("key 'flag': schema is not a valid JSON Schema"));
}

TEST_CASE("a second plugin claiming a taken scope is refused and the first keeps it") {
    const auto registry = load_case("duplicate_scope");
    REQUIRE(registry.rows().size() == 2);
    CHECK(registry.rows()[0].loaded);
    CHECK_FALSE(registry.rows()[1].loaded);
    CHECK(registry.rows()[1].refusal ==
          "scope 'shared' is already owned by reducer 'scope_a' (" + (kFixtures / "duplicate_scope/scope_a.so").string() +
              ")");
    REQUIRE(registry.reducer("shared") != nullptr);
    CHECK(registry.reducer("shared")->info().name == "scope_a");
}

TEST_CASE("a refused library is not left loaded") {
    const fs::path path = kFixtures / "major_mismatch" / "major_mismatch.so";
    { const auto registry = load_case("major_mismatch"); }
    CHECK_FALSE(is_loaded(path));
}

TEST_CASE("a plugin library stays loaded while anything from it lives") {
    const fs::path path = kFixtures / "good_c" / "good_c.so";
    REQUIRE_FALSE(is_loaded(path));
    std::shared_ptr<const void> handle;
    {
        auto opened = open_plugin_library(path);
        REQUIRE(std::holds_alternative<PluginLibrary>(opened));
        handle = std::get<PluginLibrary>(opened).keep_alive();
    }
    CHECK(is_loaded(path));
    handle.reset();
    CHECK_FALSE(is_loaded(path));

    {
        const auto registry = load_case("good_c");
        CHECK(is_loaded(path));
    }
    CHECK_FALSE(is_loaded(path));
}

TEST_CASE("a plugin directory that does not exist is a start-up error naming it") {
    const std::vector<fs::path> dirs = {kFixtures / "no_such_dir"};
    CHECK_THROWS_WITH(PluginRegistry::load(dirs), Catch::Contains((kFixtures / "no_such_dir").string()));
}
