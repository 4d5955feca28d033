// .npy files: each supported dtype and format version reads back exactly, every malformed header
// or size is rejected with a message naming the file and the problem, and a 2 GiB file is read
// a plane at a time.
#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <numeric>

#include "data/npy_source.hpp"
#include "unit/data/data_files.hpp"

using namespace scenehost::data;
namespace fs = std::filesystem;
using scenehost::test::bytes_of;
using scenehost::test::npy_dict;
using scenehost::test::npy_header;
using scenehost::test::TempDir;
using scenehost::test::values_of;
using scenehost::test::write_file;

namespace {

template <typename T>
std::vector<T> iota_values(size_t count, T start, T step) {
    std::vector<T> values(count);
    for (size_t i = 0; i < count; ++i) values[i] = T(start + T(i) * step);
    return values;
}

std::string open_error(const std::filesystem::path &path) {
    try {
        open_npy(path);
    } catch (const DataError &error) {
        return error.what();
    }
    FAIL("open_npy accepted " << path);
    return {};
}

}  // namespace

TEST_CASE("a uint8 .npy volume reads back plane by plane and whole") {
    TempDir dir;
    const auto values = iota_values<uint8_t>(2 * 3 * 4, 0, 7);  // wraps past 255, exercising every bit
    write_file(dir / "cells.npy", npy_header(npy_dict("|u1", "(2, 3, 4)")) + bytes_of(values));
    const auto source = open_npy(dir / "cells.npy");
    CHECK(source->dtype() == DType::uint8);
    CHECK(source->level_count() == 1);
    CHECK(source->shape() == std::vector<int64_t>{2, 3, 4});
    CHECK(source->axis_labels().empty());
    CHECK(source->name() == "cells");

    std::vector<std::byte> plane(12);
    const int64_t z = 1;
    source->read_plane(0, std::span(&z, 1), plane);
    CHECK(values_of<uint8_t>(plane) == std::vector<uint8_t>(values.begin() + 12, values.end()));
    std::vector<std::byte> volume(24);
    source->read_volume(0, {}, volume);
    CHECK(values_of<uint8_t>(volume) == values);
}

TEST_CASE("a uint16 .npy image reads back, in format versions 1.0, 2.0 and 3.0") {
    TempDir dir;
    const auto values = iota_values<uint16_t>(5 * 6, 40000, 997);
    for (int major : {1, 2, 3}) {
        CAPTURE(major);
        write_file(dir / "image.npy", npy_header(npy_dict("<u2", "(5, 6)"), major) + bytes_of(values));
        const auto source = open_npy(dir / "image.npy");
        CHECK(source->dtype() == DType::uint16);
        CHECK(source->shape() == std::vector<int64_t>{5, 6});
        std::vector<std::byte> plane(5 * 6 * 2);
        source->read_plane(0, {}, plane);
        CHECK(values_of<uint16_t>(plane) == values);
    }
}

TEST_CASE("a float32 4D .npy reads planes and volumes at leading indices") {
    TempDir dir;
    const auto values = iota_values<float>(2 * 3 * 4 * 5, -3.25f, 0.5f);
    // Keys in another order, double quotes and no trailing comma are all valid Python dicts.
    write_file(dir / "t.npy", npy_header(R"({"shape": (2, 3, 4, 5), "fortran_order": False, "descr": "<f4"})") +
                                  bytes_of(values));
    const auto source = open_npy(dir / "t.npy");
    CHECK(source->dtype() == DType::float32);
    CHECK(source->shape() == std::vector<int64_t>{2, 3, 4, 5});

    std::vector<std::byte> plane(4 * 5 * 4);
    const std::vector<int64_t> index{1, 2};
    source->read_plane(0, index, plane);
    const size_t first = (1 * 3 + 2) * 20;
    CHECK(values_of<float>(plane) == std::vector<float>(values.begin() + first, values.begin() + first + 20));

    std::vector<std::byte> volume(3 * 4 * 5 * 4);
    const int64_t t = 1;
    source->read_volume(0, std::span(&t, 1), volume);
    CHECK(values_of<float>(volume) == std::vector<float>(values.begin() + 60, values.end()));
}

TEST_CASE("a .npy whose data does not match its header's shape is rejected") {
    TempDir dir;
    const fs::path path = dir / "a.npy";
    write_file(path, npy_header(npy_dict("<u2", "(4, 5)")) + std::string(16, '\0'));
    CHECK(open_error(path) == path.string() + ": header says shape (4, 5) of <u2 but the file holds 16 bytes of data, not 40");
    write_file(path, npy_header(npy_dict("<u2", "(4, 5)")) + std::string(41, '\0'));
    CHECK_THAT(open_error(path), Catch::Contains("holds 41 bytes of data, not 40"));
}

TEST_CASE("a .npy of an unsupported dtype, byte order or layout is rejected naming the value") {
    TempDir dir;
    const fs::path path = dir / "a.npy";
    write_file(path, npy_header(npy_dict("<i4", "(2, 2)")) + std::string(16, '\0'));
    CHECK_THAT(open_error(path), Catch::Contains("a.npy: dtype '<i4' is not supported (scenehost reads |u1, <u2 and <f4)"));
    write_file(path, npy_header(npy_dict(">u2", "(2, 2)")) + std::string(8, '\0'));
    CHECK_THAT(open_error(path), Catch::Contains("dtype '>u2' is not supported: it is big-endian"));
    write_file(path, npy_header(npy_dict("<f4", "(2, 2)", "True")) + std::string(16, '\0'));
    CHECK_THAT(open_error(path), Catch::Contains("fortran_order is True; scenehost reads C-order arrays only"));
    write_file(path, npy_header(npy_dict("|u1", "(6,)")) + std::string(6, '\0'));
    CHECK_THAT(open_error(path), Catch::Contains("shape (6,) has fewer than the 2 axes a layer needs"));
    write_file(path, npy_header(npy_dict("|u1", "(0, 6)")));
    CHECK_THAT(open_error(path), Catch::Contains("shape (0, 6) has an axis of length 0"));
    write_file(path, npy_header(npy_dict("|u1", "(4294967296, 4294967296)")));
    CHECK_THAT(open_error(path), Catch::Contains("shape (4294967296, 4294967296) is too large to address"));
    write_file(path, npy_header("{'descr': [('a', '<u2')], 'fortran_order': False, 'shape': (2, 2), }"));
    CHECK_THAT(open_error(path), Catch::Contains("malformed .npy header: expected a quoted dtype string for 'descr'"));
}

TEST_CASE("a .npy with a broken preamble or header is rejected saying what is broken") {
    TempDir dir;
    const fs::path path = dir / "a.npy";
    write_file(path, "PK\x03\x04 not numpy at all");
    CHECK(open_error(path) == path.string() + ": is not a .npy file (it does not start with \\x93NUMPY)");
    write_file(path, "");
    CHECK_THAT(open_error(path), Catch::Contains("is not a .npy file"));

    std::string future = npy_header(npy_dict("|u1", "(1, 1)")) + "x";
    future[6] = char(4);
    write_file(path, future);
    CHECK_THAT(open_error(path), Catch::Contains(".npy format version 4.0 is not supported (1.0, 2.0 and 3.0 are)"));

    std::string cut = npy_header(npy_dict("|u1", "(1, 1)"));
    write_file(path, cut.substr(0, 30));
    CHECK_THAT(open_error(path), Catch::Contains("header length 118 runs past the end of the 30-byte file"));

    write_file(path, npy_header("{'descr': '|u1', 'fortran_order': False, 'shape': (1, 1), 'extra': 1}") + "x");
    CHECK_THAT(open_error(path), Catch::Contains("unknown key 'extra'"));
    write_file(path, npy_header("{'descr': '|u1', 'shape': (1, 1)}") + "x");
    CHECK_THAT(open_error(path), Catch::Contains("it has no 'fortran_order' key"));
    write_file(path, npy_header("{'descr': '|u1', 'descr': '|u1', 'fortran_order': False, 'shape': (1, 1)}") + "x");
    CHECK_THAT(open_error(path), Catch::Contains("the key 'descr' appears twice"));
    write_file(path, npy_header("{'descr' '|u1', 'fortran_order': False, 'shape': (1, 1)}") + "x");
    CHECK_THAT(open_error(path), Catch::Contains("malformed .npy header: expected ':' (at character 9 of \"{'descr' '|u1', 'fortran_order': False, 'shape': (1, 1)}\")"));
    write_file(path, npy_header("{'descr': '|u1', 'fortran_order': 0, 'shape': (1, 1)}") + "x");
    CHECK_THAT(open_error(path), Catch::Contains("expected True or False for 'fortran_order'"));
    write_file(path, npy_header("{'descr': '|u1', 'fortran_order': False, 'shape': (1, -1)}") + "x");
    CHECK_THAT(open_error(path), Catch::Contains("expected a non-negative integer axis length in 'shape'"));
    write_file(path, npy_header("{'descr': '|u1', 'fortran_order': False, 'shape': (1, 1)} trailing") + "x");
    CHECK_THAT(open_error(path), Catch::Contains("unexpected text after the closing '}'"));
}

TEST_CASE("a .npy path that cannot be opened is rejected naming it") {
    TempDir dir;
    CHECK(open_error(dir / "missing.npy") == (dir / "missing.npy").string() + ": cannot open: No such file or directory");
    CHECK(open_error(dir.path()) == dir.path().string() + ": is not a regular file");
}

TEST_CASE("a 2 GiB .npy is mapped, not read: one plane costs one plane of memory") {
    TempDir dir;
    const fs::path path = dir / "big.npy";
    // 512 planes of 2048 x 1024 uint16: 2 GiB of data in a sparse file, so the disk holds only
    // the header and the one plane written below.
    constexpr int64_t planes = 512, rows = 2048, columns = 1024, plane_bytes = rows * columns * 2;
    const std::string header = npy_header(npy_dict("<u2", "(512, 2048, 1024)"));
    write_file(path, header);
    const int fd = ::open(path.c_str(), O_RDWR);
    REQUIRE(fd >= 0);
    REQUIRE(::ftruncate(fd, off_t(header.size()) + planes * plane_bytes) == 0);
    const auto marked = iota_values<uint16_t>(size_t(rows * columns), 1, 3);
    REQUIRE(::pwrite(fd, marked.data(), size_t(plane_bytes), off_t(header.size()) + 400 * plane_bytes) == plane_bytes);
    ::close(fd);

    const int64_t before = scenehost::test::peak_rss_bytes();
    const auto source = open_npy(path);
    CHECK(source->shape() == std::vector<int64_t>{512, 2048, 1024});
    std::vector<std::byte> plane(plane_bytes);
    const int64_t z = 400;
    source->read_plane(0, std::span(&z, 1), plane);
    const bool marked_plane_read = values_of<uint16_t>(plane) == marked;  // a bool: Catch would print 2M values
    CHECK(marked_plane_read);
    const int64_t z_empty = 3;
    source->read_plane(0, std::span(&z_empty, 1), plane);
    const bool empty_plane_read = values_of<uint16_t>(plane) == std::vector<uint16_t>(size_t(rows * columns), 0);
    CHECK(empty_plane_read);
    const int64_t grown = scenehost::test::peak_rss_bytes() - before;
    INFO("peak RSS grew by " << grown << " bytes");
    // The buffers and the two planes touched are ~16 MiB; reading the file would be 2 GiB.
    CHECK(grown < 64 * 1024 * 1024);
}
