#include "data/source_checks.hpp"

#include <fmt/format.h>

namespace scenehost::data {

DataError file_error(const std::filesystem::path &file, std::string_view what) {
    return DataError(fmt::format("{}: {}", file.string(), what));
}

std::optional<int64_t> checked_bytes(std::span<const int64_t> shape, size_t item_bytes) {
    int64_t bytes = int64_t(item_bytes);
    for (int64_t length : shape) {
        if (length < 0 || __builtin_mul_overflow(bytes, length, &bytes)) return std::nullopt;
    }
    return bytes;
}

std::string shape_text(std::span<const int64_t> shape) {
    if (shape.size() == 1) return fmt::format("({},)", shape[0]);
    return fmt::format("({})", fmt::join(shape, ", "));
}

}  // namespace scenehost::data
