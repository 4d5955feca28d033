// Reads any two or three axes of an ArraySource, in any order, at one position of the others:
// the renderer's 2D planes and 3D volumes for whatever axes the dims display.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "data/array_source.hpp"

namespace scenehost::data {

// Copies the slab of `level` spanned by `axes` (two or three distinct axes, outermost first,
// e.g. {1, 3} for rows along axis 1 and columns along axis 3) into out, C order over `axes`.
// `fixed` holds one level coordinate per axis not in `axes`, in axis order. Lazy: the slab is
// gathered plane by plane (read_plane over the last two axes), so it costs one plane of memory
// besides out and reads only the planes that cross it; the source's own order (the last two or
// three axes, in order) is one read_plane / read_volume call. Throws what the source's reads
// throw (DataError from a corrupt strip, tile or chunk).
void read_slab(const ArraySource &source, size_t level, std::span<const int64_t> axes, std::span<const int64_t> fixed,
               std::span<std::byte> out);

}  // namespace scenehost::data
