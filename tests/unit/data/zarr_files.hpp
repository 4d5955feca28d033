// The OME-Zarr writer of the data-source tests (and of the zarr fuzz target's seeds): levels of
// raw, zlib- or blosc-compressed chunks with their .zarray, and the image's .zattrs.
#pragma once

#include <blosc.h>
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "unit/data/data_files.hpp"

namespace scenehost::test {

enum class ZarrCodec { raw, zlib, blosc };

// One level as the test writes it: the whole array in C order, cut into chunks on disk.
struct ZarrLevel {
    std::string path = "0";
    std::vector<int64_t> shape{}, chunks{};
    std::string dtype = "|u1";
    ZarrCodec codec = ZarrCodec::raw;
    std::string separator{};  // dimension_separator; empty leaves it out ("." by default)
    std::string fill = "0";  // fill_value as JSON
    std::string pixels{};
    std::vector<std::vector<int64_t>> missing{};  // chunks not written
};

inline std::string json_list(const std::vector<int64_t> &values) {
    std::string out = "[";
    for (size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + std::to_string(values[i]);
    return out + "]";
}

inline size_t item_bytes(const std::string &dtype) { return dtype == "|u1" ? 1 : dtype == "<u2" ? 2 : 4; }

// Steps pos through [0, extents) with the last axis fastest; false after the last position.
inline bool next(std::vector<int64_t> &pos, const std::vector<int64_t> &extents) {
    for (size_t axis = pos.size(); axis-- > 0;) {
        if (++pos[axis] < extents[axis]) return true;
        pos[axis] = 0;
    }
    return false;
}

inline std::string encode(ZarrCodec codec, const std::string &chunk, size_t item) {
    if (codec == ZarrCodec::zlib) {
        uLongf length = compressBound(uLong(chunk.size()));
        std::string out(length, '\0');
        REQUIRE(compress2(reinterpret_cast<Bytef *>(out.data()), &length, reinterpret_cast<const Bytef *>(chunk.data()),
                          uLong(chunk.size()), 5) == Z_OK);
        out.resize(length);
        return out;
    }
    if (codec == ZarrCodec::blosc) {
        std::string out(chunk.size() + BLOSC_MAX_OVERHEAD, '\0');
        const int length = blosc_compress_ctx(5, BLOSC_SHUFFLE, item, chunk.size(), chunk.data(), out.data(), out.size(),
                                              "lz4", 0, 1);
        REQUIRE(length > 0);
        out.resize(size_t(length));
        return out;
    }
    return chunk;
}

inline std::string zarray_json(const ZarrLevel &level) {
    const std::string compressor = level.codec == ZarrCodec::zlib    ? R"({"id": "zlib", "level": 5})"
                                   : level.codec == ZarrCodec::blosc ? R"({"id": "blosc", "cname": "lz4", "clevel": 5, "shuffle": 1, "blocksize": 0})"
                                                                 : "null";
    std::string json = R"({"zarr_format": 2, "shape": )" + json_list(level.shape) + R"(, "chunks": )" +
                       json_list(level.chunks) + R"(, "dtype": ")" + level.dtype + R"(", "order": "C", "fill_value": )" +
                       level.fill + R"(, "compressor": )" + compressor + R"(, "filters": null)";
    if (!level.separator.empty()) json += R"(, "dimension_separator": ")" + level.separator + "\"";
    return json + "}";
}

inline void write_level(const fs::path &image, const ZarrLevel &level) {
    const fs::path dir = image / level.path;
    write_file(dir / ".zarray", zarray_json(level));
    const size_t axes = level.shape.size(), item = item_bytes(level.dtype);
    std::vector<int64_t> grid(axes);
    for (size_t axis = 0; axis < axes; ++axis) grid[axis] = (level.shape[axis] + level.chunks[axis] - 1) / level.chunks[axis];
    std::vector<int64_t> chunk(axes, 0);
    do {
        if (std::find(level.missing.begin(), level.missing.end(), chunk) != level.missing.end()) continue;
        // Chunks are stored whole; the part past the array's edge is 0xAB, which must never be read back.
        std::string bytes;
        std::vector<int64_t> local(axes, 0);
        do {
            bool inside = true;
            size_t flat = 0;
            for (size_t axis = 0; axis < axes; ++axis) {
                const int64_t at = chunk[axis] * level.chunks[axis] + local[axis];
                inside = inside && at < level.shape[axis];
                flat = flat * size_t(level.shape[axis]) + size_t(at);
            }
            bytes += inside ? level.pixels.substr(flat * item, item) : std::string(item, '\xAB');
        } while (next(local, level.chunks));
        std::string key;
        for (size_t axis = 0; axis < axes; ++axis) {
            key += (axis ? (level.separator.empty() ? "." : level.separator) : "") + std::to_string(chunk[axis]);
        }
        write_file(dir / key, encode(level.codec, bytes, item));
    } while (next(chunk, grid));
}

inline void write_image(const fs::path &image, const std::vector<ZarrLevel> &levels, const std::vector<std::string> &axes) {
    std::string axes_json, datasets_json;
    for (const std::string &axis : axes) {
        axes_json += std::string(axes_json.empty() ? "" : ", ") + R"({"name": ")" + axis + R"(", "type": "space"})";
    }
    for (const ZarrLevel &level : levels) {
        datasets_json += std::string(datasets_json.empty() ? "" : ", ") + R"({"path": ")" + level.path +
                         R"(", "coordinateTransformations": [{"type": "scale", "scale": [1, 1, 1]}]})";
        write_level(image, level);
    }
    write_file(image / ".zattrs", R"({"multiscales": [{"version": "0.4", "name": "test", "axes": [)" + axes_json +
                                      R"(], "datasets": [)" + datasets_json + "]}]}");
}

}  // namespace scenehost::test
