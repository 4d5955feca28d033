// The camera reducer (scope "camera") through the real loader: absolute keys at their bounds,
// and napari-cuda's relative operations turned into absolute state that composes correctly.
#include "support/reducer_harness.hpp"

using namespace scenehost;
using test::num;
using test::ReducerHarness;
namespace json = boost::json;

namespace {

constexpr double kEps = 1e-9;

std::vector<double> nums(const json::value &v) {
    std::vector<double> out;
    for (const json::value &x : v.as_array()) out.push_back(num(x));
    return out;
}

void check_near(const std::vector<double> &a, const std::vector<double> &b, double eps = kEps) {
    REQUIRE(a.size() == b.size());
    for (size_t i = 0; i < a.size(); ++i) CHECK(a[i] == Approx(b[i]).margin(eps));
}

struct Pose {
    std::vector<double> center, angles;
    double zoom;
};

Pose pose(const ReducerHarness &h) {
    return {nums(h.value("camera", "main", "center")), nums(h.value("camera", "main", "angles")),
            num(h.value("camera", "main", "zoom"))};
}

void check_same(const Pose &a, const Pose &b) {
    check_near(a.center, b.center);
    check_near(a.angles, b.angles);
    CHECK(a.zoom == Approx(b.zoom).epsilon(1e-12));
}

}  // namespace

TEST_CASE("seeding fits the data into the canvas like napari's reset_view") {
    ReducerHarness h;  // 300 x 200 canvas; displayed axes y (20) and x (30)
    check_near(nums(h.value("camera", "main", "center")), {0, 9.5, 14.5});
    CHECK(num(h.value("camera", "main", "zoom")) == Approx(9.5));  // 0.95 * min(300/30, 200/20)
    check_near(nums(h.value("camera", "main", "angles")), {0, 0, 0});
    CHECK(num(h.value("camera", "main", "perspective")) == 0);
}

TEST_CASE("absolute keys at their bounds and beyond") {
    ReducerHarness h;
    check_near(nums(h.accept("camera", "main", "center", json::array{1, 2, 3})), {1, 2, 3});
    check_near(nums(h.accept("camera", "main", "center", json::array{5, 6})), {1, 5, 6});  // 2D keeps c0
    h.reject("camera", "main", "center", json::array{1}, "state.invalid_value");
    h.reject("camera", "main", "center", json::array{1, json::parse("1e999")}, "state.invalid_value");
    CHECK(num(h.accept("camera", "main", "zoom", 1e-6)) == 1e-6);
    CHECK(num(h.accept("camera", "main", "zoom", 1e6)) == 1e6);
    h.reject("camera", "main", "zoom", 1e-9, "state.out_of_range");
    h.reject("camera", "main", "zoom", 0, "state.out_of_range");
    h.reject("camera", "main", "zoom", -1, "state.out_of_range");
    h.reject("camera", "main", "zoom", "2", "state.invalid_value");
    check_near(nums(h.accept("camera", "main", "angles", json::array{190, -180, 45})), {-170, 180, 45});
    h.reject("camera", "main", "angles", json::array{0, 0}, "state.invalid_value");
    CHECK(num(h.accept("camera", "main", "perspective", 179)) == 179);
    CHECK(num(h.accept("camera", "", "perspective", 0)) == 0);  // napari-cuda's empty target
    h.reject("camera", "main", "perspective", 179.5, "state.out_of_range");
    h.reject("camera", "main", "perspective", -1, "state.out_of_range");
    h.reject("camera", "side", "zoom", 1, "state.invalid_value");
    h.reject("camera", "main", "roll", 1, "state.unknown_key");
}

TEST_CASE("pan moves the picture with the pointer and undoes itself") {
    ReducerHarness h;
    const Pose start = pose(h);
    h.accept("camera", "main", "pan", json::object{{"dx_px", 95}, {"dy_px", -19}});
    check_near(nums(h.value("camera", "main", "center")), {0, 9.5 + 2, 14.5 - 10});  // 9.5 px per data pixel
    h.accept("camera", "main", "pan", json::object{{"dx_px", -95}, {"dy_px", 19}});
    check_same(pose(h), start);
    h.reject("camera", "main", "pan", json::object{{"dx_px", 1}}, "state.invalid_value");
    h.reject("camera", "main", "pan", json::object{{"dx_px", "1"}, {"dy_px", 0}}, "state.invalid_value");
}

TEST_CASE("zoom about an anchor keeps the data point under it, and composes") {
    ReducerHarness h;
    const Pose start = pose(h);
    // About the canvas center: only the zoom changes.
    h.accept("camera", "main", "zoom", json::object{{"factor", 2}, {"anchor_px", json::array{150, 100}}});
    CHECK(num(h.value("camera", "main", "zoom")) == Approx(19));
    check_near(pose(h).center, start.center);
    h.accept("camera", "main", "zoom", json::object{{"factor", 0.5}, {"anchor_px", json::array{150, 100}}});
    check_same(pose(h), start);

    // About the top-left corner: the data point there stays there.
    const auto world_at = [](const Pose &p, double x, double y) {
        return std::vector<double>{p.center[1] + (y - 100) / p.zoom, p.center[2] + (x - 150) / p.zoom};
    };
    const auto before = world_at(start, 0, 0);
    h.accept("camera", "main", "zoom", json::object{{"factor", 3}, {"anchor_px", json::array{0, 0}}});
    check_near(world_at(pose(h), 0, 0), before);
    h.accept("camera", "main", "zoom", json::object{{"factor", 1.0 / 3}, {"anchor_px", json::array{0, 0}}});
    check_same(pose(h), start);

    h.reject("camera", "main", "zoom", json::object{{"factor", 0}, {"anchor_px", json::array{0, 0}}}, "state.out_of_range");
    h.reject("camera", "main", "zoom", json::object{{"factor", 2}}, "state.invalid_value");
    h.reject("camera", "main", "zoom", json::object{{"factor", 2}, {"anchor_px", json::array{0}}}, "state.invalid_value");
}

TEST_CASE("orbit needs 3D, turns about the vertical and the camera's right axis, and composes") {
    ReducerHarness h;
    h.reject("camera", "main", "orbit", json::object{{"d_az_deg", 10}, {"d_el_deg", 0}}, "state.forbidden");
    h.accept("view", "main", "ndisplay", 3);
    const Pose start = pose(h);

    h.accept("camera", "main", "orbit", json::object{{"d_az_deg", 90}, {"d_el_deg", 0}});
    check_near(nums(h.value("camera", "main", "angles")), {0, 90, 0});

    // Two turns make their sum; opposite turns cancel, in either axis and combined.
    ReducerHarness a, b;
    for (ReducerHarness *x : {&a, &b}) x->accept("view", "main", "ndisplay", 3);
    a.accept("camera", "main", "orbit", json::object{{"d_az_deg", 10}, {"d_el_deg", 0}});
    a.accept("camera", "main", "orbit", json::object{{"d_az_deg", 25}, {"d_el_deg", 0}});
    b.accept("camera", "main", "orbit", json::object{{"d_az_deg", 35}, {"d_el_deg", 0}});
    check_same(pose(a), pose(b));

    h.accept("camera", "main", "orbit", json::object{{"d_az_deg", -90}, {"d_el_deg", 0}});
    check_same(pose(h), start);
    h.accept("camera", "main", "orbit", json::object{{"d_az_deg", 30}, {"d_el_deg", 20}});
    h.accept("camera", "main", "orbit", json::object{{"d_az_deg", 17}, {"d_el_deg", -55}});
    h.accept("camera", "main", "orbit", json::object{{"d_az_deg", -17}, {"d_el_deg", 55}});
    h.accept("camera", "main", "orbit", json::object{{"d_az_deg", -30}, {"d_el_deg", -20}});
    check_same(pose(h), start);

    h.reject("camera", "main", "orbit", json::object{{"d_az_deg", 1}}, "state.invalid_value");
    h.reject("camera", "main", "orbit", 5, "state.invalid_value");
}

TEST_CASE("in 3D, pan follows the camera's own axes") {
    ReducerHarness h;
    h.accept("view", "main", "ndisplay", 3);
    h.accept("camera", "main", "orbit", json::object{{"d_az_deg", 90}, {"d_el_deg", 0}});
    const Pose start = pose(h);
    // Turned 90 degrees about y, screen right points along -z (c0): the center moves +c0.
    h.accept("camera", "main", "pan", json::object{{"dx_px", start.zoom}, {"dy_px", 0}});
    check_near(pose(h).center, {start.center[0] + 1, start.center[1], start.center[2]});
}

TEST_CASE("reset fits the view for the current ndisplay, set applies parts and rect") {
    ReducerHarness h;
    const Pose fitted = pose(h);
    h.accept("camera", "main", "pan", json::object{{"dx_px", 40}, {"dy_px", 40}});
    h.accept("camera", "main", "zoom", 4);
    h.accept("camera", "main", "reset", json::object{{"reason", "user"}});
    check_same(pose(h), fitted);
    h.accept("camera", "main", "reset", nullptr);
    h.reject("camera", "main", "reset", json::object{{"why", 1}}, "state.invalid_value");

    h.accept("view", "main", "ndisplay", 3);
    h.accept("camera", "main", "reset", "toggle");
    check_near(pose(h).center, {4.5, 9.5, 14.5});
    CHECK(pose(h).zoom == Approx(0.95 * 200 / 30));

    h.accept("camera", "main", "set", json::object{{"rect", json::array{0, 0, 30, 20}}, {"angles", json::array{0, 0, 90}}});
    check_near(pose(h).center, {4.5, 10, 15});
    CHECK(pose(h).zoom == Approx(10));
    check_near(pose(h).angles, {0, 0, 90});
    h.reject("camera", "main", "set", json::object{}, "state.invalid_value");
    h.reject("camera", "main", "set", json::object{{"zoom", 2}, {"tilt", 1}}, "state.invalid_value");
    h.reject("camera", "main", "set", json::object{{"zoom", -2}}, "state.out_of_range");
    h.reject("camera", "main", "set", json::object{{"rect", json::array{0, 0, 0, 5}}}, "state.out_of_range");
    CHECK(pose(h).zoom == Approx(10));  // a refused set changes nothing
}

TEST_CASE("camera base_version conflicts") {
    ReducerHarness h;
    const uint64_t v = h.version("camera", "main", "zoom");
    CHECK(std::holds_alternative<engine::Accepted>(h.apply("camera", "main", "zoom", 2, v)));
    const auto stale = h.apply("camera", "main", "zoom", 3, v);
    REQUIRE(std::holds_alternative<engine::Rejected>(stale));
    CHECK(std::get<engine::Rejected>(stale).code == "state.conflict");
}
