// `scenehost serve --open FILE`: the real host serving a .npy the test writes, its layer in
// notify.scene and its picture in scene.screenshot.
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <vector>

#include "support/control_client.hpp"
#include "support/host_process.hpp"
#include "support/screenshot.hpp"
#include "unit/data/data_files.hpp"

using namespace scenehost::test;

namespace {

// A uint16 (4, 32, 48) array of 1000 + 500 z + 20 x: darker to the left.
void write_ramp(const fs::path &path) {
    std::vector<uint16_t> values;
    for (int z = 0; z < 4; ++z)
        for (int y = 0; y < 32; ++y)
            for (int x = 0; x < 48; ++x) values.push_back(uint16_t(1000 + 500 * z + 20 * x));
    write_file(path, npy_header(npy_dict("<u2", "(4, 32, 48)")) + bytes_of(values));
}

}  // namespace

TEST_CASE("serve --open: the file's layer reaches notify.scene and its picture scene.screenshot") {
    TempDir dir;
    write_ramp(dir / "ramp.npy");
    HostProcess host({"--plugin-dir", SCENEHOST_PLUGIN_DIR, "--open", (dir / "ramp.npy").string(), "--audit-log",
                      (dir / "audit.jsonl").string()});
    ControlClient c(host.port());
    c.handshake();
    const json::object scene = c.expect("notify.scene").at("payload").as_object();
    const json::array &layers = scene.at("layers").as_array();
    REQUIRE(layers.size() == 1);
    const json::object &layer = layers[0].as_object();
    CHECK(layer.at("layer_id") == "layer-0");
    CHECK(layer.at("name") == "ramp");
    CHECK(layer.at("shape") == json::array{4, 32, 48});
    CHECK(layer.at("dtype") == "uint16");
    // The middle plane (z = 1, where the slider starts) holds 1500 .. 2440.
    CHECK(layer.at("controls").at("contrast_limits") == json::array{1500.0, 2440.0});
    CHECK(scene.at("viewer").at("dims").at("nsteps") == json::array{4, 32, 48});
    CHECK(scene.at("viewer").at("dims").at("current_step") == json::array{1, 0, 0});

    // The fitted camera shows the ramp across the middle of the canvas: dark left, bright right.
    const json::object shot = screenshot_showing(c, 0);
    CHECK(shot.at("errors") == json::array{});
    const QImage image = decode(shot);
    CHECK(lit_pixels(image) > 10000);
    const int left = qRed(image.pixel(400, 360)), middle = qRed(image.pixel(640, 360)), right = qRed(image.pixel(900, 360));
    INFO("left " << left << ", middle " << middle << ", right " << right);
    CHECK(left < middle);
    CHECK(middle < right);
    CHECK(std::abs(middle - 128) < 20);
}
