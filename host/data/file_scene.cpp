#include "data/file_scene.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <utility>

#include "data/open_source.hpp"

namespace scenehost::data {
namespace {

namespace fs = std::filesystem;

// "cells" for cells.npy and for an OME-Zarr directory given as cells.zarr/.
std::string stem_of(const fs::path &path) {
    const fs::path normal = path.lexically_normal();
    return (normal.has_filename() ? normal : normal.parent_path()).stem().string();
}

template <typename T>
void widen(std::span<const std::byte> bytes, std::optional<std::pair<double, double>> &range) {
    for (size_t i = 0; i < bytes.size(); i += sizeof(T)) {
        T value;
        std::memcpy(&value, bytes.data() + i, sizeof(T));
        const double v = double(value);
        if (!std::isfinite(v)) continue;
        if (!range) range.emplace(v, v);
        range->first = std::min(range->first, v);
        range->second = std::max(range->second, v);
    }
}

// The finite [min, max] of the coarsest level's middle plane, or nothing when it has no two
// different finite values (the layers reducer wants lo < hi).
std::optional<std::pair<double, double>> sampled_limits(const ArraySource &source) {
    const size_t level = source.level_count() - 1;
    const std::vector<int64_t> &shape = source.level_shape(level);
    std::vector<int64_t> middle;
    for (size_t axis = 0; axis + 2 < shape.size(); ++axis) middle.push_back((shape[axis] - 1) / 2);
    std::vector<std::byte> plane(size_t(shape[shape.size() - 2] * shape.back()) * dtype_bytes(source.dtype()));
    source.read_plane(level, middle, plane);
    std::optional<std::pair<double, double>> range;
    switch (source.dtype()) {
        case DType::uint8: widen<uint8_t>(plane, range); break;
        case DType::uint16: widen<uint16_t>(plane, range); break;
        case DType::float32: widen<float>(plane, range); break;
    }
    if (range && range->first < range->second) return range;
    return std::nullopt;
}

}  // namespace

Scene file_scene(const std::vector<fs::path> &paths, size_t first_layer) {
    Scene scene = empty_scene();
    boost::json::array &layers = scene.description.at("layers").as_array();
    for (size_t i = 0; i < paths.size(); ++i) {
        const std::string id = "layer-" + std::to_string(first_layer + i);
        std::shared_ptr<const ArraySource> source = open_array(paths[i]);
        boost::json::object layer = describe_layer(id, *source);
        layer["name"] = stem_of(paths[i]);
        if (const auto limits = sampled_limits(*source)) layer["contrast_limits"] = {limits->first, limits->second};
        layers.emplace_back(std::move(layer));
        scene.sources.emplace(id, std::move(source));
    }
    return scene;
}

}  // namespace scenehost::data
