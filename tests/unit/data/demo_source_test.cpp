// The demo generator: shapes and levels, planes and volumes that agree, and the layer
// description the reducers seed from.
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>
#include <cstring>
#include <vector>

#include "data/demo_source.hpp"

using namespace scenehost::data;

TEST_CASE("the demo volume: 64 x 256 x 256 uint8 with a half-resolution level") {
    const auto volume = make_demo_volume();
    CHECK(volume->dtype() == DType::uint8);
    CHECK(volume->level_count() == 2);
    CHECK(volume->shape() == std::vector<int64_t>{64, 256, 256});
    CHECK(volume->level_shape(1) == std::vector<int64_t>{32, 128, 128});
    CHECK(volume->axis_labels() == std::vector<std::string>{"z", "y", "x"});

    // The middle plane has a bright blob and dark corners.
    std::vector<std::byte> plane(256 * 256);
    const int64_t z = 32;
    volume->read_plane(0, std::span(&z, 1), plane);
    uint8_t brightest = 0;
    for (std::byte b : plane) brightest = std::max(brightest, uint8_t(b));
    CHECK(brightest > 200);
    CHECK(uint8_t(plane[0]) < 10);

    // read_volume is the planes stacked.
    std::vector<std::byte> block(32 * 128 * 128);
    volume->read_volume(1, {}, block);
    std::vector<std::byte> level_plane(128 * 128);
    const int64_t z1 = 17;
    volume->read_plane(1, std::span(&z1, 1), level_plane);
    CHECK(std::memcmp(block.data() + 17 * 128 * 128, level_plane.data(), level_plane.size()) == 0);
}

TEST_CASE("the demo image: 256 x 256 uint16 within 12 bits, brighter to the right") {
    const auto image = make_demo_image();
    CHECK(image->dtype() == DType::uint16);
    CHECK(image->shape() == std::vector<int64_t>{256, 256});
    std::vector<std::byte> plane(256 * 256 * 2);
    image->read_plane(0, {}, plane);
    std::vector<uint16_t> values(256 * 256);
    std::memcpy(values.data(), plane.data(), plane.size());
    CHECK(*std::max_element(values.begin(), values.end()) <= 4095);
    CHECK(values[0 * 256 + 255] > values[0 * 256 + 0]);
}

TEST_CASE("describe_layer gives the reducers' scene description") {
    const boost::json::object layer = describe_layer("layer-0", *make_demo_volume());
    CHECK(boost::json::serialize(layer) ==
          R"({"id":"layer-0","name":"demo volume","shape":[64,256,256],"dtype":"uint8",)"
          R"("multiscale":[{"shape":[64,256,256],"downsample":[1E0,1E0,1E0],"path":"0"},)"
          R"({"shape":[32,128,128],"downsample":[2E0,2E0,2E0],"path":"1"}],"axis_labels":["z","y","x"]})");
}
