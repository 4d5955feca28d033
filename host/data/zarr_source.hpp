// OME-Zarr images (NGFF 0.4) in Zarr v2 directory stores. .zattrs names the multiscale levels
// (multiscales[0].datasets[].path, full resolution first) and the axes; each level is a Zarr v2
// array of |u1, <u2 or <f4 in C order, its chunks stored raw, zlib- or blosc-compressed, keyed
// with "." or "/". Chunks are read when a plane or volume needs them (a few recently decoded
// ones are kept), and a missing chunk file is the array's fill_value. Named by the directory stem.
#pragma once

#include <filesystem>
#include <memory>

#include "data/array_source.hpp"

namespace scenehost::data {

// Throws DataError naming the metadata file and what is wrong with it. Reads throw DataError
// naming the chunk file when a chunk cannot be decoded to its expected size.
std::unique_ptr<ArraySource> open_ome_zarr(const std::filesystem::path &directory);

}  // namespace scenehost::data
