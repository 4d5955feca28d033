// Where a layer's pixels come from: a dense N-d array (C order) of uint8, uint16 or float32,
// with optional multiscale levels, read lazily a plane or a volume at a time so that showing
// one slice of a 2 GiB dataset needs one slice of memory. Sources are external input: opening
// one checks it strictly and throws DataError naming the file and what is wrong with it. Reads
// are lazy, so read_plane / read_volume of a TIFF or OME-Zarr source throw DataError too when
// the strip, tile or chunk they need turns out corrupt; callers must handle it.
#pragma once

#include <boost/json/object.hpp>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace scenehost::data {

enum class DType { uint8, uint16, float32 };

std::string_view dtype_name(DType dtype);  // "uint8", "uint16", "float32"
size_t dtype_bytes(DType dtype);

// A file or directory that cannot be used as a layer; the message names it and the reason.
class DataError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class ArraySource {
public:
    virtual ~ArraySource() = default;

    // Level 0 is full resolution; every level has the same number of axes (at least 2).
    virtual size_t level_count() const = 0;
    virtual const std::vector<int64_t> &level_shape(size_t level) const = 0;
    virtual DType dtype() const = 0;
    // One label per axis, or empty when the source names none.
    virtual std::vector<std::string> axis_labels() const = 0;
    // A short human name (file stem, "demo volume").
    virtual std::string name() const = 0;

    // Copies the plane spanned by the last two axes at `index` (one position per leading axis)
    // of `level` into out, row-major; out holds rows * columns * dtype_bytes bytes.
    virtual void read_plane(size_t level, std::span<const int64_t> index, std::span<std::byte> out) const = 0;
    // Copies the block spanned by the last three axes at `index` (one position per axis before
    // them) of `level` into out, C order. Requires at least three axes.
    virtual void read_volume(size_t level, std::span<const int64_t> index, std::span<std::byte> out) const = 0;

    const std::vector<int64_t> &shape() const { return level_shape(0); }
};

// Layer id -> its data. Sources are read by the render thread only; they are immutable.
using SourceMap = std::map<std::string, std::shared_ptr<const ArraySource>, std::less<>>;

// The layer description reducers seed from (docs/sdk.md): id, name, shape, dtype, axis labels,
// multiscale levels with their downsample factors.
boost::json::object describe_layer(std::string_view id, const ArraySource &source);

}  // namespace scenehost::data
