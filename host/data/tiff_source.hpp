// TIFF files through libtiff: one 2D image, or a multi-page stack where each page (directory) is
// one z plane, giving shape [pages, height, width]. Samples are 8- or 16-bit unsigned or 32-bit
// IEEE float, one per pixel, stored in strips or tiles with any codec libtiff decodes; every
// page has the same size and type. Opening reads only the directories; a plane is decoded when
// it is read. One level, no axis labels, named by the file stem.
#pragma once

#include <filesystem>
#include <memory>

#include "data/array_source.hpp"

namespace scenehost::data {

// Throws DataError naming the file and what is wrong: libtiff's own error, or the page (counted
// from 0, like z) whose size, sample type or codec does not fit. libtiff's messages become part
// of the DataError instead of going to stderr.
std::unique_ptr<ArraySource> open_tiff(const std::filesystem::path &path);

}  // namespace scenehost::data
