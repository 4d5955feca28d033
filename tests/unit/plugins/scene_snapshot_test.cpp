// notify.scene's snapshot composed from the five shipped reducers: the spec's shape, a golden
// file for a known scene, and byte-stable output for the same state however it was reached.
#include <fstream>
#include <sstream>

#include "base/json_text.hpp"
#include "protocol/napari_scene.hpp"
#include "support/reducer_harness.hpp"

using namespace scenehost;
using test::ReducerHarness;
namespace json = boost::json;

namespace {

std::string read_file(const std::string &path) {
    std::ifstream in(path);
    REQUIRE(in.good());
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// The snapshot with no extension scopes (the shipped reducers all take napari's lanes).
json::object compose(const store::SceneStore &store) { return protocol::napari::compose_scene(store, {}); }

}  // namespace

TEST_CASE("the snapshot of the test scene matches the golden file byte for byte") {
    ReducerHarness h;
    const std::string path = std::string(SCENEHOST_GOLDEN_DIR) + "/scene_snapshot.json";
    const std::string actual = base::to_json(compose(h.store())) + "\n";  // as on the wire
    if (std::getenv("SCENEHOST_UPDATE_GOLDEN") != nullptr) std::ofstream(path) << actual;
    const std::string golden = read_file(path);
    INFO("regenerate with SCENEHOST_UPDATE_GOLDEN=1 after checking the difference");
    CHECK(actual == golden);
}

TEST_CASE("the snapshot has the spec's shape") {
    ReducerHarness h;
    h.accept("view", "main", "ndisplay", 3);
    const json::object s = compose(h.store());
    const json::object &viewer = s.at("viewer").as_object();
    CHECK(viewer.at("settings").as_object().contains("canvas_size"));
    CHECK_FALSE(viewer.at("settings").as_object().contains("ndisplay"));
    const json::object &dims = viewer.at("dims").as_object();
    CHECK(dims.at("ndim") == 3);
    CHECK(dims.at("ndisplay") == 3);
    CHECK(dims.at("displayed") == json::array{0, 1, 2});
    CHECK(viewer.at("camera").at("ndisplay") == 3);
    const json::array &layers = s.at("layers").as_array();
    REQUIRE(layers.size() == 2);
    const json::object &img = layers[0].as_object();  // sorted by id
    CHECK(img.at("layer_id") == "img");
    CHECK(img.at("layer_type") == "image");
    CHECK(img.at("ndim") == 2);
    CHECK(img.at("dtype") == "float32");
    CHECK(img.at("controls").at("colormap") == "gray");
    CHECK_FALSE(img.at("controls").as_object().contains("shape"));
    CHECK(img.at("volume").at("mode") == "mip");
    CHECK(img.at("multiscale").at("level") == 0);
    CHECK(s.at("metadata").at("status") == "ready");
}

TEST_CASE("the same state gives the same bytes however it was reached") {
    ReducerHarness a, b;
    a.accept("layer", "vol", "opacity", 0.5);
    a.accept("camera", "main", "zoom", 2);
    a.accept("dims", "z", "index", 7);
    b.accept("dims", "main", "current_step", json::array{7, 0, 0});
    b.accept("camera", "main", "zoom", 2);
    b.accept("layer", "vol", "opacity", 0.25);
    b.accept("layer", "vol", "opacity", 0.5);
    CHECK(json::serialize(compose(a.store())) == json::serialize(compose(b.store())));
}

TEST_CASE("a scene without layers is idle") {
    ReducerHarness h(json::parse(R"({"layers":[],"canvas_size":[64,64]})").as_object());
    const json::object s = compose(h.store());
    CHECK(s.at("layers").as_array().empty());
    CHECK(s.at("metadata").at("status") == "idle");
}
