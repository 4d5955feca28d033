// The built-in demo data, computed rather than stored, so `scenehost serve --demo` needs no
// files: a 3D volume (64 x 256 x 256 uint8, two multiscale levels) of blobs inside a shell, and
// a 2D image (256 x 256 uint16, 12-bit values) of rings over a gradient.
#pragma once

#include <memory>

#include "data/array_source.hpp"

namespace scenehost::data {

std::unique_ptr<ArraySource> make_demo_volume();
std::unique_ptr<ArraySource> make_demo_image();

}  // namespace scenehost::data
