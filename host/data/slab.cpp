#include "data/slab.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

#include "base/assert.hpp"

namespace scenehost::data {

void read_slab(const ArraySource &source, size_t level, std::span<const int64_t> axes, std::span<const int64_t> fixed,
               std::span<std::byte> out) {
    const std::vector<int64_t> &shape = source.level_shape(level);
    const int64_t m = int64_t(shape.size());
    const size_t n = axes.size(), bytes = dtype_bytes(source.dtype());
    SCENEHOST_ASSERT(n == 2 || n == 3, "a slab spans two or three axes");
    SCENEHOST_ASSERT(fixed.size() + n == size_t(m), "one fixed coordinate per axis not shown");
    // shown[a]: where axis a is in `axes`, or -1; stride[k]: out's element stride along axes[k].
    std::vector<int64_t> shown(size_t(m), -1);
    std::vector<size_t> stride(n, 1);
    size_t elements = 1;
    for (size_t k = n; k-- > 0;) {
        SCENEHOST_ASSERT(axes[k] >= 0 && axes[k] < m && shown[size_t(axes[k])] < 0, "distinct axes of the source");
        shown[size_t(axes[k])] = int64_t(k);
        stride[k] = elements;
        elements *= size_t(shape[size_t(axes[k])]);
    }
    SCENEHOST_ASSERT(out.size() == elements * bytes, "out holds the slab");

    // The source's own order is one call.
    const bool last_two = n == 2 && axes[0] == m - 2 && axes[1] == m - 1;
    const bool last_three = n == 3 && axes[0] == m - 3 && axes[1] == m - 2 && axes[2] == m - 1;
    if (last_two) return source.read_plane(level, fixed, out);
    if (last_three) return source.read_volume(level, fixed, out);

    // Otherwise walk every combination of the shown axes before the last two (an odometer over
    // `at`), read the plane of the last two there and copy out its elements that lie in the slab.
    std::vector<int64_t> at(size_t(m), 0);
    for (int64_t a = 0, f = 0; a < m; ++a) {
        if (shown[size_t(a)] < 0) at[size_t(a)] = fixed[size_t(f++)];
    }
    const int64_t rows = shape[size_t(m - 2)], columns = shape[size_t(m - 1)];
    const bool rows_shown = shown[size_t(m - 2)] >= 0, columns_shown = shown[size_t(m - 1)] >= 0;
    std::vector<std::byte> plane(size_t(rows * columns) * bytes);
    while (true) {
        source.read_plane(level, std::span(at).first(size_t(m - 2)), plane);
        size_t base = 0;  // out's element offset of the shown leading axes
        for (int64_t a = 0; a < m - 2; ++a) {
            if (shown[size_t(a)] >= 0) base += size_t(at[size_t(a)]) * stride[size_t(shown[size_t(a)])];
        }
        const int64_t r0 = rows_shown ? 0 : at[size_t(m - 2)], r1 = rows_shown ? rows : r0 + 1;
        const int64_t c0 = columns_shown ? 0 : at[size_t(m - 1)], c1 = columns_shown ? columns : c0 + 1;
        for (int64_t r = r0; r < r1; ++r) {
            for (int64_t c = c0; c < c1; ++c) {
                size_t to = base;
                if (rows_shown) to += size_t(r) * stride[size_t(shown[size_t(m - 2)])];
                if (columns_shown) to += size_t(c) * stride[size_t(shown[size_t(m - 1)])];
                std::memcpy(out.data() + to * bytes, plane.data() + size_t(r * columns + c) * bytes, bytes);
            }
        }
        // Next combination of the shown leading axes; done when they all wrapped.
        int64_t a = m - 2;
        while (a-- > 0) {
            if (shown[size_t(a)] < 0) continue;
            if (++at[size_t(a)] < shape[size_t(a)]) break;
            at[size_t(a)] = 0;
        }
        if (a < 0) return;
    }
}

}  // namespace scenehost::data
