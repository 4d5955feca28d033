// napari's colormaps as 256-entry RGBA lookup tables, uploaded once per name.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace scenehost::render {

using ColormapLut = std::array<uint8_t, 256 * 4>;

// The table for one of the names the layers reducer accepts (asserts on any other).
ColormapLut colormap_lut(std::string_view name);

}  // namespace scenehost::render
