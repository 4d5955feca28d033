// Which part of a layer the dims show: world dims mapped to the layer's own axes and to the
// coordinates of one pyramid level. Shared by the renderer and the thumbnail; no GL, no Qt.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "data/array_source.hpp"
#include "render/render_scene.hpp"

namespace scenehost::render {

// The level coordinate of a world step along a layer axis: floor(step * level size / base size), clamped.
int64_t level_index(const data::ArraySource &source, size_t level, size_t axis, int64_t world_step);

// The layer axes shown for the world's displayed axes; nothing when the layer lacks one (a 2D image, z shown).
std::optional<std::vector<int64_t>> layer_axes(const data::ArraySource &source, const DimsState &dims,
                                               const std::vector<int64_t> &displayed);

// The level coordinates of the layer axes not in `shown`, in axis order, at the dims' current step.
std::vector<int64_t> fixed_index(const data::ArraySource &source, size_t level, const DimsState &dims,
                                 std::span<const int64_t> shown);

}  // namespace scenehost::render
