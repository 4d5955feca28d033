// napari-cuda's historic scopes and namespaced keys resolve to the scope that owns them.
#include <catch2/catch.hpp>

#include "router/intent_route.hpp"

using scenehost::router::Route;
using scenehost::router::route_intent;

TEST_CASE("canonical intents go where they say, lower-cased") {
    CHECK(route_intent("layer", "layer-0", "opacity") == Route{"layer", "layer-0", "opacity"});
    CHECK(route_intent("Camera", "main", "Orbit") == Route{"camera", "main", "orbit"});
    CHECK(route_intent("lighting", "main", "x") == Route{"lighting", "main", "x"});
    CHECK(route_intent("layer", "Layer-A", "name") == Route{"layer", "Layer-A", "name"});  // targets keep their case
}

TEST_CASE("volume keys on a layer go to the volume scope") {
    CHECK(route_intent("layer", "l", "volume.mode") == Route{"volume", "l", "mode"});
    CHECK(route_intent("layer", "l", "volume.sample_step") == Route{"volume", "l", "sample_step"});
    CHECK(route_intent("layer", "l", "rendering") == Route{"volume", "l", "rendering"});
    CHECK(route_intent("layer", "l", "attenuation") == Route{"volume", "l", "attenuation"});
    CHECK(route_intent("layer", "l", "iso_threshold") == Route{"volume", "l", "iso_threshold"});
}

TEST_CASE("napari-cuda's volume/main layer controls and multiscale go to the layer scope") {
    CHECK(route_intent("volume", "main", "opacity") == Route{"layer", "main", "opacity"});
    CHECK(route_intent("volume", "main", "colormap") == Route{"layer", "main", "colormap"});
    CHECK(route_intent("volume", "main", "contrast_limits") == Route{"layer", "main", "contrast_limits"});
    CHECK(route_intent("volume", "main", "render_mode") == Route{"volume", "main", "render_mode"});
    CHECK(route_intent("multiscale", "main", "level") == Route{"layer", "main", "multiscale.level"});
    CHECK(route_intent("multiscale", "main", "policy") == Route{"layer", "main", "multiscale.policy"});
}

TEST_CASE("ndisplay belongs to the view, whichever scope asks, settings is the view") {
    CHECK(route_intent("dims", "main", "ndisplay") == Route{"view", "main", "ndisplay"});
    CHECK(route_intent("dims", "0", "ndisplay") == Route{"view", "main", "ndisplay"});
    CHECK(route_intent("settings", "main", "fps_target") == Route{"view", "main", "fps_target"});
}
