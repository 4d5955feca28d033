// TIFF files: single images and stacks of each sample type, in strips and tiles, compressed or
// not, read back exactly; pages that disagree or that libtiff cannot decode are rejected naming
// the page; and only the page asked for is decoded.
#include <zlib.h>

#include <catch2/catch.hpp>

#include "data/tiff_source.hpp"
#include "unit/data/data_files.hpp"

using namespace scenehost::data;
using scenehost::test::bytes_of;
using scenehost::test::TempDir;
using scenehost::test::TiffPage;
using scenehost::test::values_of;
using scenehost::test::write_file;
using scenehost::test::write_tiff;
namespace fs = std::filesystem;

namespace {

template <typename T>
std::vector<T> pattern(size_t count, T start, T step) {
    std::vector<T> values(count);
    for (size_t i = 0; i < count; ++i) values[i] = T(start + T(i) * step);
    return values;
}

template <typename T>
TiffPage page_of(uint32_t width, uint32_t height, const std::vector<T> &values) {
    TiffPage page;
    page.width = width;
    page.height = height;
    page.bits = uint16_t(sizeof(T) * 8);
    page.sample_format = std::is_floating_point_v<T> ? SAMPLEFORMAT_IEEEFP : SAMPLEFORMAT_UINT;
    page.pixels = bytes_of(values);
    return page;
}

template <typename T>
std::vector<T> read_page(const ArraySource &source, int64_t z) {
    const std::vector<int64_t> &shape = source.shape();
    std::vector<std::byte> plane(size_t(shape[shape.size() - 2] * shape.back()) * sizeof(T));
    source.read_plane(0, shape.size() == 3 ? std::span(&z, 1) : std::span<const int64_t>(), plane);
    return values_of<T>(plane);
}

std::string open_error(const fs::path &path) {
    try {
        open_tiff(path);
    } catch (const DataError &error) {
        return error.what();
    }
    FAIL("open_tiff accepted " << path);
    return {};
}

std::string read_error(const ArraySource &source, int64_t z) {
    try {
        read_page<uint8_t>(source, z);
    } catch (const DataError &error) {
        return error.what();
    }
    FAIL("read_plane accepted page " << z);
    return {};
}

}  // namespace

TEST_CASE("a single uint8 TIFF image is a 2D array") {
    TempDir dir;
    const auto values = pattern<uint8_t>(7 * 5, 3, 11);
    write_tiff(dir / "photo.tif", {page_of(7, 5, values)});
    const auto source = open_tiff(dir / "photo.tif");
    CHECK(source->dtype() == DType::uint8);
    CHECK(source->level_count() == 1);
    CHECK(source->shape() == std::vector<int64_t>{5, 7});
    CHECK(source->axis_labels().empty());
    CHECK(source->name() == "photo");
    CHECK(read_page<uint8_t>(*source, 0) == values);
}

TEST_CASE("a uint16 multi-page stack in compressed strips reads each page and the whole volume") {
    TempDir dir;
    std::vector<TiffPage> pages;
    std::vector<std::vector<uint16_t>> values;
    for (uint16_t z = 0; z < 3; ++z) {
        values.push_back(pattern<uint16_t>(9 * 10, uint16_t(60000 + z), 13));
        pages.push_back(page_of(9, 10, values.back()));
        pages.back().compression = z == 1 ? COMPRESSION_LZW : COMPRESSION_ADOBE_DEFLATE;
        pages.back().rows_per_strip = 3;  // 10 rows: the last strip holds one
    }
    write_tiff(dir / "stack.tiff", pages);
    const auto source = open_tiff(dir / "stack.tiff");
    CHECK(source->dtype() == DType::uint16);
    CHECK(source->shape() == std::vector<int64_t>{3, 10, 9});
    for (int64_t z : {2, 0, 1}) CHECK(read_page<uint16_t>(*source, z) == values[size_t(z)]);

    std::vector<std::byte> volume(3 * 10 * 9 * 2);
    source->read_volume(0, {}, volume);
    std::vector<uint16_t> expected;
    for (const auto &page : values) expected.insert(expected.end(), page.begin(), page.end());
    CHECK(values_of<uint16_t>(volume) == expected);
}

TEST_CASE("a tiled float32 stack whose tiles overhang the image reads back without the padding") {
    TempDir dir;
    std::vector<TiffPage> pages;
    std::vector<std::vector<float>> values;
    for (int z = 0; z < 2; ++z) {
        values.push_back(pattern<float>(40 * 24, -100.5f + float(z), 0.25f));
        pages.push_back(page_of(40, 24, values.back()));
        pages.back().tile_width = 16;  // 40 x 24 in 16 x 16 tiles: 3 x 2 tiles, the edge ones padded
        pages.back().tile_height = 16;
        pages.back().compression = z == 0 ? COMPRESSION_NONE : COMPRESSION_ADOBE_DEFLATE;
    }
    write_tiff(dir / "tiled.tif", pages);
    const auto source = open_tiff(dir / "tiled.tif");
    CHECK(source->dtype() == DType::float32);
    CHECK(source->shape() == std::vector<int64_t>{2, 24, 40});
    CHECK(read_page<float>(*source, 1) == values[1]);
    CHECK(read_page<float>(*source, 0) == values[0]);
}

TEST_CASE("a stack whose pages differ in size or sample type is rejected naming the page") {
    TempDir dir;
    const std::vector<uint8_t> small(8 * 6), other(8 * 5);
    write_tiff(dir / "sizes.tif", {page_of(8, 6, small), page_of(8, 6, small), page_of(8, 5, other)});
    CHECK(open_error(dir / "sizes.tif") == (dir / "sizes.tif").string() + ": page 2 is 8 x 5 pixels but page 0 is 8 x 6");

    write_tiff(dir / "types.tif", {page_of(8, 6, small), page_of(8, 6, std::vector<uint16_t>(8 * 6))});
    CHECK_THAT(open_error(dir / "types.tif"), Catch::Contains("types.tif: page 1 holds uint16 but page 0 holds uint8"));
}

TEST_CASE("TIFF sample types scenehost does not read are rejected naming them") {
    TempDir dir;
    TiffPage rgb = page_of(4, 4, std::vector<uint8_t>(4 * 4 * 3));
    rgb.samples = 3;
    write_tiff(dir / "rgb.tif", {rgb});
    CHECK_THAT(open_error(dir / "rgb.tif"),
               Catch::Contains("rgb.tif: page 0 has 3 samples per pixel; scenehost reads single-channel images"));

    TiffPage signed16 = page_of(4, 4, std::vector<uint16_t>(16));
    signed16.sample_format = SAMPLEFORMAT_INT;
    write_tiff(dir / "signed.tif", {page_of(4, 4, std::vector<uint16_t>(16)), signed16});
    CHECK_THAT(open_error(dir / "signed.tif"),
               Catch::Contains("page 1 has 16-bit signed integer samples; scenehost reads 8- and 16-bit unsigned integers "
                               "and 32-bit floats"));

    write_tiff(dir / "int32.tif", {page_of(4, 4, std::vector<uint32_t>(16))});
    CHECK_THAT(open_error(dir / "int32.tif"), Catch::Contains("page 0 has 32-bit unsigned integer samples"));
}

TEST_CASE("a file libtiff cannot open is rejected with libtiff's reason, not printed to stderr") {
    TempDir dir;
    write_file(dir / "fake.tif", "this is not a TIFF file at all");
    CHECK_THAT(open_error(dir / "fake.tif"), Catch::Contains("fake.tif: libtiff cannot open it: ") &&
                                                 Catch::Contains("Not a TIFF"));
    CHECK_THAT(open_error(dir / "missing.tif"), Catch::Contains("missing.tif: libtiff cannot open it: ") &&
                                                    Catch::Contains("No such file or directory"));
}

TEST_CASE("a page whose strip holds less data than its size says fails when that page is read") {
    TempDir dir;
    const fs::path path = dir / "short.tif";
    // Page 0 is labelled 8 x 4 pixels in two strips, but its second strip holds 5 bytes, not 16.
    TIFF *tiff = TIFFOpen(path.c_str(), "w");
    REQUIRE(tiff != nullptr);
    TIFFSetField(tiff, TIFFTAG_IMAGEWIDTH, 8u);
    TIFFSetField(tiff, TIFFTAG_IMAGELENGTH, 4u);
    TIFFSetField(tiff, TIFFTAG_BITSPERSAMPLE, 8);
    TIFFSetField(tiff, TIFFTAG_SAMPLESPERPIXEL, 1);
    TIFFSetField(tiff, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
    TIFFSetField(tiff, TIFFTAG_ROWSPERSTRIP, 2u);
    std::string strip(16, '\x07');
    REQUIRE(TIFFWriteRawStrip(tiff, 0, strip.data(), 16) == 16);
    REQUIRE(TIFFWriteRawStrip(tiff, 1, strip.data(), 5) == 5);
    REQUIRE(TIFFWriteDirectory(tiff));
    TIFFClose(tiff);

    const auto source = open_tiff(path);
    CHECK(source->shape() == std::vector<int64_t>{4, 8});
    CHECK_THAT(read_error(*source, 0), Catch::Contains("short.tif: cannot read strip 1 of page 0: "));
}

TEST_CASE("a TIFF stack is read one page at a time: a corrupt page fails only when it is read") {
    TempDir dir;
    const fs::path path = dir / "lazy.tif";
    const auto good = pattern<uint8_t>(16 * 16, 1, 1);
    std::vector<TiffPage> pages(4, page_of(16, 16, good));
    for (TiffPage &page : pages) page.compression = COMPRESSION_ADOBE_DEFLATE;
    write_tiff(path, pages);
    // Overwrite page 2's compressed strip with bytes that are not deflate data.
    {
        TIFF *tiff = TIFFOpen(path.c_str(), "r");
        REQUIRE(tiff != nullptr);
        REQUIRE(TIFFSetDirectory(tiff, 2));
        uint64_t *offsets = nullptr, *counts = nullptr;
        REQUIRE(TIFFGetField(tiff, TIFFTAG_STRIPOFFSETS, &offsets));
        REQUIRE(TIFFGetField(tiff, TIFFTAG_STRIPBYTECOUNTS, &counts));
        const uint64_t offset = offsets[0], count = counts[0];
        TIFFClose(tiff);
        std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
        file.seekp(std::streamoff(offset));
        const std::string garbage(count, '\xFF');
        file.write(garbage.data(), std::streamsize(count));
        REQUIRE(file.good());
    }

    const auto source = open_tiff(path);
    CHECK(source->shape() == std::vector<int64_t>{4, 16, 16});
    CHECK(read_page<uint8_t>(*source, 3) == good);
    CHECK(read_page<uint8_t>(*source, 0) == good);
    CHECK_THAT(read_error(*source, 2), Catch::Contains("lazy.tif: cannot read strip 0 of page 2: "));
    CHECK(read_page<uint8_t>(*source, 1) == good);  // a failed read leaves the file readable
}

TEST_CASE("opening a 2 GiB TIFF stack and reading one page costs about one page of memory") {
    TempDir dir;
    const fs::path path = dir / "big.tif";
    // 256 pages of 2048 x 2048 uint16 (2 GiB of pixels), each one deflate strip. The strips are
    // compressed here once and written raw, so the file is small and quick to make.
    constexpr uint32_t pages = 256, side = 2048;
    const auto deflate = [](const std::vector<uint16_t> &values) {
        uLongf length = compressBound(uLong(values.size() * 2));
        std::string out(length, '\0');
        REQUIRE(compress2(reinterpret_cast<Bytef *>(out.data()), &length,
                          reinterpret_cast<const Bytef *>(values.data()), uLong(values.size() * 2), 1) == Z_OK);
        out.resize(length);
        return out;
    };
    const std::vector<uint16_t> zeros(size_t(side) * side, 0), marked = pattern<uint16_t>(size_t(side) * side, 5, 1);
    const std::string zero_strip = deflate(zeros), marked_strip = deflate(marked);
    TIFF *tiff = TIFFOpen(path.c_str(), "w");
    REQUIRE(tiff != nullptr);
    for (uint32_t z = 0; z < pages; ++z) {
        TIFFSetField(tiff, TIFFTAG_IMAGEWIDTH, side);
        TIFFSetField(tiff, TIFFTAG_IMAGELENGTH, side);
        TIFFSetField(tiff, TIFFTAG_BITSPERSAMPLE, 16);
        TIFFSetField(tiff, TIFFTAG_SAMPLESPERPIXEL, 1);
        TIFFSetField(tiff, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
        TIFFSetField(tiff, TIFFTAG_COMPRESSION, COMPRESSION_ADOBE_DEFLATE);
        TIFFSetField(tiff, TIFFTAG_ROWSPERSTRIP, side);
        const std::string &strip = z == 200 ? marked_strip : zero_strip;
        REQUIRE(TIFFWriteRawStrip(tiff, 0, const_cast<char *>(strip.data()), tmsize_t(strip.size())) ==
                tmsize_t(strip.size()));
        REQUIRE(TIFFWriteDirectory(tiff));
    }
    TIFFClose(tiff);
    REQUIRE(fs::file_size(path) < 64 * 1024 * 1024);

    const int64_t before = scenehost::test::peak_rss_bytes();
    const auto source = open_tiff(path);
    CHECK(source->shape() == std::vector<int64_t>{pages, side, side});
    const bool marked_page_read = read_page<uint16_t>(*source, 200) == marked;  // a bool: Catch would print 4M values
    CHECK(marked_page_read);
    const int64_t grown = scenehost::test::peak_rss_bytes() - before;
    INFO("peak RSS grew by " << grown << " bytes");
    // A page is 8 MiB (read into a buffer, then copied); the stack would be 2 GiB.
    CHECK(grown < 128 * 1024 * 1024);
}
