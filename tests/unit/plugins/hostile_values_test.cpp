// Values an attacker sends to the shipped reducers, through the real loader, engine and outcome
// check (which aborts the process on a value that breaks a key's schema): each is refused with
// a specific code or saturates, and the host stays up. One case per finding of issue 17.
#include <cmath>
#include <cstdint>
#include <limits>

#include "support/reducer_harness.hpp"

using namespace scenehost;
using test::num;
using test::ReducerHarness;
namespace json = boost::json;

namespace {

std::vector<double> nums(const json::value &v) {
    std::vector<double> out;
    for (const json::value &x : v.as_array()) out.push_back(num(x));
    return out;
}

double zoom(const ReducerHarness &h) { return num(h.value("camera", "main", "zoom")); }
std::vector<double> center(const ReducerHarness &h) { return nums(h.value("camera", "main", "center")); }

json::object zoom_by(double factor, json::array anchor = {150, 100}) { return {{"factor", factor}, {"anchor_px", anchor}}; }

}  // namespace

TEST_CASE("camera zoom by a factor of 1e308 or 1e-308 saturates at the zoom bounds") {
    ReducerHarness h;
    h.accept("camera", "main", "zoom", zoom_by(1e308));
    CHECK(zoom(h) == 1e6);
    for (double c : center(h)) CHECK(std::isfinite(c));
    h.accept("camera", "main", "zoom", zoom_by(1e-308));
    CHECK(zoom(h) == 1e-6);
    for (double c : center(h)) CHECK(std::isfinite(c));
    h.accept("camera", "main", "zoom", zoom_by(std::numeric_limits<double>::denorm_min()));
    CHECK(zoom(h) == 1e-6);
}

TEST_CASE("camera zoom about an anchor far off the canvas takes the canvas edge") {
    ReducerHarness h;  // 300 x 200 canvas
    ReducerHarness edge;
    h.accept("camera", "main", "zoom", zoom_by(2, {1e308, -1e308}));
    edge.accept("camera", "main", "zoom", zoom_by(2, {300, 0}));
    CHECK(center(h) == center(edge));
    CHECK(zoom(h) == zoom(edge));
}

TEST_CASE("camera pan of 1e300 pixels after the smallest zoom saturates at the coordinate bound") {
    ReducerHarness h;
    h.accept("camera", "main", "zoom", 1e-6);
    h.accept("camera", "main", "pan", json::object{{"dx_px", 1e300}, {"dy_px", -1e300}});
    const auto c = center(h);
    for (double x : c) {
        CHECK(std::isfinite(x));
        CHECK(std::abs(x) <= 1e12);
    }
    // The pan is as large as one event may be: a million pixels at zoom 1e-6 is 1e12 data
    // pixels, from the seeded center (0, 9.5, 14.5); c1 went past the bound and stopped there.
    CHECK(c[2] == 14.5 - 1e12);
    CHECK(c[1] == 1e12);
    h.accept("camera", "main", "pan", json::object{{"dx_px", 1e300}, {"dy_px", -1e300}});
    CHECK(center(h) == std::vector<double>{0, 1e12, -1e12});
    h.accept("camera", "main", "pan", json::object{{"dx_px", 1e300}, {"dy_px", -1e300}});
    CHECK(center(h) == std::vector<double>{0, 1e12, -1e12});  // at the bounds: stays there
}

TEST_CASE("camera center near the largest double is refused, and a pan from the bound stays finite") {
    ReducerHarness h;
    const auto r = h.reject("camera", "main", "center", json::array{0, 1.7e308, 0}, "state.out_of_range");
    CHECK_THAT(r.message, Catch::Contains("[-1e+12, 1e+12]"));
    CHECK(r.details.at("maximum") == 1e12);
    h.reject("camera", "main", "set", json::object{{"center", json::array{0, 0, -1.7e308}}}, "state.out_of_range");
    h.accept("camera", "main", "center", json::array{0, 1e12, -1e12});
    h.accept("camera", "main", "zoom", 1e-6);
    h.accept("camera", "main", "pan", json::object{{"dx_px", 1e6}, {"dy_px", -1e6}});
    CHECK(center(h) == std::vector<double>{0, 1e12, -1e12});
}

TEST_CASE("camera set with a rect of 1e-320 or one near the largest double is refused, naming the bound") {
    ReducerHarness h;
    const uint64_t before = h.version("camera", "main", "zoom");
    auto r = h.reject("camera", "main", "set", json::object{{"rect", json::array{0, 0, 1e-320, 1e-320}}}, "state.out_of_range");
    CHECK_THAT(r.message, Catch::Contains("set.rect zoom in [1e-06, 1e+06]"));
    r = h.reject("camera", "main", "set", json::object{{"rect", json::array{1.7e308, 0, 1.7e308, 10}}}, "state.out_of_range");
    CHECK_THAT(r.message, Catch::Contains("set.rect center"));
    CHECK(h.version("camera", "main", "zoom") == before);
    // A rect inside the bounds still works.
    h.accept("camera", "main", "set", json::object{{"rect", json::array{0, 0, 30, 20}}});
    CHECK(zoom(h) == 10);  // min(300 / 30, 200 / 20)
}

TEST_CASE("camera orbit by huge angles stays inside the angle bounds") {
    ReducerHarness h;
    h.accept("view", "main", "ndisplay", 3);
    for (double d : {1e308, -1e308, 180.0, -180.0, 540.0}) {
        h.accept("camera", "main", "orbit", json::object{{"d_az_deg", d}, {"d_el_deg", d}});
        for (double a : nums(h.value("camera", "main", "angles"))) {
            CHECK(a >= -180);
            CHECK(a <= 180);
        }
    }
}

TEST_CASE("a layer name or axis label starting with NUL is refused before the reducer, naming NUL") {
    ReducerHarness h;
    const std::string nul_x("\0x", 2);
    auto r = h.reject("layer", "vol", "name", json::string(nul_x), "state.invalid_value");
    CHECK_THAT(r.message, Catch::Contains("U+0000 (NUL)"));
    r = h.reject("dims", "main", "axis_labels", json::array{json::string(nul_x), "y", "x"}, "state.invalid_value");
    CHECK_THAT(r.message, Catch::Contains("U+0000 (NUL)"));
    // NUL anywhere in a value, in an object key, in the target.
    h.reject("camera", "main", "pan", json::object{{std::string("dx\0", 3), 1}, {"dy_px", 1}}, "state.invalid_value");
    h.reject("layer", std::string("vol\0", 4), "opacity", 0.5, "state.invalid_value");
    CHECK(h.value("layer", "vol", "name") == "cells");
}

TEST_CASE("names and labels with other control characters are refused by the reducers") {
    ReducerHarness h;
    for (const char *bad : {"a\tb", "line\n", "\x1b[31mred", "del\x7f", "c1\xc2\x85"}) {
        INFO(bad);
        auto r = h.reject("layer", "vol", "name", bad, "state.invalid_value");
        CHECK_THAT(r.message, Catch::Contains("without control characters"));
        h.reject("dims", "main", "axis_labels", json::array{bad, "y", "x"}, "state.invalid_value");
    }
    CHECK(h.accept("layer", "vol", "name", "Zellkerne \xc3\xa4 \xe2\x80\x94 ok") == "Zellkerne \xc3\xa4 \xe2\x80\x94 ok");  // not Cc
}

TEST_CASE("a scene whose layer name holds NUL or a control character is refused") {
    json::object scene = test::test_scene();
    scene["layers"].as_array()[0].as_object()["name"] = std::string("\0x", 2);
    CHECK_THROWS_WITH(ReducerHarness(scene), Catch::Contains("U+0000 (NUL)"));
    scene["layers"].as_array()[0].as_object()["name"] = "tab\there";
    CHECK_THROWS_WITH(ReducerHarness(scene), Catch::Contains("without control characters"));
    // An empty axis label: the dims reducer seeds before the layers reducer refuses the scene,
    // and must not copy a label its own schema forbids.
    scene = test::test_scene();
    scene["layers"].as_array()[0].as_object()["axis_labels"] = json::array{"", "y", "x"};
    CHECK_THROWS_WITH(ReducerHarness(scene), Catch::Contains("'axis_labels' must hold one non-empty string"));
}

TEST_CASE("a dims step of INT64_MAX or INT64_MIN stops at the ends instead of overflowing") {
    ReducerHarness h;
    h.accept("dims", "z", "index", 3);
    CHECK(h.accept("dims", "z", "step", INT64_MAX) == json::array{9, 0, 0});
    CHECK(h.accept("dims", "z", "step", INT64_MAX) == json::array{9, 0, 0});
    CHECK(h.accept("dims", "z", "step", INT64_MIN) == json::array{0, 0, 0});
    CHECK(h.accept("dims", "z", "step", INT64_MIN) == json::array{0, 0, 0});
    h.reject("dims", "z", "step", json::value(uint64_t(INT64_MAX) + 1), "state.invalid_value");
}

TEST_CASE("float limits that meet as 32-bit floats and an iso threshold beyond float are refused") {
    ReducerHarness h;
    h.reject("layer", "img", "contrast_limits", json::array{0, 1e-50}, "state.out_of_range");
    h.reject("layer", "img", "contrast_limits", json::array{1, 1 + 1e-12}, "state.out_of_range");
    h.accept("layer", "img", "contrast_limits", json::array{0, 1e-6});
    h.reject("volume", "vol", "iso_threshold", 1e300, "state.out_of_range");
    CHECK(num(h.accept("volume", "vol", "iso_threshold", 3e38)) == 3e38);
}
