// The settings reducer (scope "view", target "main") through the real loader.
#include "support/reducer_harness.hpp"

using namespace scenehost;
using test::num;
using test::ReducerHarness;
namespace json = boost::json;

TEST_CASE("seeding: 2D, the scene's canvas, 60 fps, black") {
    ReducerHarness h;
    CHECK(h.value("view", "main", "ndisplay") == 2);
    CHECK(h.value("view", "main", "canvas_size") == json::array{300, 200});
    CHECK(num(h.value("view", "main", "fps_target")) == 60);
    CHECK(h.value("view", "main", "background") == json::array{0, 0, 0, 1});
}

TEST_CASE("ndisplay toggles between 2 and 3 only") {
    ReducerHarness h;
    CHECK(h.accept("view", "main", "ndisplay", 3) == 3);
    CHECK(h.accept("view", "main", "ndisplay", 2) == 2);
    h.reject("view", "main", "ndisplay", 4, "state.out_of_range");
    h.reject("view", "main", "ndisplay", 1, "state.out_of_range");
    h.reject("view", "main", "ndisplay", 2.5, "state.invalid_value");
    h.reject("view", "main", "ndisplay", "3", "state.invalid_value");
}

TEST_CASE("canvas size and fps target at their bounds") {
    ReducerHarness h;
    CHECK(h.accept("view", "main", "canvas_size", json::array{16, 8192}) == json::array{16, 8192});
    h.reject("view", "main", "canvas_size", json::array{15, 100}, "state.out_of_range");
    h.reject("view", "main", "canvas_size", json::array{100, 8193}, "state.out_of_range");
    h.reject("view", "main", "canvas_size", json::array{100}, "state.invalid_value");
    h.reject("view", "main", "canvas_size", json::array{100.5, 100}, "state.invalid_value");
    CHECK(num(h.accept("view", "main", "fps_target", 240)) == 240);
    CHECK(num(h.accept("view", "main", "fps_target", 0.5)) == 0.5);
    h.reject("view", "main", "fps_target", 0, "state.out_of_range");
    h.reject("view", "main", "fps_target", 240.5, "state.out_of_range");
    h.reject("view", "main", "fps_target", json::parse("1e999"), "state.invalid_value");
}

TEST_CASE("background as hex or channels, stored as RGBA") {
    ReducerHarness h;
    CHECK(h.accept("view", "main", "background", "#fff") == json::array{1.0, 1.0, 1.0, 1.0});
    CHECK(h.accept("view", "main", "background", "#00000080").as_array()[3].as_double() == Approx(128 / 255.0));
    CHECK(h.accept("view", "main", "background", json::array{0, 0.5, 1}) == json::array{0.0, 0.5, 1.0, 1.0});
    h.reject("view", "main", "background", "#ggg", "state.invalid_value");
    h.reject("view", "main", "background", json::array{0, 0, 2}, "state.out_of_range");
    h.reject("view", "main", "background", "black", "state.invalid_value");
}

TEST_CASE("only target main, unknown keys, base_version") {
    ReducerHarness h;
    h.reject("view", "side", "ndisplay", 3, "state.invalid_value");
    h.reject("view", "main", "theme", "dark", "state.unknown_key");
    const uint64_t v = h.version("view", "main", "fps_target");
    CHECK(std::holds_alternative<engine::Accepted>(h.apply("view", "main", "fps_target", 30, v)));
    REQUIRE(std::holds_alternative<engine::Rejected>(h.apply("view", "main", "fps_target", 24, v)));
}
