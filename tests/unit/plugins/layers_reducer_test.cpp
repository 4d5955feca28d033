// The layers reducer (scope "layer") through the real loader: seeding from layer metadata,
// every control at its bounds, each rejection code, NaN/Inf and wrong types, and base_version.
#include "support/reducer_harness.hpp"

using namespace scenehost;
using test::num;
using test::ReducerHarness;
namespace json = boost::json;

TEST_CASE("seeding writes metadata and napari's defaults for every layer") {
    ReducerHarness h;
    CHECK(h.value("layer", "vol", "layer_type") == "image");
    CHECK(h.value("layer", "vol", "shape") == json::array{10, 20, 30});
    CHECK(h.value("layer", "vol", "dtype") == "uint16");
    CHECK(h.value("layer", "vol", "axis_labels") == json::array{"z", "y", "x"});
    CHECK(h.value("layer", "vol", "multiscale.levels").as_array().size() == 2);
    CHECK(h.value("layer", "vol", "name") == "cells");
    CHECK(h.value("layer", "vol", "contrast_limits") == json::array{0.0, 65535.0});
    CHECK(h.value("layer", "vol", "visible") == true);
    CHECK(num(h.value("layer", "vol", "opacity")) == 1.0);
    CHECK(h.value("layer", "vol", "colormap") == "gray");
    CHECK(h.value("layer", "vol", "blending") == "translucent");
    CHECK(h.value("layer", "vol", "multiscale.level") == 0);
    // Defaults for what the description leaves out: the id as name, labels "0", "1", one level.
    CHECK(h.value("layer", "img", "name") == "img");
    CHECK(h.value("layer", "img", "axis_labels") == json::array{"0", "1"});
    CHECK(h.value("layer", "img", "contrast_limits") == json::array{0.0, 1.0});
    const json::array &levels = h.value("layer", "img", "multiscale.levels").as_array();
    REQUIRE(levels.size() == 1);
    CHECK(levels[0].at("shape") == json::array{20, 30});
}

TEST_CASE("a scene whose layer metadata is unusable cannot be seeded") {
    auto seed_error = [](std::string_view layers) {
        json::object scene = json::parse(std::string(R"({"canvas_size":[64,64],"layers":)") + std::string(layers) + "}").as_object();
        try {
            ReducerHarness h(scene);
        } catch (const std::runtime_error &e) {
            return std::string(e.what());
        }
        return std::string("seeded");
    };
    CHECK_THAT(seed_error(R"([{"id":"a","shape":[4],"dtype":"uint8"}])"), Catch::Contains("'shape' must list at least two"));
    CHECK_THAT(seed_error(R"([{"id":"a","shape":[4,4],"dtype":"int64"}])"), Catch::Contains("'dtype' must be one of"));
    CHECK_THAT(seed_error(R"([{"id":"a","shape":[4,4],"dtype":"uint8"},{"id":"a","shape":[4,4],"dtype":"uint8"}])"),
               Catch::Contains("the id appears twice"));
    CHECK_THAT(seed_error(R"([{"id":"main","shape":[4,4],"dtype":"uint8"}])"), Catch::Contains("not 'main'"));
    CHECK_THAT(seed_error(R"([{"id":"a","shape":[4,4],"dtype":"uint8","axis_labels":["y"]}])"),
               Catch::Contains("'axis_labels' must hold one non-empty string without control characters per axis"));
    CHECK_THAT(seed_error(R"([{"id":"a","shape":[4,4],"dtype":"uint8","contrast_limits":[0,300]}])"),
               Catch::Contains("'contrast_limits'"));
    CHECK_THAT(seed_error(R"([{"id":"a","shape":[4,4],"dtype":"uint8","multiscale":[{"shape":[2]}]}])"),
               Catch::Contains("multiscale level 0 needs a 'shape' of 2 positive integers"));
    CHECK(seed_error(R"([])") == "seeded");
}

TEST_CASE("opacity is accepted from 0 to 1 and refused outside, for NaN, Inf and non-numbers") {
    ReducerHarness h;
    CHECK(num(h.accept("layer", "vol", "opacity", 0)) == 0.0);
    CHECK(num(h.accept("layer", "vol", "opacity", 1)) == 1.0);
    CHECK(num(h.accept("layer", "vol", "opacity", 0.25)) == 0.25);
    const auto r = h.reject("layer", "vol", "opacity", 1.0000001, "state.out_of_range");
    CHECK_THAT(r.message, Catch::Contains("layer.opacity") && Catch::Contains("[0, 1]"));
    CHECK(r.details.at("maximum") == 1);
    h.reject("layer", "vol", "opacity", -0.01, "state.out_of_range");
    h.reject("layer", "vol", "opacity", json::parse("1e999"), "state.invalid_value");  // Inf after parsing
    h.reject("layer", "vol", "opacity", "NaN", "state.invalid_value");
    h.reject("layer", "vol", "opacity", true, "state.invalid_value");
    h.reject("layer", "vol", "opacity", json::array{0.5}, "state.invalid_value");
    h.reject("layer", "vol", "opacity", nullptr, "state.invalid_value");
}

TEST_CASE("gamma is accepted above 0 up to 2") {
    ReducerHarness h;
    CHECK(num(h.accept("layer", "vol", "gamma", 2)) == 2.0);
    CHECK(num(h.accept("layer", "vol", "gamma", 1e-6)) == 1e-6);
    h.reject("layer", "vol", "gamma", 0, "state.out_of_range");
    h.reject("layer", "vol", "gamma", 2.001, "state.out_of_range");
    h.reject("layer", "vol", "gamma", "1", "state.invalid_value");
}

TEST_CASE("visible takes booleans only and name non-empty strings") {
    ReducerHarness h;
    CHECK(h.accept("layer", "img", "visible", false) == false);
    h.reject("layer", "img", "visible", 1, "state.invalid_value");
    h.reject("layer", "img", "visible", "yes", "state.invalid_value");
    CHECK(h.accept("layer", "img", "name", "nuclei") == "nuclei");
    h.reject("layer", "img", "name", "", "state.invalid_value");
    h.reject("layer", "img", "name", json::string(std::string(257, 'n')), "state.out_of_range");
    CHECK(h.accept("layer", "img", "name", json::string(std::string(256, 'n'))).as_string().size() == 256);
}

TEST_CASE("colormap, blending and interpolation take napari's names, any case, stored canonical") {
    ReducerHarness h;
    for (const char *name : {"gray", "viridis", "magma", "inferno", "plasma", "red", "green", "blue", "cyan",
                             "magenta", "yellow", "turbo", "gray_r", "hsv"}) {
        CHECK(h.accept("layer", "vol", "colormap", name) == name);
    }
    CHECK(h.accept("layer", "vol", "colormap", "Viridis") == "viridis");
    const auto r = h.reject("layer", "vol", "colormap", "rainbow-unicorn", "state.invalid_value");
    CHECK(r.details.at("allowed").as_array().size() == 14);
    h.reject("layer", "vol", "colormap", 3, "state.invalid_value");

    for (const char *mode : {"opaque", "translucent", "translucent_no_depth", "additive", "minimum"}) {
        CHECK(h.accept("layer", "vol", "blending", mode) == mode);
    }
    h.reject("layer", "vol", "blending", "multiply", "state.invalid_value");

    CHECK(h.accept("layer", "vol", "interpolation2d", "linear") == "linear");
    CHECK(h.accept("layer", "vol", "interpolation3d", "NEAREST") == "nearest");
    h.reject("layer", "vol", "interpolation2d", "lanczos", "state.invalid_value");
    CHECK(h.accept("layer", "vol", "depiction", "plane") == "plane");
    h.reject("layer", "vol", "depiction", "points", "state.invalid_value");
}

TEST_CASE("napari's interpolation alias writes the one of the current ndisplay") {
    ReducerHarness h;
    h.accept("layer", "vol", "interpolation", "linear");
    CHECK(h.value("layer", "vol", "interpolation2d") == "linear");
    CHECK(h.value("layer", "vol", "interpolation3d") == "linear");
    h.accept("view", "main", "ndisplay", 3);
    h.accept("layer", "vol", "interpolation", "nearest");
    CHECK(h.value("layer", "vol", "interpolation3d") == "nearest");
    CHECK(h.value("layer", "vol", "interpolation2d") == "linear");
}

TEST_CASE("contrast limits: lo < hi inside the dtype's range, as a pair or {lo, hi}") {
    ReducerHarness h;
    CHECK(h.accept("layer", "vol", "contrast_limits", json::array{0, 65535}) == json::array{0.0, 65535.0});
    CHECK(h.accept("layer", "vol", "contrast_limits", json::object{{"lo", 10}, {"hi", 20}}) == json::array{10.0, 20.0});
    const auto r = h.reject("layer", "vol", "contrast_limits", json::array{0, 65536}, "state.out_of_range");
    CHECK_THAT(r.message, Catch::Contains("uint16 range [0, 65535]"));
    h.reject("layer", "vol", "contrast_limits", json::array{-1, 10}, "state.out_of_range");
    h.reject("layer", "vol", "contrast_limits", json::array{20, 10}, "state.out_of_range");
    h.reject("layer", "vol", "contrast_limits", json::array{10, 10}, "state.out_of_range");
    h.reject("layer", "vol", "contrast_limits", json::array{10}, "state.invalid_value");
    h.reject("layer", "vol", "contrast_limits", json::array{0, json::parse("1e999")}, "state.invalid_value");
    // float32 layers take any finite pair, negative too.
    CHECK(h.accept("layer", "img", "contrast_limits", json::array{-2.5, 1e6}) == json::array{-2.5, 1e6});
}

TEST_CASE("multiscale.level lies within the layer's levels, integer strings are accepted") {
    ReducerHarness h;
    CHECK(h.accept("layer", "vol", "multiscale.level", 1) == 1);
    CHECK(h.accept("layer", "vol", "multiscale.level", "0") == 0);
    const auto r = h.reject("layer", "vol", "multiscale.level", 2, "state.out_of_range");
    CHECK(r.details.at("maximum") == 1);
    h.reject("layer", "img", "multiscale.level", 1, "state.out_of_range");
    h.reject("layer", "vol", "multiscale.level", 0.5, "state.invalid_value");
    h.reject("layer", "vol", "multiscale.level", "-1", "state.invalid_value");
}

TEST_CASE("metadata is read-only, unknown keys and layers are named") {
    ReducerHarness h;
    for (const char *key : {"shape", "dtype", "axis_labels", "layer_type", "multiscale.levels"}) {
        h.reject("layer", "vol", key, json::array{1, 1}, "state.forbidden");
    }
    const auto unknown = h.reject("layer", "vol", "shininess", 1, "state.unknown_key");
    CHECK_THAT(unknown.message, Catch::Contains("layer.shininess"));
    const auto missing = h.reject("layer", "nope", "opacity", 0.5, "state.invalid_value");
    CHECK(missing.details.at("field") == "target");
}

TEST_CASE("target main sets a control on every layer, and refuses if any layer would") {
    ReducerHarness h;
    h.accept("layer", "main", "opacity", 0.5);
    CHECK(num(h.value("layer", "vol", "opacity")) == 0.5);
    CHECK(num(h.value("layer", "img", "opacity")) == 0.5);
    // [0, 70000] fits the float32 layer but not the uint16 one: nothing is written.
    h.reject("layer", "main", "contrast_limits", json::array{0, 70000}, "state.out_of_range");
    CHECK(h.value("layer", "img", "contrast_limits") == json::array{0.0, 1.0});
    h.reject("layer", "main", "name", "same", "state.invalid_value");
}

TEST_CASE("base_version: the current version is accepted, a stale one is a conflict") {
    ReducerHarness h;
    h.accept("layer", "vol", "opacity", 0.5);
    const uint64_t v = h.version("layer", "vol", "opacity");
    CHECK(std::holds_alternative<engine::Accepted>(h.apply("layer", "vol", "opacity", 0.6, v)));
    const auto stale = h.apply("layer", "vol", "opacity", 0.7, v);
    REQUIRE(std::holds_alternative<engine::Rejected>(stale));
    CHECK(std::get<engine::Rejected>(stale).code == "state.conflict");
    CHECK(num(h.value("layer", "vol", "opacity")) == 0.6);
}
