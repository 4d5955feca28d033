#include "data/demo_source.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>

#include "base/assert.hpp"

namespace scenehost::data {
namespace {

// Evaluates f at the centre of every voxel of each level, the coordinates normalised to [0, 1).
class ProceduralSource final : public ArraySource {
public:
    using Field = std::function<double(double z, double y, double x)>;  // in [0, 1]

    ProceduralSource(std::string name, DType dtype, double max_value, std::vector<std::vector<int64_t>> levels,
                     std::vector<std::string> labels, Field field)
        : name_(std::move(name)), dtype_(dtype), max_value_(max_value), levels_(std::move(levels)),
          labels_(std::move(labels)), field_(std::move(field)) {}

    size_t level_count() const override { return levels_.size(); }
    const std::vector<int64_t> &level_shape(size_t level) const override {
        SCENEHOST_ASSERT(level < levels_.size(), "a level the source has");
        return levels_[level];
    }
    DType dtype() const override { return dtype_; }
    std::vector<std::string> axis_labels() const override { return labels_; }
    std::string name() const override { return name_; }

    void read_plane(size_t level, std::span<const int64_t> index, std::span<std::byte> out) const override {
        const std::vector<int64_t> &shape = level_shape(level);
        SCENEHOST_ASSERT(index.size() + 2 == shape.size(), "one index per leading axis");
        const int64_t rows = shape[shape.size() - 2], cols = shape.back();
        SCENEHOST_ASSERT(out.size() == size_t(rows * cols) * dtype_bytes(dtype_), "out holds one plane");
        const double z = index.empty() ? 0.5 : (double(index.back()) + 0.5) / double(shape[shape.size() - 3]);
        size_t i = 0;
        for (int64_t r = 0; r < rows; ++r) {
            for (int64_t c = 0; c < cols; ++c) {
                store(out, i++, field_(z, (double(r) + 0.5) / double(rows), (double(c) + 0.5) / double(cols)));
            }
        }
    }

    void read_volume(size_t level, std::span<const int64_t> index, std::span<std::byte> out) const override {
        const std::vector<int64_t> &shape = level_shape(level);
        SCENEHOST_ASSERT(shape.size() >= 3 && index.size() + 3 == shape.size(), "one index per axis before the last three");
        const int64_t depth = shape[shape.size() - 3];
        const size_t plane_bytes = size_t(shape[shape.size() - 2] * shape.back()) * dtype_bytes(dtype_);
        SCENEHOST_ASSERT(out.size() == size_t(depth) * plane_bytes, "out holds one volume");
        std::vector<int64_t> plane_index(index.begin(), index.end());
        plane_index.push_back(0);
        for (int64_t z = 0; z < depth; ++z) {
            plane_index.back() = z;
            read_plane(level, plane_index, out.subspan(size_t(z) * plane_bytes, plane_bytes));
        }
    }

private:
    void store(std::span<std::byte> out, size_t i, double unit) const {
        const double v = std::clamp(unit, 0.0, 1.0) * max_value_;
        switch (dtype_) {
            case DType::uint8: out[i] = std::byte(uint8_t(std::lround(v))); return;
            case DType::uint16: {
                const uint16_t x = uint16_t(std::lround(v));
                std::memcpy(out.data() + 2 * i, &x, 2);
                return;
            }
            case DType::float32: {
                const float x = float(v);
                std::memcpy(out.data() + 4 * i, &x, 4);
                return;
            }
        }
    }

    std::string name_;
    DType dtype_;
    double max_value_;
    std::vector<std::vector<int64_t>> levels_;
    std::vector<std::string> labels_;
    Field field_;
};

double gaussian(double dz, double dy, double dx, double sigma) {
    return std::exp(-(dz * dz + dy * dy + dx * dx) / (2 * sigma * sigma));
}

}  // namespace

std::unique_ptr<ArraySource> make_demo_volume() {
    auto field = [](double z, double y, double x) {
        const double blobs = gaussian(z - 0.5, y - 0.35, x - 0.35, 0.08) + 0.8 * gaussian(z - 0.3, y - 0.65, x - 0.6, 0.06) +
                             0.6 * gaussian(z - 0.7, y - 0.6, x - 0.3, 0.05);
        const double r = std::sqrt((z - 0.5) * (z - 0.5) + (y - 0.5) * (y - 0.5) + (x - 0.5) * (x - 0.5));
        const double shell = 0.35 * std::exp(-std::pow((r - 0.42) / 0.02, 2));
        return blobs + shell;
    };
    return std::make_unique<ProceduralSource>("demo volume", DType::uint8, 255.0,
                                              std::vector<std::vector<int64_t>>{{64, 256, 256}, {32, 128, 128}},
                                              std::vector<std::string>{"z", "y", "x"}, field);
}

std::unique_ptr<ArraySource> make_demo_image() {
    auto field = [](double, double y, double x) {
        const double r = std::sqrt((y - 0.5) * (y - 0.5) + (x - 0.5) * (x - 0.5));
        return 0.5 * x + 0.5 * (0.5 + 0.5 * std::cos(r * 40.0)) * std::exp(-r * 2.0);
    };
    return std::make_unique<ProceduralSource>("demo image", DType::uint16, 4095.0,
                                              std::vector<std::vector<int64_t>>{{256, 256}},
                                              std::vector<std::string>{"y", "x"}, field);
}

}  // namespace scenehost::data
