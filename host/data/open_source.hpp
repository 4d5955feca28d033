// Opens a layer's data by what the path is: an OME-Zarr directory (it holds .zattrs), a .npy
// file or a .tif/.tiff file (the extension in any case).
#pragma once

#include <filesystem>
#include <memory>

#include "data/array_source.hpp"

namespace scenehost::data {

// Throws DataError naming the path and what is wrong: it does not exist, it is none of the
// formats above (the message lists them), or the format's own checks fail.
std::unique_ptr<ArraySource> open_array(const std::filesystem::path &path);

}  // namespace scenehost::data
