// open_array picks the reader by what the path is, and rejects anything else naming the path and
// the formats it takes.
#include <catch2/catch.hpp>

#include "data/open_source.hpp"
#include "unit/data/data_files.hpp"

using namespace scenehost::data;
using scenehost::test::bytes_of;
using scenehost::test::npy_dict;
using scenehost::test::npy_header;
using scenehost::test::TempDir;
using scenehost::test::TiffPage;
using scenehost::test::write_file;
using scenehost::test::write_tiff;
namespace fs = std::filesystem;

namespace {

constexpr std::string_view accepted =
    "scenehost opens .npy files, .tif/.tiff files and OME-Zarr (NGFF 0.4, Zarr v2) directories holding .zattrs";

std::string open_error(const fs::path &path) {
    try {
        open_array(path);
    } catch (const DataError &error) {
        return error.what();
    }
    FAIL("open_array accepted " << path);
    return {};
}

TiffPage uint16_page() {
    TiffPage page;
    page.width = 3;
    page.height = 2;
    page.bits = 16;
    page.pixels = bytes_of(std::vector<uint16_t>{1, 2, 3, 4, 5, 6});
    return page;
}

}  // namespace

TEST_CASE("open_array opens .npy files") {
    TempDir dir;
    write_file(dir / "a.npy", npy_header(npy_dict("<f4", "(2, 3)")) + std::string(24, '\0'));
    const auto source = open_array(dir / "a.npy");
    CHECK(source->dtype() == DType::float32);
    CHECK(source->shape() == std::vector<int64_t>{2, 3});
    CHECK(source->name() == "a");
}

TEST_CASE("open_array opens .tif and .tiff files, the extension in any case") {
    TempDir dir;
    for (const char *name : {"b.tif", "c.tiff", "D.TIF"}) {
        CAPTURE(name);
        write_tiff(dir / name, {uint16_page(), uint16_page()});
        const auto source = open_array(dir / name);
        CHECK(source->dtype() == DType::uint16);
        CHECK(source->shape() == std::vector<int64_t>{2, 2, 3});
        CHECK(source->name() == fs::path(name).stem().string());
    }
}

TEST_CASE("open_array opens a directory holding .zattrs as OME-Zarr") {
    TempDir dir;
    const fs::path image = dir / "e.zarr";
    write_file(image / ".zattrs",
               R"({"multiscales": [{"axes": [{"name": "y"}, {"name": "x"}], "datasets": [{"path": "0"}]}]})");
    write_file(image / "0" / ".zarray",
               R"({"zarr_format": 2, "shape": [4, 5], "chunks": [2, 2], "dtype": "|u1", "order": "C", "fill_value": 3,)"
               R"( "compressor": null, "filters": null})");
    const auto source = open_array(image);
    CHECK(source->dtype() == DType::uint8);
    CHECK(source->shape() == std::vector<int64_t>{4, 5});
    CHECK(source->axis_labels() == std::vector<std::string>{"y", "x"});
    CHECK(source->name() == "e");
    std::vector<std::byte> plane(20);
    source->read_plane(0, {}, plane);
    CHECK(plane == std::vector<std::byte>(20, std::byte{3}));  // no chunk files: all fill_value
}

TEST_CASE("open_array rejects what it cannot open, naming the path and the formats it takes") {
    TempDir dir;
    CHECK(open_error(dir / "gone.npy") == (dir / "gone.npy").string() + ": does not exist; " + std::string(accepted));
    write_file(dir / "f.png", "\x89PNG");
    CHECK(open_error(dir / "f.png") == (dir / "f.png").string() + ": is not a format scenehost reads; " + std::string(accepted));
    write_file(dir / "noextension", "data");
    CHECK_THAT(open_error(dir / "noextension"), Catch::Contains("noextension: is not a format scenehost reads; "));
    fs::create_directories(dir / "plain");
    CHECK(open_error(dir / "plain") ==
          (dir / "plain").string() + ": is a directory without .zattrs; " + std::string(accepted));
    // The format's own checks still apply.
    write_file(dir / "bad.npy", "not numpy");
    CHECK_THAT(open_error(dir / "bad.npy"), Catch::Contains("bad.npy: is not a .npy file"));
    write_file(dir / "bad.tif", "not a tiff");
    CHECK_THAT(open_error(dir / "bad.tif"), Catch::Contains("bad.tif: libtiff cannot open it: Not a TIFF"));
}
