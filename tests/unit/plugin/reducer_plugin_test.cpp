// A reducer's outcomes cross the C boundary intact and are checked against its declaration:
// a plugin that breaks its contract aborts the host naming the plugin, scope and key. Each
// abort is a death test: a forked child loads the plugin through the real loader and dies.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>
#include <csignal>
#include <string>
#include <utility>
#include <vector>

#include "base/clock.hpp"
#include "plugin/plugin_registry.hpp"
#include "store/scene_store.hpp"
#include "scenehost/sdk/version.h"
#include "support/child_process.hpp"

using namespace scenehost;
namespace fs = std::filesystem;

namespace {

// One fixture reducer loaded through the real loader: good_echo (C++, scope "fixture") unless
// another case and its scope are named.
struct Fixture {
    plugin::PluginRegistry registry;
    const plugin::ReducerPlugin *echo;
    base::ManualClock clock;
    store::SceneStore store{clock};

    explicit Fixture(const std::string &name = "good_echo", std::string_view scope = "fixture")
        : registry(load(name)), echo(registry.reducer(scope)) {
        REQUIRE(echo != nullptr);
    }

    static plugin::PluginRegistry load(const std::string &name) {
        const std::vector<fs::path> dirs = {fs::path(SCENEHOST_FIXTURE_PLUGIN_DIR) / name};
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

const plugin::Rejection &rejection_of(const plugin::ReduceOutcome &outcome) {
    REQUIRE(std::holds_alternative<plugin::Rejection>(outcome));
    return std::get<plugin::Rejection>(outcome);
}

// Runs the intent against fixture `name` in a child and returns what it printed as it aborted.
std::string abort_message_of(const std::string &name, std::string_view scope, std::string_view key,
                             std::string_view value_json) {
    const test::ChildEnd end = test::run_in_child([&] {
        Fixture fixture(name, scope);
        fixture.reduce("main", key, value_json);
    });
    CHECK(end.signal == SIGABRT);
    return end.stderr_text;
}

std::string abort_message(std::string_view key, std::string_view value_json = "1") {
    return abort_message_of("good_echo", "fixture", key, value_json);
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
    // good_echo rejects through the C++ layer's Outcome::reject(RejectCode::unknown_key, ...).
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
    SECTION("a code string reducers may not use (the SDK 1.1 reject)") {
        CHECK_THAT(abort_message_of("good_c", "fixture_c", "bad_code", "1"),
                   Catch::Contains("reducer plugin 'good_c' (") &&
                       Catch::Contains("rejected with code 'state.made_up', which reducers may not use"));
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

TEST_CASE("a non-standard exception escaping reduce aborts naming the plugin and the function") {
    const test::ChildEnd end = test::run_in_child([] {
        Fixture fixture;
        fixture.reduce("main", "throw_int", "1");
    });
    CHECK(end.signal == SIGABRT);
    CHECK_THAT(end.stderr_text, Catch::Contains("plugin 'good_echo' let an exception escape reduce: an exception that "
                                                "is not a std::exception"));
}

TEST_CASE("a typed reject code reaches the host as its wire code") {
    Fixture f("good_c", "fixture_c");
    const std::pair<const char *, const char *> codes[] = {
        {"1", "state.unknown_key"}, {"2", "state.invalid_value"}, {"3", "state.out_of_range"},
        {"4", "state.forbidden"},   {"5", "state.conflict"},
    };
    for (const auto &[number, wire] : codes) {
        const plugin::ReduceOutcome outcome = f.reduce("main", "reject_code", number);
        const plugin::Rejection &rejection = rejection_of(outcome);
        CHECK(rejection.code == wire);
        CHECK(rejection.message == "rejected by number");
        CHECK(rejection.details.empty());
    }
}

TEST_CASE("the SDK 1.1 string reject still reaches the host, also from a plugin built against 1.1") {
    const std::pair<const char *, int> cases[] = {{"good_c", SCENEHOST_SDK_VERSION_MINOR}, {"sdk_1_1", 1}};
    for (const auto &[name, minor] : cases) {
        INFO(name);
        Fixture f(name, "fixture_c");
        CHECK(f.echo->info().sdk_minor == minor);
        const plugin::ReduceOutcome outcome = f.reduce("main", "reject", "true");
        const plugin::Rejection &rejection = rejection_of(outcome);
        CHECK(rejection.code == "state.forbidden");
        CHECK(rejection.message == "flag is read-only");
        CHECK(rejection.details.at("key").as_string() == "flag");
        CHECK(writes_of(f.reduce("main", "flag", "true"))[0].value == true);
    }
}

TEST_CASE("a reject code number outside scenehost_reject_code aborts naming the plugin") {
    for (const char *number : {"0", "6", "4294967295"}) {
        INFO("code " << number);
        const std::string text = abort_message_of("good_c", "fixture_c", "reject_code", number);
        CHECK_THAT(text, Catch::Contains("reducer plugin 'good_c' (") &&
                             Catch::Contains(std::string("rejected with code number ") + number +
                                             ", which is not a SCENEHOST_REJECT_* value"));
    }
}
