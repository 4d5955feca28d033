// The built vpl plugin loads through the registry and its probe tells the truth about this
// machine: with no oneVPL hardware implementation it gives the plain reason (the same one the
// dispatcher check here gets), and where a session can be made it says it can run.
#include <catch2/catch.hpp>
#include <filesystem>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "plugin/plugin_registry.hpp"
#include "vpl_session.hpp"

using namespace scenehost::plugin;
namespace fs = std::filesystem;

namespace {

PluginRegistry load_vpl() {
    const std::vector<fs::path> dirs = {SCENEHOST_VPL_PLUGIN_DIR};
    return PluginRegistry::load(dirs);
}

// nullopt when this machine has a oneVPL hardware H.264 encode implementation, else its reason.
std::optional<std::string> dispatcher_reason() {
    auto session = scenehost::vpl::VplSession::open();
    if (auto *why = std::get_if<std::string>(&session)) return *why;
    return std::nullopt;
}

EncoderSettings settings(std::string options) {
    EncoderSettings s;
    s.width = 640;
    s.height = 360;
    s.input_format = SCENEHOST_PIXEL_FORMAT_NV12;
    s.options_json = std::move(options);
    return s;
}

}  // namespace

TEST_CASE("the vpl plugin loads as an H.264 encoder taking NV12") {
    const PluginRegistry registry = load_vpl();
    REQUIRE(registry.rows().size() == 1);
    const PluginRow &row = registry.rows().front();
    INFO(row.refusal);
    CHECK(row.loaded);
    CHECK(row.info.kind == "encoder");
    CHECK(row.info.name == "vpl");
    CHECK(row.info.version == "1.0.0");
    const EncoderPlugin *vpl = registry.encoder("vpl");
    REQUIRE(vpl != nullptr);
    CHECK(vpl->codec() == SCENEHOST_CODEC_H264);
    CHECK(std::vector(vpl->input_formats().begin(), vpl->input_formats().end()) ==
          std::vector{SCENEHOST_PIXEL_FORMAT_NV12});
}

TEST_CASE("probe matches what the dispatcher finds on this machine") {
    const PluginRegistry registry = load_vpl();
    const EncoderPlugin *vpl = registry.encoder("vpl");
    REQUIRE(vpl != nullptr);
    const std::optional<std::string> expected = dispatcher_reason();
    const std::optional<std::string> reason = vpl->probe();
    if (expected) {
        INFO("no oneVPL hardware session here: " << *expected);
        REQUIRE(reason.has_value());
        CHECK_THAT(*reason, Catch::StartsWith("no oneVPL implementation for H.264 encode: needs an Intel GPU with "
                                              "the oneVPL GPU runtime"));
        CHECK_THAT(*reason, Catch::Contains("intel-media-va-driver-non-free") && Catch::Contains("libmfx-gen1.2"));
        CHECK_THAT(*reason, Catch::Contains("MFXCreateSession failed: MFX_ERR_"));
        CHECK(*reason == *expected);
    } else {
        INFO("a oneVPL hardware session can be made here, so the plugin must encode");
        CHECK(reason == std::nullopt);
    }
}

TEST_CASE("open refuses an unknown option by name before touching the device") {
    const PluginRegistry registry = load_vpl();
    const EncoderPlugin *vpl = registry.encoder("vpl");
    REQUIRE(vpl != nullptr);
    auto session = vpl->open(settings(R"({"preset":"veryfast"})"));
    REQUIRE(std::holds_alternative<std::string>(session));
    CHECK(std::get<std::string>(session) ==
          "unknown vpl option 'preset' (allowed: target_usage, rate_control, low_power, profile)");
}

TEST_CASE("open with good options gives the probe's reason where there is no implementation") {
    const std::optional<std::string> expected = dispatcher_reason();
    if (!expected) return;  // a session can be made here: "probe matches" already demands an encode
    const PluginRegistry registry = load_vpl();
    auto session = registry.encoder("vpl")->open(settings(R"({"target_usage":4,"rate_control":"vbr"})"));
    REQUIRE(std::holds_alternative<std::string>(session));
    CHECK(std::get<std::string>(session) == *expected);
}
