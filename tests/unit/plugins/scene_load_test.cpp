// A scene load (napari.load_zarr) through the real reducers: the store then holds exactly the new
// scene's seed, versions go on, a stale base_version conflicts, one audit line records it all
// before anything changes, and a scene a reducer refuses changes nothing.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "support/reducer_harness.hpp"

using namespace scenehost;
namespace json = boost::json;

namespace {

// One 2D uint8 layer, new id, on the same canvas.
json::object next_scene() {
    return json::parse(R"({
      "layers": [{"id": "layer-7", "name": "nuclei", "shape": [64, 48], "dtype": "uint8"}],
      "canvas_size": [300, 200]})")
        .as_object();
}

engine::LoadOutcome load(test::ReducerHarness &h, const json::object &scene) {
    return h.engine().load(json::serialize(scene), json::object{{"path", "/data/nuclei.zarr"}},
                           {"alice", "session-1", "frame-9"});
}

}  // namespace

TEST_CASE("a load replaces every scope with the new scene's seed") {
    test::ReducerHarness h;
    h.accept("layer", "vol", "opacity", 0.5);
    h.accept("view", "main", "ndisplay", 3);
    h.accept("view", "main", "background", json::array{0.1, 0.2, 0.3, 1.0});
    const uint64_t layer_version = h.store().scope_version("layer");
    const uint64_t opacity_version = h.version("layer", "vol", "opacity");

    const auto outcome = load(h, next_scene());
    REQUIRE(std::holds_alternative<engine::Loaded>(outcome));
    const auto &loaded = std::get<engine::Loaded>(outcome);

    // Exactly the new layer, as a fresh seed would write it.
    CHECK(h.store().targets("layer") == std::vector<std::string_view>{"layer-7"});
    CHECK(h.store().targets("volume") == std::vector<std::string_view>{"layer-7"});
    CHECK(h.value("layer", "layer-7", "name") == json::value("nuclei"));
    CHECK(test::num(h.value("layer", "layer-7", "opacity")) == 1.0);
    CHECK(h.value("dims", "main", "nsteps") == json::array{64, 48});
    CHECK(h.value("dims", "main", "current_step") == json::array{0, 0});
    CHECK(h.value("view", "main", "ndisplay") == json::value(2));                // the seed's, not the client's 3
    CHECK(h.value("view", "main", "background") == json::array{0, 0, 0, 1});    // likewise
    CHECK(h.value("view", "main", "canvas_size") == json::array{300, 200});
    CHECK(h.value("layer", "layer-7", "name") == json::value("nuclei"));

    // Versions go on, so a write based on the old scene is stale.
    CHECK(h.store().scope_version("layer") > layer_version);
    CHECK(h.version("layer", "layer-7", "opacity") > opacity_version);
    const auto stale = h.apply("layer", "layer-7", "opacity", 0.25, opacity_version);
    REQUIRE(std::holds_alternative<engine::Rejected>(stale));
    CHECK(std::get<engine::Rejected>(stale).code == "state.conflict");
    h.reject("layer", "vol", "opacity", 0.25, "state.invalid_value");  // the old layer is gone

    // The change sets name the removals.
    bool vol_removed = false, layer_written = false;
    for (const store::ChangeSet &set : loaded.changes) {
        CHECK_FALSE(set.changes.empty());
        for (const store::Change &c : set.changes) {
            if (set.scope == "layer" && c.property.target == "vol" && c.property.key == "opacity") {
                vol_removed = c.removed && c.old_value == json::value(0.5) && c.new_value.is_null();
            }
            if (set.scope == "layer" && c.property.target == "layer-7") layer_written = !c.removed;
        }
    }
    CHECK(vol_removed);
    CHECK(layer_written);
}

TEST_CASE("a load is one audit line naming every write and removal with its scope") {
    test::ReducerHarness h;
    REQUIRE(std::holds_alternative<engine::Loaded>(load(h, next_scene())));
    const auto lines = h.audit_lines();
    REQUIRE(lines.size() == 1);
    const json::object &line = lines.front();
    CHECK(line.at("scope") == "scene");
    CHECK(line.at("target") == "main");
    CHECK(line.at("key") == "load");
    CHECK(line.at("status") == "accepted");
    CHECK(line.at("actor") == "alice");
    CHECK(line.at("intent_id") == "frame-9");
    CHECK(line.at("new") == json::object{{"path", "/data/nuclei.zarr"}});
    const json::array &writes = line.at("writes").as_array();
    bool removal = false, write = false;
    for (const json::value &w : writes) {
        const json::object &o = w.as_object();
        REQUIRE(o.contains("scope"));
        if (o.at("scope") == "layer" && o.at("target") == "img" && o.at("key") == "opacity") {
            removal = o.contains("removed") && o.at("removed") == true && o.at("new").is_null();
        }
        if (o.at("scope") == "layer" && o.at("target") == "layer-7" && o.at("key") == "name") {
            write = o.at("new") == "nuclei" && !o.contains("removed") &&
                    o.at("version").to_number<uint64_t>() == h.version("layer", "layer-7", "name");
        }
    }
    CHECK(removal);
    CHECK(write);
}

TEST_CASE("a scene a reducer refuses is rejected with nothing changed, and audited") {
    test::ReducerHarness h;
    const uint64_t before = h.store().scope_version("layer");
    json::object bad = next_scene();
    bad["layers"].as_array()[0].as_object()["shape"] = json::array{0, 5};  // the layers reducer refuses an empty axis
    const auto outcome = load(h, bad);
    REQUIRE(std::holds_alternative<engine::Rejected>(outcome));
    CHECK_FALSE(std::get<engine::Rejected>(outcome).message.empty());
    CHECK(h.store().scope_version("layer") == before);
    CHECK(h.store().targets("layer") == std::vector<std::string_view>{"img", "vol"});
    const auto lines = h.audit_lines();
    REQUIRE(lines.size() == 1);
    CHECK(lines.front().at("status") == "rejected");
    CHECK(lines.front().at("key") == "load");
}

TEST_CASE("a scene holding NUL in a label is refused before any reducer seeds, and audited") {
    test::ReducerHarness h;
    const uint64_t layer_version = h.store().scope_version("layer");
    json::object scene = next_scene();
    scene["layers"].as_array()[0].as_object()["axis_labels"] = json::array{std::string("\0y", 2), "x"};
    const auto outcome = load(h, scene);
    REQUIRE(std::holds_alternative<engine::Rejected>(outcome));
    const auto &rejected = std::get<engine::Rejected>(outcome);
    CHECK(rejected.code == "state.invalid_value");
    CHECK(rejected.message == "the scene holds U+0000 (NUL) in a string");
    CHECK(h.store().scope_version("layer") == layer_version);
    const json::object line = h.audit_lines().back();
    CHECK(line.at("key") == "load");
    CHECK(line.at("status") == "rejected");
}
