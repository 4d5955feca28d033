// Versions per scope, record fields, atomic multi-write applies, dedupe of equal values,
// base_version conflicts and the order of change notifications.
#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "base/clock.hpp"
#include "store/scene_store.hpp"

using namespace scenehost;
using store::Write;
namespace json = boost::json;

namespace {

struct Fixture {
    base::ManualClock clock;
    store::SceneStore store{clock};
    const store::WriteOrigin alice{"alice", "state.update"};

    store::ChangeSet apply(std::string_view scope, std::vector<Write> writes) { return store.apply(scope, writes, alice); }
};

}  // namespace

TEST_CASE("each scope counts its own versions, strictly increasing") {
    Fixture f;
    CHECK(f.store.scope_version("layer") == 0);
    f.apply("layer", {{"layer-0", "opacity", 0.5}});
    f.apply("dims", {{"main", "current_step", json::array{1, 0, 0}}});
    f.apply("layer", {{"layer-1", "opacity", 0.25}});
    CHECK(f.store.scope_version("layer") == 2);
    CHECK(f.store.scope_version("dims") == 1);
    CHECK(f.store.find("layer", "layer-0", "opacity")->version == 1);
    CHECK(f.store.find("layer", "layer-1", "opacity")->version == 2);
    CHECK(f.store.find("dims", "main", "current_step")->version == 1);
}

TEST_CASE("a record keeps value, version, actor, origin and time") {
    Fixture f;
    f.clock.advance_us(1234);
    f.store.apply("view", std::vector<Write>{{"main", "ndisplay", 3}}, {"bob", "seed"});
    const store::Record *r = f.store.find("view", "main", "ndisplay");
    REQUIRE(r != nullptr);
    CHECK(r->value == json::value(3));
    CHECK(r->version == 1);
    CHECK(r->actor_id == "bob");
    CHECK(r->origin == "seed");
    CHECK(r->timestamp_us == f.clock.now_us());
    CHECK(f.store.find("view", "main", "nope") == nullptr);
    CHECK(f.store.find("nope", "main", "ndisplay") == nullptr);
}

TEST_CASE("one apply of several writes takes consecutive versions in write order") {
    Fixture f;
    const auto set = f.apply("camera", {{"main", "center", json::array{1, 2, 3}},
                                        {"main", "zoom", 2.0},
                                        {"main", "angles", json::array{0, 10, 0}}});
    REQUIRE(set.changes.size() == 3);
    CHECK(set.scope == "camera");
    CHECK(set.changes[0].property.key == "center");
    CHECK(set.changes[0].version == 1);
    CHECK(set.changes[1].version == 2);
    CHECK(set.changes[2].version == 3);
    CHECK_FALSE(set.changes[0].old_value.has_value());
    const auto again = f.apply("camera", {{"main", "zoom", 4.0}});
    REQUIRE(again.changes.size() == 1);
    CHECK(*again.changes[0].old_value == json::value(2.0));
    CHECK(again.changes[0].new_value == json::value(4.0));
    CHECK(again.changes[0].version == 4);
}

TEST_CASE("writing the value a record already has changes nothing") {
    Fixture f;
    f.apply("layer", {{"layer-0", "colormap", "gray"}});
    const auto set = f.apply("layer", {{"layer-0", "colormap", "gray"}, {"layer-0", "gamma", 1.5}});
    REQUIRE(set.changes.size() == 1);
    CHECK(set.changes[0].property.key == "gamma");
    CHECK(set.changes[0].version == 2);
    CHECK(f.store.find("layer", "layer-0", "colormap")->version == 1);
    CHECK(f.apply("layer", {{"layer-0", "gamma", 1.5}}).changes.empty());
    CHECK(f.store.scope_version("layer") == 2);
}

TEST_CASE("base_version: current passes, stale or future conflicts with the current value") {
    Fixture f;
    const store::PropertyKey opacity{"layer", "layer-0", "opacity"};
    CHECK_FALSE(f.store.check_base_version(opacity, 0).has_value());  // absent record is version 0
    auto absent = f.store.check_base_version(opacity, 3);
    REQUIRE(absent.has_value());
    CHECK(absent->current_version == 0);
    CHECK(absent->current_value.is_null());

    f.apply("layer", {{"layer-0", "opacity", 0.5}});
    f.apply("layer", {{"layer-0", "opacity", 0.7}});
    CHECK_FALSE(f.store.check_base_version(opacity, 2).has_value());
    auto stale = f.store.check_base_version(opacity, 1);
    REQUIRE(stale.has_value());
    CHECK(stale->property == opacity);
    CHECK(stale->base_version == 1);
    CHECK(stale->current_version == 2);
    CHECK(stale->current_value == json::value(0.7));
    CHECK(f.store.check_base_version(opacity, 9).has_value());
}

TEST_CASE("subscribers hear each apply once, after all its writes, in apply order") {
    Fixture f;
    std::vector<std::string> heard;
    f.store.subscribe([&](const store::ChangeSet &set) {
        // The whole apply is visible when the notification arrives.
        for (const auto &c : set.changes) {
            CHECK(f.store.find(set.scope, c.property.target, c.property.key)->value == c.new_value);
        }
        heard.push_back("A:" + set.scope + ":" + std::to_string(set.changes.size()));
    });
    f.store.subscribe([&](const store::ChangeSet &set) { heard.push_back("B:" + set.scope); });
    f.apply("dims", {{"main", "current_step", json::array{1}}, {"main", "order", json::array{0}}});
    f.apply("layer", {{"layer-0", "visible", false}});
    f.apply("layer", {{"layer-0", "visible", false}});  // no change: no notification
    CHECK(heard == std::vector<std::string>{"A:dims:2", "B:dims", "A:layer:1", "B:layer"});
}

TEST_CASE("targets and records are listed sorted") {
    Fixture f;
    f.apply("layer", {{"layer-b", "opacity", 1.0}, {"layer-a", "visible", true}, {"layer-a", "gamma", 1.0}});
    CHECK(f.store.targets("layer") == std::vector<std::string_view>{"layer-a", "layer-b"});
    CHECK(f.store.targets("none").empty());
    std::vector<std::string> seen;
    f.store.for_each_record("layer", [&](const store::PropertyKey &p, const store::Record &) {
        seen.push_back(p.target + "/" + p.key);
    });
    CHECK(seen == std::vector<std::string>{"layer-a/gamma", "layer-a/visible", "layer-b/opacity"});
    CHECK(f.store.scopes() == std::vector<std::string_view>{"layer"});
}

TEST_CASE("replace_plan removes every record its writes do not write, after them, with their own versions") {
    Fixture f;
    f.apply("layer", {{"layer-0", "opacity", 0.5}, {"layer-0", "visible", true}, {"layer-1", "opacity", 1.0}});
    const store::PendingApply plan = f.store.replace_plan(
        "layer", std::vector<Write>{{"layer-1", "opacity", 1.0}, {"layer-2", "opacity", 0.25}}, {"host", "scene.load"});
    const auto &changes = plan.changes.changes;
    REQUIRE(changes.size() == 3);
    CHECK(changes[0].property.target == "layer-2");  // the new record (layer-1's equal value is no change)
    CHECK(!changes[0].removed);
    CHECK(changes[0].version == 4);
    CHECK(changes[1].property.target == "layer-0");
    CHECK(changes[1].property.key == "opacity");
    CHECK(changes[1].removed);
    CHECK(changes[1].old_value == json::value(0.5));
    CHECK(changes[1].new_value.is_null());
    CHECK(changes[1].version == 5);
    CHECK(changes[2].property.key == "visible");
    CHECK(changes[2].version == 6);
    CHECK(f.store.find("layer", "layer-0", "opacity") != nullptr);  // a plan changes nothing

    const store::ChangeSet set = f.store.commit(plan);
    CHECK(set.changes.size() == 3);
    CHECK(f.store.find("layer", "layer-0", "opacity") == nullptr);
    CHECK(f.store.find("layer", "layer-0", "visible") == nullptr);
    CHECK(f.store.targets("layer") == std::vector<std::string_view>{"layer-1", "layer-2"});
    CHECK(f.store.scope_version("layer") == 6);
    CHECK(f.store.find("layer", "layer-1", "opacity")->version == 3);  // untouched: its version stays
}

TEST_CASE("commit_all applies every scope before any subscriber hears of the first") {
    Fixture f;
    f.apply("dims", {{"main", "nsteps", json::array{4, 4}}});
    f.apply("view", {{"main", "ndisplay", 3}});
    std::vector<std::string> heard;
    f.store.subscribe([&](const store::ChangeSet &set) {
        // Whatever set is announced, the other scope's plan is applied already.
        CHECK(f.store.find("dims", "main", "nsteps")->value == json::array{8, 8});
        CHECK(f.store.find("view", "main", "ndisplay")->value == json::value(2));
        heard.push_back(set.scope);
    });
    std::vector<store::PendingApply> plans;
    plans.push_back(f.store.replace_plan("dims", std::vector<Write>{{"main", "nsteps", json::array{8, 8}}}, f.alice));
    plans.push_back(f.store.replace_plan("view", std::vector<Write>{{"main", "ndisplay", 2}}, f.alice));
    plans.push_back(f.store.replace_plan("camera", std::vector<Write>{}, f.alice));  // nothing: not announced
    const auto sets = f.store.commit_all(std::move(plans));
    REQUIRE(sets.size() == 3);
    CHECK(sets[2].changes.empty());
    CHECK(heard == std::vector<std::string>{"dims", "view"});
}

TEST_CASE("a replace with no writes empties the scope, and its versions go on") {
    Fixture f;
    f.apply("annotations", {{"a", "points", json::array{1, 2}}, {"b", "points", json::array{3}}});
    f.store.commit(f.store.replace_plan("annotations", std::vector<Write>{}, f.alice));
    CHECK(f.store.targets("annotations").empty());
    CHECK(f.store.scope_version("annotations") == 4);
    f.apply("annotations", {{"a", "points", json::array{1, 2}}});
    CHECK(f.store.find("annotations", "a", "points")->version == 5);
}
