// The dims reducer (scope "dims") through the real loader: steps per axis from the layers,
// whole-vector and per-axis steps at their bounds, order, displayed and labels.
#include "support/reducer_harness.hpp"

using namespace scenehost;
using test::ReducerHarness;
namespace json = boost::json;

TEST_CASE("seeding aligns layers on their last axes, starts sliders in the middle") {
    ReducerHarness h;
    CHECK(h.value("dims", "main", "nsteps") == json::array{10, 20, 30});
    CHECK(h.value("dims", "main", "current_step") == json::array{4, 0, 0});
    CHECK(h.value("dims", "main", "order") == json::array{0, 1, 2});
    CHECK(h.value("dims", "main", "axis_labels") == json::array{"z", "y", "x"});

    ReducerHarness empty(json::parse(R"({"layers":[],"canvas_size":[64,64]})").as_object());
    CHECK(empty.value("dims", "main", "nsteps") == json::array{1, 1});
    CHECK(empty.value("dims", "main", "axis_labels") == json::array{"0", "1"});

    // A 4D layer beside a 2D one: four axes, labels from the 4D layer.
    ReducerHarness four(json::parse(R"({"canvas_size":[64,64],"layers":[
        {"id":"a","shape":[40,50],"dtype":"uint8"},
        {"id":"b","shape":[3,5,7,9],"dtype":"uint8","axis_labels":["t","z","y","x"]}]})")
                            .as_object());
    CHECK(four.value("dims", "main", "nsteps") == json::array{3, 5, 40, 50});
    CHECK(four.value("dims", "main", "axis_labels") == json::array{"t", "z", "y", "x"});
    CHECK(four.value("dims", "main", "current_step") == json::array{1, 2, 0, 0});
}

TEST_CASE("the whole current_step vector, each axis at its bounds") {
    ReducerHarness h;
    CHECK(h.accept("dims", "main", "current_step", json::array{0, 0, 0}) == json::array{0, 0, 0});
    CHECK(h.accept("dims", "main", "current_step", json::array{9, 19, 29}) == json::array{9, 19, 29});
    const auto r = h.reject("dims", "main", "current_step", json::array{10, 0, 0}, "state.out_of_range");
    CHECK(r.details.at("axis") == 0);
    CHECK(r.details.at("maximum") == 9);
    h.reject("dims", "main", "current_step", json::array{0, -1, 0}, "state.out_of_range");
    h.reject("dims", "main", "current_step", json::array{0, 0}, "state.invalid_value");
    h.reject("dims", "main", "current_step", json::array{0, 0.5, 0}, "state.invalid_value");
    h.reject("dims", "main", "current_step", json::array{0, json::parse("1e999"), 0}, "state.invalid_value");
    h.reject("dims", "main", "current_step", 3, "state.invalid_value");
}

TEST_CASE("one axis by index or label: index/current_step absolute, step a clamped delta") {
    ReducerHarness h;
    CHECK(h.accept("dims", "0", "index", 7) == json::array{7, 0, 0});
    CHECK(h.accept("dims", "z", "current_step", 9) == json::array{9, 0, 0});
    h.reject("dims", "z", "index", 10, "state.out_of_range");
    h.reject("dims", "y", "index", -1, "state.out_of_range");
    h.reject("dims", "z", "index", "3", "state.invalid_value");
    CHECK(h.accept("dims", "z", "step", -3) == json::array{6, 0, 0});
    CHECK(h.accept("dims", "z", "step", 100) == json::array{9, 0, 0});  // stops at the end
    CHECK(h.accept("dims", "z", "step", -100) == json::array{0, 0, 0});
    h.reject("dims", "z", "step", 1.5, "state.invalid_value");
    const auto r = h.reject("dims", "w", "index", 0, "state.invalid_value");
    CHECK_THAT(r.message, Catch::Contains("axis label"));
    h.reject("dims", "3", "index", 0, "state.invalid_value");
    h.reject("dims", "z", "order", json::array{0, 1, 2}, "state.invalid_value");  // order is for main
}

TEST_CASE("order must be a permutation, displayed moves axes to the end") {
    ReducerHarness h;
    CHECK(h.accept("dims", "main", "order", json::array{2, 0, 1}) == json::array{2, 0, 1});
    h.reject("dims", "main", "order", json::array{0, 0, 1}, "state.invalid_value");
    h.reject("dims", "main", "order", json::array{0, 1, 3}, "state.invalid_value");
    h.reject("dims", "main", "order", json::array{0, 1}, "state.invalid_value");
    h.accept("dims", "main", "order", json::array{0, 1, 2});
    CHECK(h.accept("dims", "main", "displayed", json::array{0, 2}) == json::array{1, 0, 2});
    h.reject("dims", "main", "displayed", json::array{0, 1, 2}, "state.invalid_value");  // ndisplay is 2
    h.reject("dims", "main", "displayed", json::array{1, 1}, "state.invalid_value");
    h.accept("view", "main", "ndisplay", 3);
    CHECK(h.accept("dims", "main", "displayed", json::array{2, 1, 0}) == json::array{2, 1, 0});
}

TEST_CASE("axis labels: one distinct non-empty string per axis, nsteps is read-only") {
    ReducerHarness h;
    CHECK(h.accept("dims", "main", "axis_labels", json::array{"t", "row", "col"}) == json::array{"t", "row", "col"});
    CHECK(h.accept("dims", "row", "index", 5) == json::array{4, 5, 0});  // the new label addresses the axis
    h.reject("dims", "main", "axis_labels", json::array{"a", "a", "b"}, "state.invalid_value");
    h.reject("dims", "main", "axis_labels", json::array{"a", "b"}, "state.invalid_value");
    h.reject("dims", "main", "axis_labels", json::array{"a", "", "b"}, "state.invalid_value");
    h.reject("dims", "main", "nsteps", json::array{1, 1, 1}, "state.forbidden");
    h.reject("dims", "main", "point", json::array{1, 1, 1}, "state.unknown_key");
}

TEST_CASE("dims base_version conflicts") {
    ReducerHarness h;
    const uint64_t v = h.version("dims", "main", "current_step");
    CHECK(std::holds_alternative<engine::Accepted>(h.apply("dims", "main", "current_step", json::array{1, 1, 1}, v)));
    const auto stale = h.apply("dims", "main", "current_step", json::array{2, 2, 2}, v);
    REQUIRE(std::holds_alternative<engine::Rejected>(stale));
    CHECK(std::get<engine::Rejected>(stale).code == "state.conflict");
}
