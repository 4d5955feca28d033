// file_scene: the scene of `serve --open`, one layer per file with its stem for a name and
// contrast limits from the middle plane; a bad file fails naming it. Also read_slab, which
// gathers the planes the renderer shows for any displayed axes.
#include <catch2/catch.hpp>

#include "data/file_scene.hpp"
#include "data/open_source.hpp"
#include "data/slab.hpp"
#include "unit/data/data_files.hpp"

using namespace scenehost::data;
using scenehost::test::bytes_of;
using scenehost::test::npy_dict;
using scenehost::test::npy_header;
using scenehost::test::TempDir;
using scenehost::test::values_of;
using scenehost::test::write_file;
namespace fs = std::filesystem;
namespace json = boost::json;

TEST_CASE("file_scene makes a layer per file, named by stem, with limits from the middle plane") {
    TempDir dir;
    // 3 planes of 2 x 2: the middle one (z = 1) holds 10..13, the others 0 and 250.
    write_file(dir / "cells.npy", npy_header(npy_dict("|u1", "(3, 2, 2)")) +
                                      bytes_of(std::vector<uint8_t>{0, 0, 0, 0, 10, 11, 12, 13, 250, 250, 250, 250}));
    write_file(dir / "nuclei.npy", npy_header(npy_dict("<f4", "(2, 3)")) +
                                       bytes_of(std::vector<float>{-1.5f, 0, 0.25f, 2, 3, 4.5f}));
    const Scene scene = file_scene({dir / "cells.npy", dir / "nuclei.npy"});

    const json::array &layers = scene.description.at("layers").as_array();
    REQUIRE(layers.size() == 2);
    CHECK(layers[0].at("id") == "layer-0");
    CHECK(layers[0].at("name") == "cells");
    CHECK(layers[0].at("shape") == json::array{3, 2, 2});
    CHECK(layers[0].at("dtype") == "uint8");
    CHECK(layers[0].at("contrast_limits") == json::array{10.0, 13.0});
    CHECK(layers[1].at("id") == "layer-1");
    CHECK(layers[1].at("name") == "nuclei");
    CHECK(layers[1].at("dtype") == "float32");
    CHECK(layers[1].at("contrast_limits") == json::array{-1.5, 4.5});
    CHECK(scene.description.at("canvas_size") == json::array{1280, 720});
    REQUIRE(scene.sources.size() == 2);
    CHECK(scene.sources.at("layer-0")->shape() == std::vector<int64_t>{3, 2, 2});
    CHECK(scene.sources.at("layer-1")->dtype() == DType::float32);
}

TEST_CASE("file_scene leaves the dtype's limits to the reducer when the sample plane is flat") {
    TempDir dir;
    write_file(dir / "flat.npy", npy_header(npy_dict("<u2", "(2, 2)")) + bytes_of(std::vector<uint16_t>{7, 7, 7, 7}));
    const Scene scene = file_scene({dir / "flat.npy"});
    CHECK_FALSE(scene.description.at("layers").at(0).as_object().contains("contrast_limits"));
}

TEST_CASE("file_scene fails on the first unusable file, naming it") {
    TempDir dir;
    write_file(dir / "good.npy", npy_header(npy_dict("|u1", "(2, 2)")) + std::string(4, '\1'));
    write_file(dir / "short.npy", npy_header(npy_dict("|u1", "(4, 4)")) + std::string(5, '\1'));
    const auto error = [&](const std::vector<fs::path> &paths) {
        try {
            file_scene(paths);
        } catch (const DataError &e) {
            return std::string(e.what());
        }
        FAIL("file_scene accepted the files");
        return std::string();
    };
    CHECK_THAT(error({dir / "good.npy", dir / "short.npy"}),
               Catch::StartsWith((dir / "short.npy").string() + ": header says shape (4, 4)"));
    CHECK_THAT(error({dir / "missing.npy"}), Catch::StartsWith((dir / "missing.npy").string() + ": does not exist"));
}

TEST_CASE("read_slab gathers any two or three axes of a 4D array, in the order given") {
    TempDir dir;
    // value = 48 t + 16 z + 4 y + x over (t, z, y, x) = (2, 3, 4, 4).
    std::vector<uint8_t> values(2 * 3 * 4 * 4);
    for (size_t i = 0; i < values.size(); ++i) values[i] = uint8_t(i);
    write_file(dir / "tzyx.npy", npy_header(npy_dict("|u1", "(2, 3, 4, 4)")) + bytes_of(values));
    const auto source = open_array(dir / "tzyx.npy");
    const auto at = [](int64_t t, int64_t z, int64_t y, int64_t x) { return uint8_t(48 * t + 16 * z + 4 * y + x); };

    std::vector<std::byte> plane(2 * 4);  // rows t, columns y at z = 2, x = 3
    read_slab(*source, 0, std::vector<int64_t>{0, 2}, std::vector<int64_t>{2, 3}, plane);
    std::vector<uint8_t> expected;
    for (int64_t t = 0; t < 2; ++t)
        for (int64_t y = 0; y < 4; ++y) expected.push_back(at(t, 2, y, 3));
    CHECK(values_of<uint8_t>(plane) == expected);

    std::vector<std::byte> transposed(4 * 3);  // rows x, columns z at t = 1, y = 0
    read_slab(*source, 0, std::vector<int64_t>{3, 1}, std::vector<int64_t>{1, 0}, transposed);
    expected.clear();
    for (int64_t x = 0; x < 4; ++x)
        for (int64_t z = 0; z < 3; ++z) expected.push_back(at(1, z, 0, x));
    CHECK(values_of<uint8_t>(transposed) == expected);

    std::vector<std::byte> volume(2 * 4 * 4);  // (t, y, x) at z = 1
    read_slab(*source, 0, std::vector<int64_t>{0, 2, 3}, std::vector<int64_t>{1}, volume);
    expected.clear();
    for (int64_t t = 0; t < 2; ++t)
        for (int64_t y = 0; y < 4; ++y)
            for (int64_t x = 0; x < 4; ++x) expected.push_back(at(t, 1, y, x));
    CHECK(values_of<uint8_t>(volume) == expected);

    std::vector<std::byte> own(3 * 4 * 4);  // the source's own (z, y, x) at t = 1: one read_volume
    read_slab(*source, 0, std::vector<int64_t>{1, 2, 3}, std::vector<int64_t>{1}, own);
    CHECK(values_of<uint8_t>(own) == std::vector<uint8_t>(values.begin() + 48, values.end()));
}
