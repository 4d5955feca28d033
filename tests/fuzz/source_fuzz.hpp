// For the data-source fuzz targets: open the input as a file, and do what the host does with a source that opened (describe it
// for the reducers, read its first plane and volume of every level, as the render thread does),
// bounded so that a header claiming a huge shape costs no memory. A read of a corrupt strip,
// tile or chunk throws DataError, which array_source.hpp documents and callers handle.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "data/array_source.hpp"
#include "fuzz_files.hpp"

namespace scenehost::fuzz {

inline constexpr int64_t kMaxReadBytes = 1 << 20;

// The first block spanned by the last `axes` axes of a level, if it is small enough to read.
inline void read_first_block(const data::ArraySource &source, size_t level, size_t axes) {
    const std::vector<int64_t> &shape = source.level_shape(level);
    if (shape.size() < axes) return;
    int64_t bytes = int64_t(data::dtype_bytes(source.dtype()));
    for (size_t i = shape.size() - axes; i < shape.size(); ++i) {
        if (shape[i] > kMaxReadBytes / bytes) return;  // also keeps the product from overflowing
        bytes *= shape[i];
    }
    const std::vector<int64_t> index(shape.size() - axes, 0);
    std::vector<std::byte> out(static_cast<size_t>(bytes));
    try {
        if (axes == 2) source.read_plane(level, index, out);
        else source.read_volume(level, index, out);
    } catch (const data::DataError &) {
        // A corrupt block: the documented outcome of a lazy read.
    }
}

inline void exercise(const data::ArraySource &source) {
    data::describe_layer("fuzz", source);
    for (size_t level = 0; level < source.level_count(); ++level) {
        read_first_block(source, level, 2);
        read_first_block(source, level, 3);
    }
}

// Opens `path` (a file or an image directory) with `open` and reads it; the documented refusal
// of an unusable input is DataError.
template <typename Open>
void open_and_read(Open open, const fs::path &path) {
    try {
        exercise(*open(path));
    } catch (const data::DataError &) {
        // Not a usable input: the refusal names it and why.
    }
}

// The input written as the one file `name` of a fresh scratch directory.
inline fs::path fresh_file(std::string_view name, std::string_view bytes) {
    const fs::path path = ScratchDir::fresh() / name;
    write_file(path, bytes);
    return path;
}

}  // namespace scenehost::fuzz
