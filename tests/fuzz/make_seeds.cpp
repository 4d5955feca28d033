// Writes the generated seeds of tests/fuzz/corpus/ with the project's own test-data writers (the
// protocol tests' sample frames, pack_pixel_message, the data tests' .npy, TIFF and OME-Zarr
// writers); the other seeds are hand-made text. Not part of the build; from the repository root:
//   g++ -std=c++20 -Ihost -Itests tests/fuzz/make_seeds.cpp host/protocol/frame_type.cpp \
//     host/protocol/pixel_frame.cpp host/base/assert.cpp -lboost_json -lfmt -ltiff -lblosc -lz \
//     -o /tmp/make_seeds && /tmp/make_seeds   # SCENEHOST_CORPUS=<dir> writes elsewhere
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include "protocol/frame_type.hpp"
#include "protocol/pixel_frame.hpp"
#include "unit/data/data_files.hpp"
#include "unit/data/zarr_files.hpp"
#include "unit/protocol/sample_frames.hpp"

namespace {

using namespace scenehost;
using test::write_file;
namespace fs = std::filesystem;

// Where Catch leaves the command line alone: the corpus directory is SCENEHOST_CORPUS.
fs::path corpus() {
    const char *dir = std::getenv("SCENEHOST_CORPUS");
    return dir != nullptr ? fs::path(dir) : fs::path("tests/fuzz/corpus");
}

std::string ramp(size_t bytes) {
    std::string out(bytes, '\0');
    for (size_t i = 0; i < bytes; ++i) out[i] = char(1 + i % 250);  // no "\n==> " by accident
    return out;
}

// An image directory as one zarr_fuzz input: a `==> NAME <==` section per file.
std::string sections_of(const fs::path &image) {
    std::vector<fs::path> files;
    for (const auto &entry : fs::recursive_directory_iterator(image)) {
        if (entry.is_regular_file()) files.push_back(fs::relative(entry.path(), image));
    }
    std::sort(files.begin(), files.end());
    std::string out;
    for (const fs::path &file : files) {
        std::ifstream in(image / file, std::ios::binary);
        const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        out += (out.empty() ? "" : "\n") + ("==> " + file.string() + " <==\n") + bytes;
    }
    return out;
}

}  // namespace

TEST_CASE("client frames: a valid frame of every type") {
    for (protocol::FrameType t : protocol::test::kAllTypes) {
        std::string name(protocol::type_name(t));
        std::replace(name.begin(), name.end(), '.', '_');
        write_file(corpus() / "client_frame" / (name + ".json"), boost::json::serialize(protocol::test::sample_frame(t)));
    }
}

TEST_CASE("pixel messages") {
    using namespace scenehost::protocol;
    const std::vector<uint8_t> idr = {0, 0, 0, 5, 0x65, 0x88, 0x84, 0x00, 0x33}, p = {0, 0, 0, 3, 0x41, 0x9a, 0x02};
    const PixelMeta meta{4294967301ull, 1700000000123456, {{"camera", 7}, {"dims", 3}, {"layer", 12}}, {1, 2, 3, 4}};
    const fs::path dir = corpus() / "pixel_frame";
    write_file(dir / "keyframe.bin", pack_pixel_message({0, 1700000000.25, 1280, 720, kPixelCodecH264, kPixelFlagKeyframe}, nullptr, idr));
    write_file(dir / "delta.bin", pack_pixel_message({1, 1700000000.266, 1280, 720, kPixelCodecH264, 0}, nullptr, p));
    write_file(dir / "keyframe_meta.bin",
               pack_pixel_message({5, 1700000000.3, 640, 480, kPixelCodecH264, kPixelFlagKeyframe}, &meta, idr));
}

TEST_CASE(".npy files") {
    const fs::path dir = corpus() / "npy";
    write_file(dir / "u1_3d.npy", test::npy_header(test::npy_dict("|u1", "(2, 3, 4)")) + ramp(24));
    write_file(dir / "u2_2d_v2.npy", test::npy_header(test::npy_dict("<u2", "(5, 6)"), 2) + ramp(60));
    write_file(dir / "f4_4d_v3.npy", test::npy_header(R"({"shape": (2, 1, 3, 2), "fortran_order": False, "descr": "<f4"})", 3) +
                                         test::bytes_of(std::vector<float>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}));
}

TEST_CASE("TIFF files") {
    const fs::path dir = corpus() / "tiff";
    fs::create_directories(dir);
    test::TiffPage u8{.width = 6, .height = 4, .pixels = ramp(24)};
    test::write_tiff(dir / "u8_one_page.tif", {u8});
    test::TiffPage u16{.width = 5, .height = 3, .bits = 16, .pixels = ramp(30), .compression = COMPRESSION_LZW,
                       .rows_per_strip = 2};
    test::write_tiff(dir / "u16_lzw_stack.tif", {u16, u16, u16});
    test::TiffPage f32{.width = 20, .height = 18, .bits = 32, .sample_format = SAMPLEFORMAT_IEEEFP,
                       .pixels = ramp(20 * 18 * 4), .compression = COMPRESSION_ADOBE_DEFLATE, .tile_width = 16,
                       .tile_height = 16};
    test::write_tiff(dir / "f32_deflate_tiled.tif", {f32});
}

TEST_CASE("OME-Zarr images") {
    using test::ZarrCodec, test::ZarrLevel;
    const test::TempDir scratch;
    auto seed = [&](const std::string &name, const std::vector<ZarrLevel> &levels, const std::vector<std::string> &axes) {
        test::write_image(scratch / name, levels, axes);
        write_file(corpus() / "zarr" / (name + ".txt"), sections_of(scratch / name));
    };
    seed("raw_2d", {{.shape = {4, 6}, .chunks = {4, 6}, .pixels = ramp(24)}}, {"y", "x"});
    seed("zlib_2d_u2_missing_chunk", {{.shape = {4, 6}, .chunks = {2, 6}, .dtype = "<u2", .codec = ZarrCodec::zlib,
                                       .pixels = ramp(48), .missing = {{1, 0}}}}, {"y", "x"});
    seed("blosc_3d_two_levels",
         {{.path = "0", .shape = {2, 4, 4}, .chunks = {2, 4, 4}, .dtype = "<f4", .codec = ZarrCodec::blosc,
           .separator = "/", .pixels = ramp(128)},
          {.path = "1", .shape = {1, 2, 2}, .chunks = {1, 2, 2}, .dtype = "<f4", .pixels = ramp(16)}},
         {"z", "y", "x"});
}
