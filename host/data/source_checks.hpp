// Helpers the file sources share for checking what they read: every error names the file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "data/array_source.hpp"

namespace scenehost::data {

// "<file>: <what>", the form of every message about an unusable file.
DataError file_error(const std::filesystem::path &file, std::string_view what);

// The bytes of an array of `shape` with items of `item_bytes`, or nullopt when that does not fit
// in an int64 (a header claiming an absurd shape must fail, not wrap around).
std::optional<int64_t> checked_bytes(std::span<const int64_t> shape, size_t item_bytes);

// A shape as Python prints a tuple, "(4, 5)" or "(5,)", the way .npy headers and NumPy users write it.
std::string shape_text(std::span<const int64_t> shape);

// The largest block a source decodes at once (a chunk, a tile): bigger ones come from a broken
// or hostile header, and allocating them would take the host down instead of failing the file.
inline constexpr int64_t max_decoded_block_bytes = int64_t(1) << 30;

}  // namespace scenehost::data
