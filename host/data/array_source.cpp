#include "data/array_source.hpp"

#include "base/assert.hpp"

namespace scenehost::data {

std::string_view dtype_name(DType dtype) {
    switch (dtype) {
        case DType::uint8: return "uint8";
        case DType::uint16: return "uint16";
        case DType::float32: return "float32";
    }
    SCENEHOST_ASSERT(false, "a DType is one of the three");
    return {};
}

size_t dtype_bytes(DType dtype) {
    switch (dtype) {
        case DType::uint8: return 1;
        case DType::uint16: return 2;
        case DType::float32: return 4;
    }
    SCENEHOST_ASSERT(false, "a DType is one of the three");
    return 0;
}

boost::json::object describe_layer(std::string_view id, const ArraySource &source) {
    namespace json = boost::json;
    const std::vector<int64_t> &base = source.shape();
    json::array levels;
    for (size_t level = 0; level < source.level_count(); ++level) {
        const std::vector<int64_t> &shape = source.level_shape(level);
        json::array downsample;
        for (size_t axis = 0; axis < shape.size(); ++axis) downsample.emplace_back(double(base[axis]) / double(shape[axis]));
        levels.push_back(json::object{{"shape", json::array(shape.begin(), shape.end())},
                                      {"downsample", std::move(downsample)},
                                      {"path", std::to_string(level)}});
    }
    json::object layer{{"id", id},
                       {"name", source.name()},
                       {"shape", json::array(base.begin(), base.end())},
                       {"dtype", dtype_name(source.dtype())},
                       {"multiscale", std::move(levels)}};
    if (const auto labels = source.axis_labels(); !labels.empty()) {
        layer["axis_labels"] = json::array(labels.begin(), labels.end());
    }
    return layer;
}

}  // namespace scenehost::data
