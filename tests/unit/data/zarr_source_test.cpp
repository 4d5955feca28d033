// OME-Zarr (NGFF 0.4, Zarr v2) images: levels, axes and every dtype read back exactly from raw,
// zlib and blosc chunks, including missing chunks and chunks overhanging the edges; each broken
// metadata file or chunk is rejected naming the file; and a plane read decodes only its chunks.
#include <catch2/catch.hpp>
#include <cmath>

#include "data/zarr_source.hpp"
#include "unit/data/data_files.hpp"
#include "unit/data/zarr_files.hpp"

using namespace scenehost::data;
using scenehost::test::bytes_of;
using scenehost::test::TempDir;
using scenehost::test::values_of;
using scenehost::test::write_file;
using scenehost::test::write_image;
using scenehost::test::encode;
using scenehost::test::zarray_json;
using scenehost::test::ZarrLevel;
using Codec = scenehost::test::ZarrCodec;
namespace fs = std::filesystem;

namespace {

void replace_in_file(const fs::path &path, const std::string &from, const std::string &to) {
    std::ifstream in(path, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const size_t at = text.find(from);
    REQUIRE(at != std::string::npos);
    write_file(path, text.replace(at, from.size(), to));
}

template <typename T>
std::vector<T> pattern(size_t count, T start, T step) {
    std::vector<T> values(count);
    for (size_t i = 0; i < count; ++i) values[i] = T(start + T(i) * step);
    return values;
}

template <typename T>
std::vector<T> read_plane(const ArraySource &source, size_t level, std::vector<int64_t> index) {
    const std::vector<int64_t> &shape = source.level_shape(level);
    std::vector<std::byte> plane(size_t(shape[shape.size() - 2] * shape.back()) * sizeof(T));
    source.read_plane(level, index, plane);
    return values_of<T>(plane);
}

// The plane of a C-order array at `index` (one position per leading axis).
template <typename T>
std::vector<T> plane_of(const std::vector<T> &values, const std::vector<int64_t> &shape, const std::vector<int64_t> &index) {
    size_t block = 0;
    for (size_t axis = 0; axis < index.size(); ++axis) block = block * size_t(shape[axis]) + size_t(index[axis]);
    const size_t plane = size_t(shape[shape.size() - 2] * shape.back());
    return std::vector<T>(values.begin() + long(block * plane), values.begin() + long((block + 1) * plane));
}

std::string open_error(const fs::path &path) {
    try {
        open_ome_zarr(path);
    } catch (const DataError &error) {
        return error.what();
    }
    FAIL("open_ome_zarr accepted " << path);
    return {};
}

std::string read_error(const ArraySource &source, size_t level, std::vector<int64_t> index) {
    try {
        read_plane<uint8_t>(source, level, index);
    } catch (const DataError &error) {
        return error.what();
    }
    FAIL("read_plane read a broken chunk");
    return {};
}

// A small valid image to break: two uint8 levels of shape (4, 6) and (2, 3), raw chunks.
fs::path write_small_image(const TempDir &dir) {
    const fs::path image = dir / "small.zarr";
    ZarrLevel full{.path = "0", .shape = {4, 6}, .chunks = {2, 4}, .pixels = bytes_of(pattern<uint8_t>(24, 0, 1))};
    ZarrLevel half{.path = "1", .shape = {2, 3}, .chunks = {2, 4}, .pixels = bytes_of(pattern<uint8_t>(6, 0, 1))};
    write_image(image, {full, half}, {"y", "x"});
    REQUIRE(open_ome_zarr(image)->level_count() == 2);
    return image;
}

}  // namespace

TEST_CASE("a two-level uint16 OME-Zarr image reads back from zlib and raw chunks, missing ones as fill_value") {
    TempDir dir;
    const fs::path image = dir / "cells.ome.zarr";
    // Level 0: 3 x 10 x 13 in 2 x 4 x 5 chunks, none dividing the shape; the chunk at (1, 0, 2)
    // (z 2, y 0-3, x 10-12) is missing and reads as the fill value 9.
    const std::vector<int64_t> shape0{3, 10, 13}, shape1{2, 5, 7};
    auto values0 = pattern<uint16_t>(3 * 10 * 13, 30000, 77);
    const auto values1 = pattern<uint16_t>(2 * 5 * 7, 7, 1000);
    ZarrLevel full{.path = "0", .shape = shape0, .chunks = {2, 4, 5}, .dtype = "<u2", .codec = Codec::zlib, .fill = "9",
                   .pixels = bytes_of(values0), .missing = {{1, 0, 2}}};
    ZarrLevel half{.path = "1", .shape = shape1, .chunks = {2, 4, 5}, .dtype = "<u2", .codec = Codec::raw, .separator = "/",
                   .pixels = bytes_of(values1)};
    write_image(image, {full, half}, {"z", "y", "x"});
    for (int64_t y = 0; y < 4; ++y) {
        for (int64_t x = 10; x < 13; ++x) values0[size_t((2 * 10 + y) * 13 + x)] = 9;
    }

    const auto source = open_ome_zarr(image);
    CHECK(source->dtype() == DType::uint16);
    CHECK(source->level_count() == 2);
    CHECK(source->level_shape(0) == shape0);
    CHECK(source->level_shape(1) == shape1);
    CHECK(source->axis_labels() == std::vector<std::string>{"z", "y", "x"});
    CHECK(source->name() == "cells.ome");
    for (int64_t z : {0, 2, 1}) CHECK(read_plane<uint16_t>(*source, 0, {z}) == plane_of(values0, shape0, {z}));
    for (int64_t z : {1, 0}) CHECK(read_plane<uint16_t>(*source, 1, {z}) == plane_of(values1, shape1, {z}));

    std::vector<std::byte> volume(values0.size() * 2);
    source->read_volume(0, {}, volume);
    CHECK(values_of<uint16_t>(volume) == values0);
    volume.resize(values1.size() * 2);
    source->read_volume(1, {}, volume);
    CHECK(values_of<uint16_t>(volume) == values1);
}

TEST_CASE("a 4D float32 OME-Zarr image reads back from blosc chunks") {
    TempDir dir;
    const fs::path image = dir / "timelapse.zarr";
    const std::vector<int64_t> shape{2, 3, 6, 7};
    auto values = pattern<float>(2 * 3 * 6 * 7, -20.75f, 0.125f);
    ZarrLevel level{.path = "0", .shape = shape, .chunks = {1, 2, 4, 3}, .dtype = "<f4", .codec = Codec::blosc,
                    .fill = "-1.5", .pixels = bytes_of(values), .missing = {{1, 1, 1, 2}}};
    write_image(image, {level}, {"t", "z", "y", "x"});
    // The missing chunk is t 1, z 2, y 4-5, x 6.
    for (int64_t y = 4; y < 6; ++y) values[size_t(((1 * 3 + 2) * 6 + y) * 7 + 6)] = -1.5f;

    const auto source = open_ome_zarr(image);
    CHECK(source->dtype() == DType::float32);
    CHECK(source->shape() == shape);
    CHECK(source->axis_labels() == std::vector<std::string>{"t", "z", "y", "x"});
    CHECK(read_plane<float>(*source, 0, {1, 2}) == plane_of(values, shape, {1, 2}));
    CHECK(read_plane<float>(*source, 0, {0, 1}) == plane_of(values, shape, {0, 1}));
    std::vector<std::byte> volume(3 * 6 * 7 * 4);
    const std::vector<int64_t> t{1};
    source->read_volume(0, t, volume);
    CHECK(values_of<float>(volume) == std::vector<float>(values.begin() + 3 * 6 * 7, values.end()));
}

TEST_CASE("a 2D uint8 OME-Zarr image reads back, a NaN fill_value fills missing float chunks") {
    TempDir dir;
    const auto values = pattern<uint8_t>(5 * 6, 200, 9);
    write_image(dir / "plain.zarr", {ZarrLevel{.shape = {5, 6}, .chunks = {5, 6}, .pixels = bytes_of(values)}}, {"y", "x"});
    const auto source = open_ome_zarr(dir / "plain.zarr/");  // a trailing slash names the same directory
    CHECK(source->name() == "plain");
    CHECK(source->shape() == std::vector<int64_t>{5, 6});
    CHECK(read_plane<uint8_t>(*source, 0, {}) == values);

    ZarrLevel empty{.shape = {2, 3}, .chunks = {1, 3}, .dtype = "<f4", .fill = R"("NaN")",
                    .pixels = std::string(24, '\0'), .missing = {{0, 0}, {1, 0}}};
    write_image(dir / "empty.zarr", {empty}, {"y", "x"});
    for (float value : read_plane<float>(*open_ome_zarr(dir / "empty.zarr"), 0, {})) CHECK(std::isnan(value));
}

TEST_CASE("OME-Zarr metadata that is missing or not OME-Zarr is rejected naming the file") {
    TempDir dir;
    const fs::path image = write_small_image(dir);
    const std::string zattrs = (image / ".zattrs").string(), zarray = (image / "1" / ".zarray").string();

    CHECK(open_error(dir / "none.zarr") == (dir / "none.zarr").string() +
                                               ": is not a directory (an OME-Zarr image is a directory holding .zattrs)");
    fs::remove(image / "1" / ".zarray");
    CHECK(open_error(image) == zarray + ": is missing; .zattrs lists \"1\" as a multiscale level");
    fs::remove(image / ".zattrs");
    CHECK(open_error(image) == zattrs + ": is missing; an OME-Zarr image directory has one");

    write_file(image / ".zattrs", "{\"multiscales\": [");
    CHECK_THAT(open_error(image), Catch::Contains(zattrs + ": is not valid JSON: "));
    write_file(image / ".zattrs", R"({"omero": {}})");
    CHECK(open_error(image) == zattrs + ": has no \"multiscales\"");
    write_file(image / ".zattrs", R"({"multiscales": []})");
    CHECK(open_error(image) == zattrs + ": multiscales is empty");
    write_file(image / ".zattrs", R"({"multiscales": [{"axes": [], "datasets": []}]})");
    CHECK(open_error(image) == zattrs + ": multiscales[0].datasets is empty; an image needs at least one level");
    write_file(image / ".zattrs", R"({"multiscales": [{"axes": [], "datasets": [{"path": 0}]}]})");
    CHECK(open_error(image) == zattrs + ": multiscales[0].datasets[0].path is 0, not a string");
    write_file(image / ".zattrs", R"({"multiscales": [{"axes": [], "datasets": [{"path": "../0"}]}]})");
    CHECK(open_error(image) == zattrs + ": multiscales[0].datasets[0].path is \"../0\", not a path inside the image directory");
    write_file(image / ".zattrs", R"({"multiscales": [{"axes": [{"name": "x"}], "datasets": [{"path": "0"}]}]})");
    CHECK(open_error(image) == zattrs + ": multiscales[0].axes names 1 axes but the arrays have 2");
    write_file(image / ".zattrs", R"({"multiscales": [{"axes": ["y", "x"], "datasets": [{"path": "0"}]}]})");
    CHECK(open_error(image) == zattrs + ": multiscales[0].axes[0] is \"y\", not an object");
}

TEST_CASE("a .zarray scenehost cannot read is rejected naming the file and the field") {
    TempDir dir;
    const fs::path image = write_small_image(dir);
    const fs::path file = image / "1" / ".zarray";
    const std::string original = zarray_json(ZarrLevel{.shape = {2, 3}, .chunks = {2, 4}});
    auto error_with = [&](const std::string &from, const std::string &to) {
        write_file(file, original);
        replace_in_file(file, from, to);
        return open_error(image);
    };
    const std::string prefix = file.string() + ": ";
    CHECK(error_with(R"("zarr_format": 2)", R"("zarr_format": 3)") == prefix + "zarr_format is 3; scenehost reads Zarr v2");
    CHECK(error_with(R"("dtype": "|u1")", R"("dtype": "<i4")") ==
          prefix + "dtype \"<i4\" is not supported (scenehost reads |u1, <u2 and <f4)");
    CHECK(error_with(R"("dtype": "|u1")", R"("dtype": ">u2")") ==
          prefix + "dtype \">u2\" is not supported: it is big-endian (scenehost reads |u1, <u2 and <f4)");
    CHECK(error_with(R"("order": "C")", R"("order": "F")") == prefix + "order is \"F\"; scenehost reads C order only");
    CHECK(error_with(R"("compressor": null)", R"("compressor": {"id": "lz4"})") ==
          prefix + "compressor \"lz4\" is not supported (null, zlib and blosc are)");
    CHECK(error_with(R"("compressor": null)", R"("compressor": {"level": 1})") == prefix + "compressor has no \"id\"");
    CHECK(error_with(R"("filters": null)", R"("filters": [{"id": "delta", "dtype": "|u1"}])") ==
          prefix + "filters [{\"id\":\"delta\",\"dtype\":\"|u1\"}] are not supported (only null)");
    CHECK(error_with(R"("fill_value": 0)", R"("fill_value": 256)") == prefix + "fill_value is 256, outside the range of uint8");
    CHECK(error_with(R"("fill_value": 0)", R"("fill_value": "NaN")") == prefix + "fill_value is \"NaN\", not an integer");
    CHECK(error_with(R"("chunks": [2, 4])", R"("chunks": [2, 0])") == prefix + "chunks is [2,0]; every length must be at least 1");
    CHECK(error_with(R"("chunks": [2, 4])", R"("chunks": [2])") ==
          prefix + "chunks (2,) and shape (2, 3) have different numbers of axes");
    CHECK(error_with(R"("chunks": [2, 4])", R"("chunks": [65536, 65536])") ==
          prefix + "chunks (65536, 65536) are larger than the 1073741824 bytes scenehost decodes at once");
    CHECK(error_with(R"("shape": [2, 3])", R"("shape": [2, 3.5])") == prefix + "shape[1] is 3.5, not an integer");
    CHECK(error_with(R"("shape": [2, 3], "chunks": [2, 4])", R"("shape": [2, 3, 1], "chunks": [2, 4, 1])") ==
          prefix + "shape (2, 3, 1) has 3 axes but level 0 has 2");
    CHECK(error_with(R"("dtype": "|u1")", R"("dtype": "<u2")") == prefix + "dtype is uint16 but level 0 is uint8");
    CHECK(error_with(R"("shape": [2, 3], "chunks": [2, 4])", R"("shape": [6], "chunks": [4])") ==
          prefix + "shape (6,) has fewer than the 2 axes a layer needs");
    CHECK(error_with(R"("shape": [2, 3], )", "") == prefix + "has no \"shape\"");
    CHECK(error_with(R"(, "filters": null)", R"(, "filters": null, "dimension_separator": "_")") ==
          prefix + "dimension_separator is \"_\", not \".\" or \"/\"");
}

TEST_CASE("a chunk that does not decode to exactly one chunk is rejected naming the chunk file") {
    TempDir dir;
    const fs::path image = dir / "broken.zarr";
    const auto values = pattern<uint8_t>(4 * 6, 1, 1);
    write_image(image,
                {ZarrLevel{.path = "zlib", .shape = {4, 6}, .chunks = {2, 3}, .codec = Codec::zlib, .pixels = bytes_of(values)},
                 ZarrLevel{.path = "blosc", .shape = {4, 6}, .chunks = {2, 3}, .codec = Codec::blosc, .pixels = bytes_of(values)},
                 ZarrLevel{.path = "raw", .shape = {4, 6}, .chunks = {2, 3}, .pixels = bytes_of(values)}},
                {"y", "x"});
    const auto source = open_ome_zarr(image);
    const std::string six(6, '\x05'), seven(7, '\x05');

    write_file(image / "zlib" / "0.1", "definitely not zlib");
    CHECK(read_error(*source, 0, {}) == (image / "zlib" / "0.1").string() + ": is not valid zlib data (corrupt or truncated)");
    write_file(image / "zlib" / "0.1", encode(Codec::zlib, seven, 1));
    CHECK(read_error(*source, 0, {}) == (image / "zlib" / "0.1").string() + ": decompresses to 7 bytes, not the 6 of a chunk");
    write_file(image / "zlib" / "0.1", encode(Codec::zlib, std::string(100, '\x05'), 1));
    CHECK(read_error(*source, 0, {}) == (image / "zlib" / "0.1").string() + ": decompresses to more than the 6 bytes of a chunk");
    write_file(image / "zlib" / "0.1", encode(Codec::zlib, "abc", 1));
    CHECK(read_error(*source, 0, {}) == (image / "zlib" / "0.1").string() + ": decompresses to 3 bytes, not the 6 of a chunk");
    const std::string whole = encode(Codec::zlib, six, 1);
    write_file(image / "zlib" / "0.1", whole.substr(0, whole.size() - 3));
    CHECK_THAT(read_error(*source, 0, {}), Catch::Contains("is not valid zlib data (corrupt or truncated)"));

    write_file(image / "blosc" / "1.0", encode(Codec::blosc, seven, 1));
    CHECK(read_error(*source, 1, {}) == (image / "blosc" / "1.0").string() + ": decompresses to 7 bytes, not the 6 of a chunk");
    write_file(image / "blosc" / "1.0", "not a blosc frame at all");
    CHECK(read_error(*source, 1, {}) == (image / "blosc" / "1.0").string() + ": is not a valid blosc buffer");

    write_file(image / "raw" / "1.1", seven);
    CHECK(read_error(*source, 2, {}) ==
          (image / "raw" / "1.1").string() + ": holds 7 bytes, not the 6 of an uncompressed chunk (2, 3) of uint8");
}

TEST_CASE("a plane read decodes only the chunks it intersects") {
    TempDir dir;
    const fs::path image = dir / "lazy.zarr";
    const std::vector<int64_t> shape{4, 6, 6};
    const auto values = pattern<uint8_t>(4 * 6 * 6, 0, 1);
    write_image(image, {ZarrLevel{.shape = shape, .chunks = {2, 3, 3}, .codec = Codec::zlib, .pixels = bytes_of(values)}},
                {"z", "y", "x"});
    // Break every chunk holding z 2-3; planes 0 and 1 do not touch them.
    for (const char *key : {"1.0.0", "1.0.1", "1.1.0", "1.1.1"}) write_file(image / "0" / key, "broken");
    const auto source = open_ome_zarr(image);
    CHECK(read_plane<uint8_t>(*source, 0, {1}) == plane_of(values, shape, {1}));
    CHECK(read_plane<uint8_t>(*source, 0, {0}) == plane_of(values, shape, {0}));
    CHECK_THAT(read_error(*source, 0, {3}), Catch::Contains("is not valid zlib data"));
}

TEST_CASE("opening a 2 GiB OME-Zarr image and reading one plane costs a few chunks of memory") {
    TempDir dir;
    const fs::path image = dir / "big.zarr";
    // 256 x 2048 x 2048 uint16 in 1 x 1024 x 1024 chunks: only plane 100's four chunks exist,
    // the other 1020 read as the fill value 7.
    constexpr int64_t planes = 256, side = 2048, chunk_side = 1024;
    const ZarrLevel level{.shape = {planes, side, side}, .chunks = {1, chunk_side, chunk_side}, .dtype = "<u2",
                          .codec = Codec::zlib, .fill = "7"};
    write_file(image / "0" / ".zarray", zarray_json(level));
    write_file(image / ".zattrs",
               R"({"multiscales": [{"axes": [{"name": "z"}, {"name": "y"}, {"name": "x"}], "datasets": [{"path": "0"}]}]})");
    const auto chunk_values = pattern<uint16_t>(size_t(chunk_side * chunk_side), 3, 1);
    const std::string chunk = encode(Codec::zlib, bytes_of(chunk_values), 2);
    for (const char *key : {"100.0.0", "100.0.1", "100.1.0", "100.1.1"}) write_file(image / "0" / key, chunk);

    const int64_t before = scenehost::test::peak_rss_bytes();
    const auto source = open_ome_zarr(image);
    CHECK(source->shape() == std::vector<int64_t>{planes, side, side});
    const auto plane = read_plane<uint16_t>(*source, 0, {100});
    const bool chunk_read = plane[size_t(side) * 1023 + 2047] == chunk_values.back() && plane[1024] == chunk_values[0];
    CHECK(chunk_read);
    const auto filled = read_plane<uint16_t>(*source, 0, {5});
    const bool fill_read = std::all_of(filled.begin(), filled.end(), [](uint16_t v) { return v == 7; });
    CHECK(fill_read);
    const int64_t grown = scenehost::test::peak_rss_bytes() - before;
    INFO("peak RSS grew by " << grown << " bytes");
    // Two 8 MiB planes and at most 64 MiB of cached chunks; the image would be 2 GiB.
    CHECK(grown < 160 * 1024 * 1024);
}
