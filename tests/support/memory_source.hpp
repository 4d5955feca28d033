// An ArraySource over bytes in memory, one level, for tests that need exact pixel values; a
// test can make reads fail (throw data::DataError) to play a corrupt file found only on read.
#pragma once

#include <cstring>
#include <functional>
#include <numeric>
#include <span>
#include <vector>

#include "data/array_source.hpp"

namespace scenehost::test {

class MemorySource final : public data::ArraySource {
public:
    MemorySource(std::vector<int64_t> shape, data::DType dtype, std::vector<std::byte> bytes)
        : shape_(std::move(shape)), dtype_(dtype), bytes_(std::move(bytes)) {}

    // A uint8 array whose element at each C-order position i is f(i as coordinates).
    static std::shared_ptr<MemorySource> uint8(std::vector<int64_t> shape,
                                               const std::function<uint8_t(const std::vector<int64_t> &)> &f) {
        const int64_t n = std::accumulate(shape.begin(), shape.end(), int64_t(1), std::multiplies<>());
        std::vector<std::byte> bytes(static_cast<size_t>(n));
        std::vector<int64_t> at(shape.size(), 0);
        for (int64_t i = 0; i < n; ++i) {
            bytes[size_t(i)] = std::byte(f(at));
            for (size_t axis = shape.size(); axis-- > 0;) {
                if (++at[axis] < shape[axis]) break;
                at[axis] = 0;
            }
        }
        return std::make_shared<MemorySource>(std::move(shape), data::DType::uint8, std::move(bytes));
    }

    size_t level_count() const override { return 1; }
    const std::vector<int64_t> &level_shape(size_t) const override { return shape_; }
    data::DType dtype() const override { return dtype_; }
    std::vector<std::string> axis_labels() const override { return {}; }
    std::string name() const override { return "memory"; }

    void read_plane(size_t, std::span<const int64_t> index, std::span<std::byte> out) const override {
        copy(index, 2, out);
    }
    void read_volume(size_t, std::span<const int64_t> index, std::span<std::byte> out) const override {
        copy(index, 3, out);
    }

    mutable int reads = 0;
    // Called with the index of every read before it copies; a test throws DataError from it.
    std::function<void(std::span<const int64_t> index)> before_read;

private:
    void copy(std::span<const int64_t> index, size_t trailing, std::span<std::byte> out) const {
        ++reads;
        if (before_read) before_read(index);
        size_t block = data::dtype_bytes(dtype_);
        for (size_t axis = shape_.size() - trailing; axis < shape_.size(); ++axis) block *= size_t(shape_[axis]);
        size_t offset = 0;
        for (size_t axis = 0; axis < index.size(); ++axis) offset = offset * size_t(shape_[axis]) + size_t(index[axis]);
        std::memcpy(out.data(), bytes_.data() + offset * block, block);
    }

    std::vector<int64_t> shape_;
    data::DType dtype_;
    std::vector<std::byte> bytes_;
};

}  // namespace scenehost::test
