// The volume reducer (scope "volume", one target per layer) through the real loader.
#include "support/reducer_harness.hpp"

using namespace scenehost;
using test::num;
using test::ReducerHarness;
namespace json = boost::json;

TEST_CASE("seeding gives every layer napari's volume defaults") {
    ReducerHarness h;
    CHECK(h.value("volume", "vol", "mode") == "mip");
    CHECK(num(h.value("volume", "vol", "attenuation")) == 0.05);
    CHECK(num(h.value("volume", "vol", "sample_step")) == 1.0);
    CHECK(num(h.value("volume", "vol", "iso_threshold")) == 32767.5);  // middle of the uint16 range
    CHECK(num(h.value("volume", "img", "iso_threshold")) == 0.5);      // float32: middle of [0, 1]
}

TEST_CASE("every rendering mode is accepted, under its aliases too") {
    ReducerHarness h;
    for (const char *mode : {"mip", "minip", "attenuated_mip", "iso", "translucent", "average", "additive"}) {
        CHECK(h.accept("volume", "vol", "mode", mode) == mode);
    }
    h.accept("volume", "vol", "rendering", "ISO");
    CHECK(h.value("volume", "vol", "mode") == "iso");
    h.accept("volume", "vol", "render_mode", "translucent");
    CHECK(h.value("volume", "vol", "mode") == "translucent");
    const auto r = h.reject("volume", "vol", "mode", "xray", "state.invalid_value");
    CHECK(r.details.at("allowed").as_array().size() == 7);
    h.reject("volume", "vol", "mode", 1, "state.invalid_value");
}

TEST_CASE("numeric parameters at their bounds, beyond them, and not numbers") {
    ReducerHarness h;
    CHECK(num(h.accept("volume", "vol", "attenuation", 0)) == 0.0);
    CHECK(num(h.accept("volume", "vol", "attenuation", 1)) == 1.0);
    h.reject("volume", "vol", "attenuation", -0.1, "state.out_of_range");
    h.reject("volume", "vol", "attenuation", 1.5, "state.out_of_range");
    CHECK(num(h.accept("volume", "vol", "sample_step", 0.1)) == 0.1);
    CHECK(num(h.accept("volume", "vol", "sample_step", 4)) == 4.0);
    h.reject("volume", "vol", "sample_step", 0.09, "state.out_of_range");
    h.reject("volume", "vol", "sample_step", 4.01, "state.out_of_range");
    CHECK(num(h.accept("volume", "vol", "iso_threshold", -3.5)) == -3.5);
    h.reject("volume", "vol", "iso_threshold", json::parse("-1e999"), "state.invalid_value");
    h.reject("volume", "vol", "iso_threshold", "NaN", "state.invalid_value");
    h.reject("volume", "vol", "iso_threshold", json::array{1}, "state.invalid_value");
}

TEST_CASE("target main sets every layer, unknown layers and keys are named") {
    ReducerHarness h;
    h.accept("volume", "main", "mode", "average");
    CHECK(h.value("volume", "vol", "mode") == "average");
    CHECK(h.value("volume", "img", "mode") == "average");
    h.reject("volume", "nope", "mode", "mip", "state.invalid_value");
    const auto r = h.reject("volume", "vol", "shading", "flat", "state.unknown_key");
    CHECK_THAT(r.message, Catch::Contains("volume.shading"));
}

TEST_CASE("a scene without layers has no volume records and refuses main") {
    ReducerHarness h(json::parse(R"({"layers":[],"canvas_size":[64,64]})").as_object());
    CHECK_FALSE(h.has("volume", "main", "mode"));
    h.reject("volume", "main", "mode", "mip", "state.invalid_value");
}

TEST_CASE("volume base_version conflicts") {
    ReducerHarness h;
    const uint64_t v = h.version("volume", "vol", "mode");
    CHECK(std::holds_alternative<engine::Accepted>(h.apply("volume", "vol", "mode", "iso", v)));
    const auto stale = h.apply("volume", "vol", "mode", "mip", v);
    REQUIRE(std::holds_alternative<engine::Rejected>(stale));
    CHECK(std::get<engine::Rejected>(stale).code == "state.conflict");
}
