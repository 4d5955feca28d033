// Writers for the data-source tests: each test makes its own .npy, TIFF and OME-Zarr inputs in
// a temporary directory, so what a file holds is visible next to what the test expects of it.
#pragma once

#include <stdlib.h>
#include <sys/resource.h>
#include <tiffio.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace scenehost::test {

namespace fs = std::filesystem;

// A fresh directory under the system temp directory, removed with its contents at scope exit.
class TempDir {
public:
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "scenehost-data-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ignored;  // best effort: a leftover temp dir must not fail the test
        fs::remove_all(path_, ignored);
    }
    TempDir(const TempDir &) = delete;
    TempDir &operator=(const TempDir &) = delete;

    fs::path operator/(std::string_view name) const { return path_ / name; }
    const fs::path &path() const { return path_; }

private:
    fs::path path_;
};

inline int64_t peak_rss_bytes() {
    rusage usage{};
    REQUIRE(::getrusage(RUSAGE_SELF, &usage) == 0);
    return int64_t(usage.ru_maxrss) * 1024;  // Linux reports kilobytes
}

inline void write_file(const fs::path &path, std::string_view bytes) {
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), std::streamsize(bytes.size()));
    REQUIRE(out.good());
}

template <typename T>
std::string bytes_of(const std::vector<T> &values) {
    return std::string(reinterpret_cast<const char *>(values.data()), values.size() * sizeof(T));
}

template <typename T>
std::vector<T> values_of(std::span<const std::byte> bytes) {
    std::vector<T> values(bytes.size() / sizeof(T));
    std::memcpy(values.data(), bytes.data(), values.size() * sizeof(T));
    return values;
}

// The preamble and header of a .npy file: magic, version, header length, then `dict` padded
// with spaces and a newline to a multiple of 64 bytes, as NumPy writes it.
inline std::string npy_header(std::string_view dict, int major = 1) {
    const size_t preamble = major == 1 ? 10 : 12;
    std::string header(dict);
    while ((preamble + header.size() + 1) % 64 != 0) header += ' ';
    header += '\n';
    std::string out = "\x93NUMPY";
    out += char(major);
    out += char(0);
    const size_t length = header.size();
    out += char(length & 0xff);
    out += char((length >> 8) & 0xff);
    if (major != 1) {
        out += char((length >> 16) & 0xff);
        out += char((length >> 24) & 0xff);
    }
    return out + header;
}

inline std::string npy_dict(std::string_view descr, std::string_view shape, std::string_view fortran = "False") {
    return "{'descr': '" + std::string(descr) + "', 'fortran_order': " + std::string(fortran) + ", 'shape': " +
           std::string(shape) + ", }";
}

// One TIFF page: its pixels (row-major) and how they are laid out in the file.
struct TiffPage {
    uint32_t width = 0, height = 0;
    uint16_t bits = 8;
    uint16_t sample_format = SAMPLEFORMAT_UINT;
    uint16_t samples = 1;
    std::string pixels;                      // width * height * samples * bits / 8 bytes
    uint16_t compression = COMPRESSION_NONE;
    uint32_t rows_per_strip = 0;             // 0: the whole image in one strip
    uint32_t tile_width = 0, tile_height = 0;  // tiled when non-zero
};

inline void write_tiff(const fs::path &path, const std::vector<TiffPage> &pages) {
    TIFF *tiff = TIFFOpen(path.c_str(), "w");
    REQUIRE(tiff != nullptr);
    for (const TiffPage &page : pages) {
        TIFFSetField(tiff, TIFFTAG_IMAGEWIDTH, page.width);
        TIFFSetField(tiff, TIFFTAG_IMAGELENGTH, page.height);
        TIFFSetField(tiff, TIFFTAG_BITSPERSAMPLE, page.bits);
        TIFFSetField(tiff, TIFFTAG_SAMPLEFORMAT, page.sample_format);
        TIFFSetField(tiff, TIFFTAG_SAMPLESPERPIXEL, page.samples);
        TIFFSetField(tiff, TIFFTAG_PHOTOMETRIC, page.samples == 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK);
        TIFFSetField(tiff, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
        TIFFSetField(tiff, TIFFTAG_COMPRESSION, page.compression);
        const size_t pixel_bytes = size_t(page.samples) * page.bits / 8, row_bytes = page.width * pixel_bytes;
        REQUIRE(page.pixels.size() == row_bytes * page.height);
        if (page.tile_width != 0) {
            TIFFSetField(tiff, TIFFTAG_TILEWIDTH, page.tile_width);
            TIFFSetField(tiff, TIFFTAG_TILELENGTH, page.tile_height);
            // Edge tiles are padded with 0xEE, which must never show up in what is read back.
            std::string tile(size_t(page.tile_width) * page.tile_height * pixel_bytes, '\xEE');
            for (uint32_t y = 0; y < page.height; y += page.tile_height) {
                for (uint32_t x = 0; x < page.width; x += page.tile_width) {
                    std::fill(tile.begin(), tile.end(), '\xEE');
                    for (uint32_t r = 0; r < page.tile_height && y + r < page.height; ++r) {
                        const size_t columns = std::min(page.tile_width, page.width - x);
                        std::memcpy(tile.data() + r * page.tile_width * pixel_bytes,
                                    page.pixels.data() + (y + r) * row_bytes + x * pixel_bytes, columns * pixel_bytes);
                    }
                    REQUIRE(TIFFWriteEncodedTile(tiff, TIFFComputeTile(tiff, x, y, 0, 0), tile.data(), tmsize_t(tile.size())) >= 0);
                }
            }
        } else {
            const uint32_t rows = page.rows_per_strip == 0 ? page.height : page.rows_per_strip;
            TIFFSetField(tiff, TIFFTAG_ROWSPERSTRIP, rows);
            for (uint32_t row = 0, strip = 0; row < page.height; row += rows, ++strip) {
                const size_t bytes = std::min(rows, page.height - row) * row_bytes;
                REQUIRE(TIFFWriteEncodedStrip(tiff, strip, const_cast<char *>(page.pixels.data()) + row * row_bytes,
                                              tmsize_t(bytes)) >= 0);
            }
        }
        REQUIRE(TIFFWriteDirectory(tiff));
    }
    TIFFClose(tiff);
}

}  // namespace scenehost::test
