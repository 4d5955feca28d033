// The example `annotations` reducer (examples/annotations) through the real loader behind the
// real engine: seeding, every key at its bounds, each rejection kind, NaN/Inf, wrong types,
// point lengths against the scene's ndim, target ids, canonical colors and base_version.
#include <cmath>
#include <limits>

#include "support/reducer_harness.hpp"

using namespace scenehost;
using test::ReducerHarness;
namespace json = boost::json;

namespace {

// n points of `ndim` coordinates each.
json::array points(size_t n, size_t ndim) {
    json::array out;
    for (size_t i = 0; i < n; ++i) {
        json::array p;
        for (size_t a = 0; a < ndim; ++a) p.emplace_back(double(i) + 0.5 * double(a));
        out.push_back(std::move(p));
    }
    return out;
}

json::object scene_with(json::value layers) {
    return {{"layers", std::move(layers)}, {"canvas_size", {300, 200}}};
}

// What the reducer itself answers to value_json, bypassing the engine's checks (JSON text such
// as 1e999 parses to infinity, which the engine would refuse before any reducer runs).
plugin::ReduceOutcome reduce_text(ReducerHarness &h, std::string_view target, std::string_view key,
                                  std::string_view value_json) {
    const plugin::ReducerPlugin *r = h.plugins().reducer("annotations");
    REQUIRE(r != nullptr);
    return r->reduce({target, key, value_json, "tester", "intent-1"}, h.store());
}

std::string seed_error(const json::object &scene) {
    try {
        ReducerHarness h(scene);
    } catch (const std::runtime_error &e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("the example loads from its own directory and seeding writes nothing") {
    ReducerHarness h;
    REQUIRE(h.plugins().reducer("annotations") != nullptr);
    CHECK(h.plugins().reducer("annotations")->info().name == "annotations");
    CHECK(h.store().targets("annotations").empty());
    CHECK(h.store().scope_version("annotations") == 0);
    CHECK_FALSE(h.plugins().any_refused());
}

TEST_CASE("a scene description it cannot read is refused at seed time, naming the layer") {
    CHECK_THAT(seed_error(scene_with("x")), Catch::Contains("'layers' must be an array"));
    CHECK_THAT(seed_error(scene_with(json::array{json::object{{"id", "a"}, {"dtype", "uint8"}}})),
               Catch::Contains("scene layer 0 needs a 'shape' of at least two axes"));
    CHECK_THAT(seed_error(scene_with(json::array{json::object{{"shape", {4, 4}}}, json::object{{"shape", {4}}}})),
               Catch::Contains("scene layer 1"));
    CHECK_THAT(seed_error(scene_with(json::array{7})), Catch::Contains("scene layer 0"));
}

TEST_CASE("points: up to 4096 of the scene's ndim (the most axes of any layer), stored as given") {
    ReducerHarness h;  // a 3D volume and a 2D image: ndim 3
    CHECK(h.accept("annotations", "a1", "points", json::array{}) == json::array{});
    CHECK(h.accept("annotations", "a1", "points", json::array{{1, 2.5, -3}}) == json::array{{1, 2.5, -3}});
    CHECK(h.accept("annotations", "a1", "points", points(4096, 3)) == points(4096, 3));
    CHECK(h.accept("annotations", "a1", "points", json::array{{1e300, -1e300, 0}}) == json::array{{1e300, -1e300, 0}});
    CHECK(h.accept("annotations", "a1", "points", json::array{}) == json::array{});  // clears

    const auto too_many = h.reject("annotations", "a1", "points", points(4097, 3), "state.out_of_range");
    CHECK(too_many.message == "annotations.points must be at most 4096 points, not 4097");
    CHECK(too_many.details.at("key") == "points");
    CHECK(too_many.details.at("maximum") == 4096);

    const auto short_point = h.reject("annotations", "a1", "points", json::array{{1, 2}}, "state.invalid_value");
    CHECK(short_point.message == "annotations.points[0] must be 3 coordinates long (the scene's ndim), not 2");
    CHECK(short_point.details.at("length") == 3);
    h.reject("annotations", "a1", "points", json::array{{1, 2, 3, 4}}, "state.invalid_value");
    const auto mixed = h.reject("annotations", "a1", "points", json::array{{1, 2, 3}, {1, 2, 3}, {1, 2}},
                                "state.invalid_value");
    CHECK(mixed.message == "annotations.points[2] must be 3 coordinates long (the scene's ndim), not 2");
    CHECK(mixed.details.at("index") == 2);
    CHECK_FALSE(h.has("annotations", "a2", "points"));
}

TEST_CASE("points: wrong types are invalid values naming the point and coordinate") {
    ReducerHarness h;
    CHECK(h.reject("annotations", "a1", "points", "[[1,2,3]]", "state.invalid_value").message ==
          R"(annotations.points must be a list of points, not "[[1,2,3]]")");
    h.reject("annotations", "a1", "points", json::object{{"x", 1}}, "state.invalid_value");
    h.reject("annotations", "a1", "points", 3, "state.invalid_value");
    h.reject("annotations", "a1", "points", nullptr, "state.invalid_value");
    CHECK(h.reject("annotations", "a1", "points", json::array{{1, 2, 3}, 4}, "state.invalid_value").message ==
          "annotations.points[1] must be a point (an array of numbers), not 4");
    const auto text = h.reject("annotations", "a1", "points", json::array{{1, "2", 3}}, "state.invalid_value");
    CHECK(text.message == R"(annotations.points[0][1] must be a finite number, not "2")");
    CHECK(text.details.at("coordinate") == 1);
    h.reject("annotations", "a1", "points", json::array{{1, true, 3}}, "state.invalid_value");
    h.reject("annotations", "a1", "points", json::array{{1, nullptr, 3}}, "state.invalid_value");
    h.reject("annotations", "a1", "points", json::array{{1, json::array{2}, 3}}, "state.invalid_value");
}

TEST_CASE("NaN and infinity: the engine refuses them first, and the reducer refuses what reaches it") {
    ReducerHarness h;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    h.reject("annotations", "a1", "points", json::array{{nan, 0, 0}}, "state.invalid_value");
    h.reject("annotations", "a1", "points", json::parse("[[1e999, 0, 0]]"), "state.invalid_value");
    h.reject("annotations", "a1", "color", json::array{0, inf, 0, 1}, "state.invalid_value");

    // The reducer's own answer to JSON text whose numbers overflow to +-infinity.
    auto rejection = [](const plugin::ReduceOutcome &o) {
        REQUIRE(std::holds_alternative<plugin::Rejection>(o));
        return std::get<plugin::Rejection>(o);
    };
    const auto up = rejection(reduce_text(h, "a1", "points", "[[0, 0, 0], [0, 1e999, 0]]"));
    CHECK(up.code == "state.invalid_value");
    CHECK(up.message == "annotations.points[1][1] must be a finite number, not infinity");
    CHECK(up.details.at("key") == "points");
    const auto down = rejection(reduce_text(h, "a1", "points", "[[-1e999, 0, 0]]"));
    CHECK(down.message == "annotations.points[0][0] must be a finite number, not -infinity");
    const auto channel = rejection(reduce_text(h, "a1", "color", "[0, 0, 1e999, 1]"));
    CHECK(channel.code == "state.invalid_value");
    CHECK_THAT(channel.message, Catch::StartsWith("annotations.color must be"));
    // And a finite value through the same path is written.
    CHECK(std::holds_alternative<std::vector<store::Write>>(reduce_text(h, "a1", "points", "[[0, 1e308, 0]]")));
}

TEST_CASE("points in a scene without layers: 2 to 8 coordinates, the same for every point") {
    ReducerHarness h(scene_with(json::array{}));
    CHECK(h.accept("annotations", "a1", "points", points(3, 2)) == points(3, 2));
    CHECK(h.accept("annotations", "a1", "points", points(3, 8)) == points(3, 8));
    CHECK(h.accept("annotations", "a1", "points", json::array{}) == json::array{});
    const auto one = h.reject("annotations", "a1", "points", points(1, 1), "state.out_of_range");
    CHECK(one.message == "annotations.points[0] must be 2 to 8 coordinates long (the scene has no layers), not 1");
    CHECK(one.details.at("minimum") == 2);
    CHECK(one.details.at("maximum") == 8);
    h.reject("annotations", "a1", "points", points(1, 9), "state.out_of_range");
    h.reject("annotations", "a1", "points", json::array{json::array{}}, "state.out_of_range");
    const auto mixed = h.reject("annotations", "a1", "points", json::array{{1, 2, 3}, {1, 2}}, "state.invalid_value");
    CHECK(mixed.message == "annotations.points[1] must be 3 coordinates long (as long as points[0]), not 2");

    // A description without a layers array at all is a scene without layers too.
    ReducerHarness bare(json::object{{"canvas_size", {300, 200}}});
    CHECK(bare.accept("annotations", "a1", "points", points(2, 5)) == points(2, 5));
}

TEST_CASE("points in a 5D scene must have 5 coordinates") {
    ReducerHarness h(scene_with(json::array{json::object{{"id", "a"}, {"shape", {2, 3, 4, 5, 6}}, {"dtype", "uint8"}},
                                            json::object{{"id", "b"}, {"shape", {5, 6}}, {"dtype", "uint8"}}}));
    CHECK(h.accept("annotations", "a1", "points", points(2, 5)) == points(2, 5));
    h.reject("annotations", "a1", "points", points(2, 2), "state.invalid_value");
    h.reject("annotations", "a1", "points", points(2, 8), "state.invalid_value");
}

TEST_CASE("label: any string of at most 256 bytes (bytes, not characters)") {
    ReducerHarness h;
    CHECK(h.accept("annotations", "a1", "label", "") == "");
    CHECK(h.accept("annotations", "a1", "label", "nucleus 3") == "nucleus 3");
    CHECK(h.accept("annotations", "a1", "label", json::string(256, 'x')) == json::string(256, 'x'));
    json::string accents;
    for (int i = 0; i < 128; ++i) accents.append("\xc3\xa9");  // 128 x U+00E9: 256 bytes
    CHECK(h.accept("annotations", "a1", "label", accents) == accents);
    const auto long_label = h.reject("annotations", "a1", "label", json::string(257, 'x'), "state.out_of_range");
    CHECK(long_label.message == "annotations.label must be at most 256 bytes, not 257 bytes");
    CHECK(long_label.details.at("maximum") == 256);
    h.reject("annotations", "a1", "label", json::string(accents).append("\xc3\xa9"), "state.out_of_range");
    CHECK(h.reject("annotations", "a1", "label", 5, "state.invalid_value").message ==
          "annotations.label must be a string, not 5");
    h.reject("annotations", "a1", "label", nullptr, "state.invalid_value");
    h.reject("annotations", "a1", "label", json::array{"a"}, "state.invalid_value");
    CHECK(h.value("annotations", "a1", "label") == accents);
}

TEST_CASE("color: hex in any case or RGBA in [0, 1], stored as lower-case #rrggbbaa") {
    ReducerHarness h;
    CHECK(h.accept("annotations", "a1", "color", "#A0b1C2") == "#a0b1c2ff");
    CHECK(h.accept("annotations", "a1", "color", "#A0B1C2D3") == "#a0b1c2d3");
    CHECK(h.accept("annotations", "a1", "color", "#00000000") == "#00000000");
    CHECK(h.accept("annotations", "a1", "color", json::array{1, 0, 0.5, 1}) == "#ff0080ff");
    CHECK(h.accept("annotations", "a1", "color", json::array{0, 0, 0, 0}) == "#00000000");
    CHECK(h.accept("annotations", "a1", "color", json::array{1.0, 1.0, 1.0, 1.0}) == "#ffffffff");
    CHECK(h.accept("annotations", "a1", "color", json::array{0.2, 0.4, 0.6, 0.8}) == "#336699cc");

    const auto high = h.reject("annotations", "a1", "color", json::array{0, 1.5, 0, 1}, "state.out_of_range");
    CHECK(high.message == "annotations.color[1] must be in [0, 1], not 1.5");
    CHECK(high.details.at("key") == "color");
    CHECK(high.details.at("bound") == "in [0, 1]");
    h.reject("annotations", "a1", "color", json::array{-0.1, 0, 0, 1}, "state.out_of_range");
    h.reject("annotations", "a1", "color", json::array{0, 0, 0, 2}, "state.out_of_range");

    const auto red = h.reject("annotations", "a1", "color", "red", "state.invalid_value");
    CHECK(red.message == R"(annotations.color must be "#rrggbb", "#rrggbbaa" or [r, g, b, a], not "red")");
    for (const char *bad : {"#fff", "#12345g", "#1234567", "#123456789", "123456", "#", ""}) {
        INFO(bad);
        h.reject("annotations", "a1", "color", bad, "state.invalid_value");
    }
    h.reject("annotations", "a1", "color", json::array{1, 0, 0}, "state.invalid_value");
    h.reject("annotations", "a1", "color", json::array{1, 0, 0, 1, 1}, "state.invalid_value");
    h.reject("annotations", "a1", "color", json::array{"1", 0, 0, 1}, "state.invalid_value");
    h.reject("annotations", "a1", "color", json::array{true, 0, 0, 1}, "state.invalid_value");
    h.reject("annotations", "a1", "color", 0xff0000, "state.invalid_value");
    CHECK(h.value("annotations", "a1", "color") == "#336699cc");
}

TEST_CASE("target ids: 1 to 64 of A-Z a-z 0-9 _ . -") {
    ReducerHarness h;
    CHECK(h.accept("annotations", "A-z_0.9", "label", "ok") == "ok");
    CHECK(h.accept("annotations", std::string(64, 'a'), "label", "ok") == "ok");
    CHECK(h.accept("annotations", "main", "label", "ok") == "ok");
    const auto space = h.reject("annotations", "a b", "label", "x", "state.invalid_value");
    CHECK(space.message ==
          R"(the annotations target (an annotation id) must be 1 to 64 characters of A-Z a-z 0-9 _ . -, not "a b")");
    CHECK(space.details.at("field") == "target");
    CHECK(space.details.at("target") == "a b");
    const auto long_id = h.reject("annotations", std::string(65, 'a'), "label", "x", "state.invalid_value");
    CHECK_THAT(long_id.message, Catch::EndsWith("not a string of 65 bytes"));
    CHECK_FALSE(long_id.details.contains("target"));
    for (const std::string bad : {"", "a/b", "caf\xc3\xa9", "a\nb", "\"q\"", "a:b"}) {
        INFO(bad);
        h.reject("annotations", bad, "points", json::array{}, "state.invalid_value");
    }
    // The target is checked before the key and the value.
    h.reject("annotations", "a b", "size", 1, "state.invalid_value");
    const std::string longest(64, 'a');
    CHECK(h.store().targets("annotations") == std::vector<std::string_view>{"A-z_0.9", longest, "main"});
}

TEST_CASE("unknown keys are named, with the keys the scope accepts") {
    ReducerHarness h;
    const auto size = h.reject("annotations", "a1", "size", 3, "state.unknown_key");
    CHECK(size.message == "'size' is not a key of the annotations scope (points, label, color)");
    CHECK(size.details.at("key") == "size");
    CHECK(size.details.at("allowed") == json::array{"points", "label", "color"});
    const auto long_key = h.reject("annotations", "a1", std::string(100, 'k'), 3, "state.unknown_key");
    CHECK_THAT(long_key.message, Catch::StartsWith("a key of 100 bytes is not"));
    h.reject("annotations", "a1", "Points", json::array{}, "state.unknown_key");
}

TEST_CASE("base_version: current is accepted, stale is a conflict with the current value") {
    ReducerHarness h;
    h.accept("annotations", "a1", "label", "first");
    const uint64_t v = h.version("annotations", "a1", "label");
    CHECK(std::holds_alternative<engine::Accepted>(h.apply("annotations", "a1", "label", "second", v)));
    const engine::Outcome stale = h.apply("annotations", "a1", "label", "third", v);
    REQUIRE(std::holds_alternative<engine::Rejected>(stale));
    const auto &conflict = std::get<engine::Rejected>(stale);
    CHECK(conflict.code == "state.conflict");
    CHECK(conflict.details.at("current_value") == "second");
    CHECK(conflict.details.at("current_version").to_number<uint64_t>() == v + 1);
    CHECK(h.value("annotations", "a1", "label") == "second");
}
