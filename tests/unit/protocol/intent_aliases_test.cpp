// napari-cuda's historic scopes and namespaced keys resolve to the scope that owns them.
#include <catch2/catch.hpp>

#include "protocol/intent_aliases.hpp"

using Route = scenehost::protocol::IntentAddress;
using scenehost::protocol::resolve_intent;

TEST_CASE("canonical intents go where they say, lower-cased") {
    CHECK(resolve_intent("layer", "layer-0", "opacity") == Route{"layer", "layer-0", "opacity"});
    CHECK(resolve_intent("Camera", "main", "Orbit") == Route{"camera", "main", "orbit"});
    CHECK(resolve_intent("lighting", "main", "x") == Route{"lighting", "main", "x"});
    CHECK(resolve_intent("layer", "Layer-A", "name") == Route{"layer", "Layer-A", "name"});  // targets keep their case
}

TEST_CASE("volume keys on a layer go to the volume scope") {
    CHECK(resolve_intent("layer", "l", "volume.mode") == Route{"volume", "l", "mode"});
    CHECK(resolve_intent("layer", "l", "volume.sample_step") == Route{"volume", "l", "sample_step"});
    CHECK(resolve_intent("layer", "l", "rendering") == Route{"volume", "l", "rendering"});
    CHECK(resolve_intent("layer", "l", "attenuation") == Route{"volume", "l", "attenuation"});
    CHECK(resolve_intent("layer", "l", "iso_threshold") == Route{"volume", "l", "iso_threshold"});
}

TEST_CASE("napari-cuda's volume/main layer controls and multiscale go to the layer scope") {
    CHECK(resolve_intent("volume", "main", "opacity") == Route{"layer", "main", "opacity"});
    CHECK(resolve_intent("volume", "main", "colormap") == Route{"layer", "main", "colormap"});
    CHECK(resolve_intent("volume", "main", "contrast_limits") == Route{"layer", "main", "contrast_limits"});
    CHECK(resolve_intent("volume", "main", "render_mode") == Route{"volume", "main", "render_mode"});
    CHECK(resolve_intent("multiscale", "main", "level") == Route{"layer", "main", "multiscale.level"});
    CHECK(resolve_intent("multiscale", "main", "policy") == Route{"layer", "main", "multiscale.policy"});
}

TEST_CASE("ndisplay belongs to the view, whichever scope asks, settings is the view") {
    CHECK(resolve_intent("dims", "main", "ndisplay") == Route{"view", "main", "ndisplay"});
    CHECK(resolve_intent("dims", "0", "ndisplay") == Route{"view", "main", "ndisplay"});
    CHECK(resolve_intent("settings", "main", "fps_target") == Route{"view", "main", "fps_target"});
}
