// A reducer's outcomes cross the C boundary intact and are checked against its declaration:
// a plugin that breaks its contract aborts the host naming the plugin, scope and key.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>
#include <csignal>
#include <vector>

#include "base/clock.hpp"
#include "plugin/plugin_registry.hpp"
#include "store/scene_store.hpp"
#include "support/child_process.hpp"

using namespace scenehost;
namespace fs = std::filesystem;

namespace {

struct Fixture {
    plugin::PluginRegistry registry;
    const plugin::ReducerPlugin *echo;
    base::ManualClock clock;
    store::SceneStore store{clock};

    Fixture() : registry(load()), echo(registry.reducer("fixture")) { REQUIRE(echo != nullptr); }

    static plugin::PluginRegistry load() {
        const std::vector<fs::path> dirs = {fs::path(SCENEHOST_FIXTURE_PLUGIN_DIR) / "good_echo"};
        return plugin::PluginRegistry::load(dirs);
    }

    plugin::ReduceOutcome reduce(std::string_view target, std::string_view key, std::string_view value_json) const {
        return echo->reduce({target, key, value_json, "actor-1", "intent-1"}, store);
    }
};

std::vector<store::Write> writes_of(const plugin::ReduceOutcome &outcome) {
    REQUIRE(std::holds_alternative<std::vector<store::Write>>(outcome));
    return std::get<std::vector<store::Write>>(outcome);
}

// Runs the intent in a child and returns what the host printed as it aborted.
std::string abort_message(std::string_view key, std::string_view value_json = "1") {
    const test::ChildEnd end = test::run_in_child([&] {
        Fixture fixture;
        fixture.reduce("main", key, value_json);
    });
    CHECK(end.signal == SIGABRT);
    return end.stderr_text;
}

}  // namespace

TEST_CASE("seed writes the plugin's initial values") {
    Fixture f;
    const auto writes = writes_of(f.echo->seed(R"({"layers":[]})"));
    REQUIRE(writes.size() == 2);
    CHECK(writes[0].target == "main");
    CHECK(writes[0].key == "level");
    CHECK(writes[0].value == boost::json::parse("0.5"));
    CHECK(writes[1].key == "label");
    CHECK(writes[1].value == boost::json::parse("\"seeded\""));
}

TEST_CASE("an accepted intent comes back as parsed writes") {
    Fixture f;
    const auto writes = writes_of(f.reduce("layer-0", "level", "0.75"));
    REQUIRE(writes.size() == 1);
    CHECK(writes[0].target == "layer-0");
    CHECK(writes[0].key == "level");
    CHECK(writes[0].value.as_double() == 0.75);
    CHECK(writes_of(f.reduce("layer-0", "misc", R"({"a":[1,2]})"))[0].value == boost::json::parse(R"({"a":[1,2]})"));
}

TEST_CASE("a rejection carries code, message and details") {
    Fixture f;
    auto outcome = f.reduce("main", "shininess", "1");
    REQUIRE(std::holds_alternative<plugin::Rejection>(outcome));
    const auto &rejection = std::get<plugin::Rejection>(outcome);
    CHECK(rejection.code == "state.unknown_key");
    CHECK(rejection.message == "key 'shininess' is not one of level, label, misc");
    CHECK(rejection.details.at("key").as_string() == "shininess");
}

TEST_CASE("a reducer reads the store through the view") {
    Fixture f;
    const std::vector<store::Write> seed = {{"main", "level", 0.25}};
    f.store.apply("fixture", seed, {"host", "seed"});
    const auto writes = writes_of(f.reduce("layer-1", "copy_level", "null"));
    REQUIRE(writes.size() == 1);
    CHECK(writes[0].value.as_double() == 0.25);
}

TEST_CASE("outcomes that break the declaration abort naming plugin, scope and key") {
    const std::string prefix = "reducer plugin 'good_echo' (";
    SECTION("undeclared key") {
        const auto text = abort_message("undeclared");
        CHECK_THAT(text, Catch::Contains(prefix) && Catch::Contains("scope 'fixture' key 'undeclared'") &&
                             Catch::Contains("wrote a key it did not declare"));
    }
    SECTION("value outside the schema") {
        const auto text = abort_message("level", "5");
        CHECK_THAT(text, Catch::Contains("scope 'fixture' key 'level'") && Catch::Contains("breaks its declared schema"));
    }
    SECTION("value of the wrong type") {
        CHECK_THAT(abort_message("label", "42"), Catch::Contains("key 'label'") && Catch::Contains("breaks its declared schema"));
    }
    SECTION("text that is not JSON") {
        CHECK_THAT(abort_message("not_json"), Catch::Contains("key 'level'") && Catch::Contains("is not JSON"));
    }
    SECTION("a code reducers may not use") {
        CHECK_THAT(abort_message("bad_code"), Catch::Contains("rejected with code 'state.made_up'"));
    }
    SECTION("no outcome at all") {
        CHECK_THAT(abort_message("nothing"), Catch::Contains("key 'nothing'") && Catch::Contains("neither wrote nor rejected"));
    }
    SECTION("two rejections") {
        CHECK_THAT(abort_message("twice"), Catch::Contains("rejected twice"));
    }
}

TEST_CASE("an exception escaping the plugin aborts naming the plugin and the function") {
    const test::ChildEnd end = test::run_in_child([] {
        Fixture fixture;
        fixture.reduce("main", "throw", "1");
    });
    CHECK(end.signal == SIGABRT);
    CHECK_THAT(end.stderr_text, Catch::Contains("plugin 'good_echo' let an exception escape reduce: echo was told to throw"));
}
