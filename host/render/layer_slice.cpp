#include "render/layer_slice.hpp"

#include <algorithm>

namespace scenehost::render {

int64_t level_index(const data::ArraySource &source, size_t level, size_t axis, int64_t world_step) {
    const int64_t base = source.shape()[axis], size = source.level_shape(level)[axis];
    return std::clamp<int64_t>(world_step * size / base, 0, size - 1);
}

std::optional<std::vector<int64_t>> layer_axes(const data::ArraySource &source, const DimsState &dims,
                                               const std::vector<int64_t> &displayed) {
    const int64_t offset = int64_t(dims.nsteps.size()) - int64_t(source.shape().size());
    std::vector<int64_t> axes;
    for (int64_t world : displayed) {
        if (world - offset < 0) return std::nullopt;
        axes.push_back(world - offset);
    }
    return axes;
}

std::vector<int64_t> fixed_index(const data::ArraySource &source, size_t level, const DimsState &dims,
                                 std::span<const int64_t> shown) {
    const size_t m = source.shape().size();
    const size_t offset = dims.nsteps.size() - m;
    std::vector<int64_t> index;
    for (size_t axis = 0; axis < m; ++axis) {
        if (std::find(shown.begin(), shown.end(), int64_t(axis)) != shown.end()) continue;
        index.push_back(level_index(source, level, axis, dims.current_step[offset + axis]));
    }
    return index;
}

}  // namespace scenehost::render
