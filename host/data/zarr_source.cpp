#include "data/zarr_source.hpp"

#include <blosc.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <bit>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <limits>
#include <list>
#include <mutex>
#include <optional>
#include <system_error>

#include "base/assert.hpp"
#include "base/json_text.hpp"
#include "data/source_checks.hpp"

namespace scenehost::data {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

// Chunks are copied out as stored, and the dtypes read here are little-endian.
static_assert(std::endian::native == std::endian::little, "zarr_source copies little-endian data unswapped");

// Decoded chunks kept for the next read: scrolling through z re-reads the chunks of the planes
// before, so a few are worth keeping, but never more than this (plus the chunk in use).
constexpr size_t chunk_cache_bytes = size_t(64) << 20;

// The whole file, or nullopt when it does not exist (a missing chunk is not an error).
std::optional<std::string> read_file(const fs::path &path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return std::nullopt;
        throw file_error(path, fmt::format("cannot open: {}", std::generic_category().message(errno)));
    }
    std::string bytes;
    char buffer[1 << 16];
    while (true) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            const int error = errno;
            ::close(fd);
            throw file_error(path, fmt::format("cannot read: {}", std::generic_category().message(error)));
        }
        if (n == 0) break;
        bytes.append(buffer, size_t(n));
    }
    ::close(fd);
    return bytes;
}

// One value inside a metadata file, with its name ("multiscales[0].datasets[1].path") so that
// every error says which file and which field is wrong.
struct Field {
    const fs::path &file;
    std::string name;  // empty for the top level
    const json::value &value;

    DataError error(std::string_view what) const {
        return file_error(file, name.empty() ? std::string(what) : fmt::format("{} {}", name, what));
    }
    // The value as written, shortened, to quote in errors.
    std::string quoted() const {
        const std::string text = base::to_json(value);
        return text.size() <= 80 ? text : text.substr(0, 77) + "...";
    }

    const json::object &object() const {
        if (!value.is_object()) throw error(fmt::format("is {}, not an object", quoted()));
        return value.get_object();
    }
    const json::array &array() const {
        if (!value.is_array()) throw error(fmt::format("is {}, not an array", quoted()));
        return value.get_array();
    }
    bool has(std::string_view key) const { return object().contains(key); }
    Field at(std::string_view key) const {
        const json::value *child = object().if_contains(key);
        if (child == nullptr) throw error(fmt::format("has no \"{}\"", key));
        return {file, name.empty() ? std::string(key) : fmt::format("{}.{}", name, key), *child};
    }
    Field at(size_t i) const {
        const json::array &items = array();
        if (i >= items.size()) throw error(items.empty() ? "is empty" : fmt::format("has no item {}", i));
        return {file, fmt::format("{}[{}]", name, i), items[i]};
    }
    std::string string() const {
        if (!value.is_string()) throw error(fmt::format("is {}, not a string", quoted()));
        return std::string(value.get_string());
    }
    int64_t integer() const {
        if (value.is_int64()) return value.get_int64();
        if (value.is_uint64() && value.get_uint64() <= uint64_t(std::numeric_limits<int64_t>::max())) {
            return int64_t(value.get_uint64());
        }
        throw error(fmt::format("is {}, not an integer", quoted()));
    }
    // A list of positive integers (a shape or a chunk shape).
    std::vector<int64_t> lengths() const {
        std::vector<int64_t> result;
        for (size_t i = 0; i < array().size(); ++i) {
            const int64_t length = at(i).integer();
            if (length <= 0) throw error(fmt::format("is {}; every length must be at least 1", quoted()));
            result.push_back(length);
        }
        return result;
    }
};

json::value parse_json_file(const fs::path &file, std::string_view why_needed) {
    const std::optional<std::string> text = read_file(file);
    if (!text) throw file_error(file, fmt::format("is missing; {}", why_needed));
    boost::system::error_code ec;
    json::value value = json::parse(*text, ec);
    if (ec) throw file_error(file, fmt::format("is not valid JSON: {}", ec.message()));
    return value;
}

enum class Compressor { none, zlib, blosc };

struct Level {
    fs::path directory;
    std::vector<int64_t> shape;
    std::vector<int64_t> chunks;
    std::string separator;  // between chunk indices in a chunk's file name
    Compressor compressor = Compressor::none;
    std::array<std::byte, 4> fill{};  // one item of fill_value
    size_t chunk_bytes = 0;           // every chunk, including those at the edges, is stored whole
};

std::optional<DType> zarr_dtype(std::string_view dtype) {
    if (dtype == "|u1") return DType::uint8;
    if (dtype == "<u2") return DType::uint16;
    if (dtype == "<f4") return DType::float32;
    return std::nullopt;
}

// fill_value as one item of dtype: an integer in range, a number or "NaN"/"Infinity"/"-Infinity"
// for floats, or null, which Zarr leaves undefined and which reads as 0 here.
std::array<std::byte, 4> parse_fill(const Field &field, DType dtype) {
    std::array<std::byte, 4> fill{};
    if (field.value.is_null()) return fill;
    if (dtype == DType::float32) {
        float value = 0;
        if (field.value.is_string()) {
            const std::string text = field.string();
            if (text == "NaN") {
                value = std::numeric_limits<float>::quiet_NaN();
            } else if (text == "Infinity") {
                value = std::numeric_limits<float>::infinity();
            } else if (text == "-Infinity") {
                value = -std::numeric_limits<float>::infinity();
            } else {
                throw field.error(fmt::format("is {}; a float fill value is a number, \"NaN\", \"Infinity\" or \"-Infinity\"",
                                              field.quoted()));
            }
        } else if (field.value.is_number()) {
            value = float(field.value.to_number<double>());
        } else {
            throw field.error(fmt::format("is {}, not a number", field.quoted()));
        }
        std::memcpy(fill.data(), &value, sizeof value);
        return fill;
    }
    const int64_t value = field.integer();
    const int64_t max = dtype == DType::uint8 ? 0xff : 0xffff;
    if (value < 0 || value > max) throw field.error(fmt::format("is {}, outside the range of {}", value, dtype_name(dtype)));
    const uint16_t item = uint16_t(value);
    std::memcpy(fill.data(), &item, dtype_bytes(dtype));  // little-endian: the low bytes first
    return fill;
}

// Reads <directory>/.zarray, the Zarr v2 metadata of one level, checking every field that
// decides how its chunks are stored.
Level read_level(const fs::path &directory, std::string_view listed_as, DType &dtype) {
    const fs::path file = directory / ".zarray";
    const json::value metadata = parse_json_file(file, fmt::format(".zattrs lists \"{}\" as a multiscale level", listed_as));
    const Field root{file, "", metadata};
    root.object();

    if (const int64_t format = root.at("zarr_format").integer(); format != 2) {
        throw file_error(file, fmt::format("zarr_format is {}; scenehost reads Zarr v2", format));
    }
    const std::string dtype_text = root.at("dtype").string();
    const std::optional<DType> parsed_dtype = zarr_dtype(dtype_text);
    if (!parsed_dtype) {
        const bool big_endian = !dtype_text.empty() && dtype_text[0] == '>';
        throw file_error(file, fmt::format("dtype \"{}\" is not supported{} (scenehost reads |u1, <u2 and <f4)", dtype_text,
                                           big_endian ? ": it is big-endian" : ""));
    }
    dtype = *parsed_dtype;
    if (const std::string order = root.at("order").string(); order != "C") {
        throw file_error(file, fmt::format("order is \"{}\"; scenehost reads C order only", order));
    }

    Level level;
    level.directory = directory;
    level.shape = root.at("shape").lengths();
    level.chunks = root.at("chunks").lengths();
    if (level.shape.size() < 2) {
        throw file_error(file, fmt::format("shape {} has fewer than the 2 axes a layer needs", shape_text(level.shape)));
    }
    if (level.chunks.size() != level.shape.size()) {
        throw file_error(file, fmt::format("chunks {} and shape {} have different numbers of axes",
                                           shape_text(level.chunks), shape_text(level.shape)));
    }
    if (!checked_bytes(level.shape, dtype_bytes(dtype))) {
        throw file_error(file, fmt::format("shape {} is too large to address", shape_text(level.shape)));
    }
    const std::optional<int64_t> chunk_bytes = checked_bytes(level.chunks, dtype_bytes(dtype));
    if (!chunk_bytes || *chunk_bytes > max_decoded_block_bytes) {
        throw file_error(file, fmt::format("chunks {} are larger than the {} bytes scenehost decodes at once",
                                           shape_text(level.chunks), max_decoded_block_bytes));
    }
    level.chunk_bytes = size_t(*chunk_bytes);

    const Field compressor = root.at("compressor");
    if (!compressor.value.is_null()) {
        const std::string id = compressor.at("id").string();
        if (id == "zlib") {
            level.compressor = Compressor::zlib;
        } else if (id == "blosc") {
            level.compressor = Compressor::blosc;
        } else {
            throw file_error(file, fmt::format("compressor \"{}\" is not supported (null, zlib and blosc are)", id));
        }
    }
    if (const Field filters = root.at("filters"); !filters.value.is_null() && !filters.array().empty()) {
        throw file_error(file, fmt::format("filters {} are not supported (only null)", filters.quoted()));
    }
    level.fill = parse_fill(root.at("fill_value"), dtype);
    level.separator = root.has("dimension_separator") ? root.at("dimension_separator").string() : ".";
    if (level.separator != "." && level.separator != "/") {
        throw file_error(file, fmt::format("dimension_separator is \"{}\", not \".\" or \"/\"", level.separator));
    }
    return level;
}

// Advances pos through the box [lo, hi] (inclusive) over its first `axes` axes, last axis
// fastest; false once every position has been visited.
bool step(std::vector<int64_t> &pos, const std::vector<int64_t> &lo, const std::vector<int64_t> &hi, size_t axes) {
    for (size_t axis = axes; axis-- > 0;) {
        if (pos[axis] < hi[axis]) {
            ++pos[axis];
            return true;
        }
        pos[axis] = lo[axis];
    }
    return false;
}

// C-order strides, in items, of an array of `extents`.
std::vector<int64_t> strides(const std::vector<int64_t> &extents) {
    std::vector<int64_t> result(extents.size(), 1);
    for (size_t axis = extents.size() - 1; axis-- > 0;) result[axis] = result[axis + 1] * extents[axis + 1];
    return result;
}

class ZarrSource final : public ArraySource {
public:
    explicit ZarrSource(const fs::path &directory) {
        // "cells.zarr/" names the same directory as "cells.zarr"; the name comes from its last part.
        const fs::path dir = directory.has_filename() ? directory : directory.parent_path();
        name_ = dir.stem().string();
        std::error_code ec;
        if (!fs::is_directory(dir, ec)) {
            throw file_error(dir, "is not a directory (an OME-Zarr image is a directory holding .zattrs)");
        }

        const fs::path zattrs_file = dir / ".zattrs";
        const json::value zattrs = parse_json_file(zattrs_file, "an OME-Zarr image directory has one");
        const Field multiscale = Field{zattrs_file, "", zattrs}.at("multiscales").at(0);

        const Field datasets = multiscale.at("datasets");
        if (datasets.array().empty()) throw datasets.error("is empty; an image needs at least one level");
        for (size_t i = 0; i < datasets.array().size(); ++i) {
            const Field path = datasets.at(i).at("path");
            const std::string relative = path.string();
            const fs::path level_path(relative);
            const bool escapes = std::find(level_path.begin(), level_path.end(), "..") != level_path.end();
            if (relative.empty() || level_path.is_absolute() || escapes) {
                throw path.error(fmt::format("is \"{}\", not a path inside the image directory", relative));
            }
            DType dtype = DType::uint8;
            Level level = read_level(dir / level_path, relative, dtype);
            if (i == 0) {
                dtype_ = dtype;
            } else if (dtype != dtype_) {
                throw file_error(level.directory / ".zarray",
                                 fmt::format("dtype is {} but level 0 is {}", dtype_name(dtype), dtype_name(dtype_)));
            } else if (level.shape.size() != levels_[0].shape.size()) {
                throw file_error(level.directory / ".zarray",
                                 fmt::format("shape {} has {} axes but level 0 has {}", shape_text(level.shape),
                                             level.shape.size(), levels_[0].shape.size()));
            }
            levels_.push_back(std::move(level));
        }

        const Field axes = multiscale.at("axes");
        for (size_t i = 0; i < axes.array().size(); ++i) labels_.push_back(axes.at(i).at("name").string());
        if (labels_.size() != levels_[0].shape.size()) {
            throw axes.error(fmt::format("names {} axes but the arrays have {}", labels_.size(), levels_[0].shape.size()));
        }
    }

    size_t level_count() const override { return levels_.size(); }
    const std::vector<int64_t> &level_shape(size_t level) const override {
        SCENEHOST_ASSERT(level < levels_.size(), "a level the source has");
        return levels_[level].shape;
    }
    DType dtype() const override { return dtype_; }
    std::vector<std::string> axis_labels() const override { return labels_; }
    std::string name() const override { return name_; }

    void read_plane(size_t level, std::span<const int64_t> index, std::span<std::byte> out) const override {
        const std::vector<int64_t> &shape = level_shape(level);
        SCENEHOST_ASSERT(index.size() + 2 == shape.size(), "one index per leading axis");
        SCENEHOST_ASSERT(out.size() == size_t(shape[shape.size() - 2] * shape.back()) * dtype_bytes(dtype_),
                         "out holds one plane");
        read_block(level, index, out);
    }

    void read_volume(size_t level, std::span<const int64_t> index, std::span<std::byte> out) const override {
        const std::vector<int64_t> &shape = level_shape(level);
        SCENEHOST_ASSERT(shape.size() >= 3 && index.size() + 3 == shape.size(), "one index per axis before the last three");
        SCENEHOST_ASSERT(out.size() == size_t(shape[shape.size() - 3] * shape[shape.size() - 2] * shape.back()) *
                                           dtype_bytes(dtype_),
                         "out holds one volume");
        read_block(level, index, out);
    }

private:
    struct CachedChunk {
        size_t level;
        std::vector<int64_t> position;
        std::vector<std::byte> items;
    };

    // Copies the block of `level` at `index` (one position per leading axis, every trailing
    // axis whole) into out in C order, from each chunk the block intersects.
    void read_block(size_t level_index, std::span<const int64_t> index, std::span<std::byte> out) const {
        const Level &level = levels_[level_index];
        const size_t axes = level.shape.size(), item = dtype_bytes(dtype_);
        // The block is [begin, end] (inclusive) and covers chunks [first, last].
        std::vector<int64_t> begin(axes, 0), end(axes), first(axes), last(axes), extents(axes);
        for (size_t axis = 0; axis < axes; ++axis) {
            if (axis < index.size()) {
                SCENEHOST_ASSERT(index[axis] >= 0 && index[axis] < level.shape[axis], "an index within the shape");
                begin[axis] = index[axis];
            }
            end[axis] = axis < index.size() ? index[axis] : level.shape[axis] - 1;
            extents[axis] = end[axis] - begin[axis] + 1;
            first[axis] = begin[axis] / level.chunks[axis];
            last[axis] = end[axis] / level.chunks[axis];
        }
        const std::vector<int64_t> out_strides = strides(extents), chunk_strides = strides(level.chunks);

        const std::lock_guard lock(mutex_);
        std::vector<int64_t> chunk = first, lo(axes), hi(axes);
        do {
            const std::vector<std::byte> &items = chunk_items(level_index, chunk);
            // The part of the block inside this chunk, copied one run along the last axis at a time.
            for (size_t axis = 0; axis < axes; ++axis) {
                lo[axis] = std::max(begin[axis], chunk[axis] * level.chunks[axis]);
                hi[axis] = std::min(end[axis], (chunk[axis] + 1) * level.chunks[axis] - 1);
            }
            const size_t run_bytes = size_t(hi.back() - lo.back() + 1) * item;
            std::vector<int64_t> row = lo;
            do {
                int64_t from = 0, to = 0;
                for (size_t axis = 0; axis < axes; ++axis) {
                    from += (row[axis] - chunk[axis] * level.chunks[axis]) * chunk_strides[axis];
                    to += (row[axis] - begin[axis]) * out_strides[axis];
                }
                std::memcpy(out.data() + size_t(to) * item, items.data() + size_t(from) * item, run_bytes);
            } while (step(row, lo, hi, axes - 1));
        } while (step(chunk, first, last, axes));
    }

    // The decoded chunk at `position`, from the cache or its file. The reference stays valid
    // until the next call.
    const std::vector<std::byte> &chunk_items(size_t level, const std::vector<int64_t> &position) const {
        for (auto it = cache_.begin(); it != cache_.end(); ++it) {
            if (it->level == level && it->position == position) {
                cache_.splice(cache_.begin(), cache_, it);  // most recently used first
                return cache_.front().items;
            }
        }
        cache_.push_front({level, position, decode_chunk(levels_[level], position)});
        cached_bytes_ += cache_.front().items.size();
        while (cached_bytes_ > chunk_cache_bytes && cache_.size() > 1) {
            cached_bytes_ -= cache_.back().items.size();
            cache_.pop_back();
        }
        return cache_.front().items;
    }

    std::vector<std::byte> decode_chunk(const Level &level, const std::vector<int64_t> &position) const {
        const fs::path file = level.directory / fmt::format("{}", fmt::join(position, level.separator));
        const std::optional<std::string> stored = read_file(file);
        std::vector<std::byte> items(level.chunk_bytes);
        const size_t expected = items.size();
        if (!stored) {
            const size_t item = dtype_bytes(dtype_);
            for (size_t at = 0; at < expected; at += item) std::memcpy(items.data() + at, level.fill.data(), item);
            return items;
        }
        switch (level.compressor) {
            case Compressor::none:
                if (stored->size() != expected) {
                    throw file_error(file, fmt::format("holds {} bytes, not the {} of an uncompressed chunk {} of {}",
                                                       stored->size(), expected, shape_text(level.chunks),
                                                       dtype_name(dtype_)));
                }
                std::memcpy(items.data(), stored->data(), expected);
                break;
            case Compressor::zlib: {
                // Room for one byte more than a chunk: zlib reports a full buffer the same way
                // whether the data goes on or is cut short, and with the spare byte "full" can
                // only mean too much data.
                items.resize(expected + 1);
                uLongf length = items.size();
                const int status = uncompress(reinterpret_cast<Bytef *>(items.data()), &length,
                                              reinterpret_cast<const Bytef *>(stored->data()), uLong(stored->size()));
                items.resize(expected);
                if (status == Z_BUF_ERROR) {
                    throw file_error(file, fmt::format("decompresses to more than the {} bytes of a chunk", expected));
                }
                if (status != Z_OK) {
                    throw file_error(file, fmt::format("is not valid zlib data ({})", status == Z_DATA_ERROR
                                                                                           ? "corrupt or truncated"
                                                                                           : zError(status)));
                }
                if (length != expected) {
                    throw file_error(file, fmt::format("decompresses to {} bytes, not the {} of a chunk", length, expected));
                }
                break;
            }
            case Compressor::blosc: {
                size_t length = 0;
                if (blosc_cbuffer_validate(stored->data(), stored->size(), &length) != 0) {
                    throw file_error(file, "is not a valid blosc buffer");
                }
                if (length != expected) {
                    throw file_error(file, fmt::format("decompresses to {} bytes, not the {} of a chunk", length, expected));
                }
                // The _ctx variant keeps no global state and starts no threads.
                const int decoded = blosc_decompress_ctx(stored->data(), items.data(), expected, 1);
                if (decoded != int(expected)) {
                    throw file_error(file, fmt::format("blosc cannot decompress it (error {})", decoded));
                }
                break;
            }
        }
        return items;
    }

    std::string name_;
    DType dtype_ = DType::uint8;
    std::vector<Level> levels_;
    std::vector<std::string> labels_;
    // Reads may come from more than one thread; the cache is their only shared state.
    mutable std::mutex mutex_;
    mutable std::list<CachedChunk> cache_;  // most recently used first
    mutable size_t cached_bytes_ = 0;
};

}  // namespace

std::unique_ptr<ArraySource> open_ome_zarr(const std::filesystem::path &directory) {
    return std::make_unique<ZarrSource>(directory);
}

}  // namespace scenehost::data
