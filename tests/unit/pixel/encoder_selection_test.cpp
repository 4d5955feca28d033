// `auto` takes the first encoder of the order that can run and says why it passed over the
// others; a named encoder that is missing or cannot run is an error naming it and the reason.
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <variant>
#include <vector>

#include "pixel/encoder_selection.hpp"

using namespace scenehost;
namespace fs = std::filesystem;

namespace {

const fs::path kFixtures = SCENEHOST_FIXTURE_PLUGIN_DIR;

plugin::PluginRegistry both() {
    const std::vector<fs::path> dirs = {kFixtures / "unavailable_encoder", kFixtures / "fake_encoder"};
    return plugin::PluginRegistry::load(dirs);
}

std::string error_of(const std::variant<pixel::EncoderChoice, std::string> &result) {
    REQUIRE(std::holds_alternative<std::string>(result));
    return std::get<std::string>(result);
}

}  // namespace

TEST_CASE("auto takes the first encoder of the order that can run, naming the ones passed over") {
    const auto registry = both();
    const std::vector<std::string> order = {"missing_encoder", "unavailable_encoder", "fake_encoder"};
    const auto result = pixel::select_encoder(registry, "auto", order);
    REQUIRE(std::holds_alternative<pixel::EncoderChoice>(result));
    const auto &choice = std::get<pixel::EncoderChoice>(result);
    CHECK(choice.plugin == registry.encoder("fake_encoder"));
    CHECK(choice.passed_over == std::vector<std::string>{
                                    "missing_encoder: no encoder plugin of that name is loaded",
                                    "unavailable_encoder: needs the fixture's imaginary device"});
}

TEST_CASE("auto follows the order, not the load order") {
    const auto registry = both();
    const std::vector<std::string> order = {"fake_encoder", "unavailable_encoder"};
    const auto result = pixel::select_encoder(registry, "auto", order);
    REQUIRE(std::holds_alternative<pixel::EncoderChoice>(result));
    CHECK(std::get<pixel::EncoderChoice>(result).plugin == registry.encoder("fake_encoder"));
    CHECK(std::get<pixel::EncoderChoice>(result).passed_over.empty());
}

TEST_CASE("auto with nothing runnable is an error listing every reason") {
    const auto registry = both();
    const std::vector<std::string> order = {"unavailable_encoder", "x264"};
    CHECK(error_of(pixel::select_encoder(registry, "auto", order)) ==
          "encoder 'auto': none of unavailable_encoder, x264 can run here (unavailable_encoder: needs the fixture's "
          "imaginary device; x264: no encoder plugin of that name is loaded); loaded encoders: unavailable_encoder, "
          "fake_encoder");
    CHECK(error_of(pixel::select_encoder(registry, "auto", {})) == "encoder 'auto': the encoder order is empty");
}

TEST_CASE("a named encoder is taken only if it can run: never a silent fallback") {
    const auto registry = both();
    const auto named = pixel::select_encoder(registry, "fake_encoder", {});
    REQUIRE(std::holds_alternative<pixel::EncoderChoice>(named));
    CHECK(std::get<pixel::EncoderChoice>(named).plugin == registry.encoder("fake_encoder"));
    CHECK(error_of(pixel::select_encoder(registry, "unavailable_encoder", {})) ==
          "encoder 'unavailable_encoder' cannot run here: needs the fixture's imaginary device");
    CHECK(error_of(pixel::select_encoder(registry, "nvenc", {})) ==
          "encoder 'nvenc': no encoder plugin of that name is loaded (loaded: unavailable_encoder, fake_encoder)");
}
