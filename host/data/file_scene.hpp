// The scene of `scenehost serve --open FILE...`: one layer per file, described for the reducers'
// seeding like the demo scene, with contrast limits from a sample of the data.
#pragma once

#include <filesystem>
#include <vector>

#include "data/demo_scene.hpp"

namespace scenehost::data {

// Opens each path with open_array, in order, as layers layer-N, layer-N+1, ... (N is
// first_layer; a scene loaded at run time takes ids never used before) named after the file
// stem. Contrast limits are the min and max of the finite values in one plane: the middle
// one (the middle position of every axis before the last two, where the dims sliders start) of
// the coarsest level; a plane of one value keeps the dtype's default limits. The dims follow
// from the layers' shapes as the dims reducer broadcasts them (the largest extent per
// right-aligned axis). Throws DataError naming the first file that cannot be opened or whose
// sample plane cannot be read.
Scene file_scene(const std::vector<std::filesystem::path> &paths, size_t first_layer = 0);

}  // namespace scenehost::data
