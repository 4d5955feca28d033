// NumPy .npy files (format versions 1.0, 2.0 and 3.0) of |u1, <u2 or <f4 in C order with at
// least two axes. The file is mapped read-only, so reading a plane touches only that plane's
// pages and a 2 GiB file costs one plane of memory. One level, no axis labels, named by stem.
#pragma once

#include <filesystem>
#include <memory>

#include "data/array_source.hpp"

namespace scenehost::data {

// Throws DataError naming the file and what is wrong: a bad magic or header, an unsupported
// dtype, Fortran order, fewer than two axes, or a size that does not match the header.
std::unique_ptr<ArraySource> open_npy(const std::filesystem::path &path);

}  // namespace scenehost::data
