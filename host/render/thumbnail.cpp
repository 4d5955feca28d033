#include "render/thumbnail.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <limits>
#include <span>

#include "base/assert.hpp"
#include "data/slab.hpp"
#include "render/colormap.hpp"
#include "render/layer_slice.hpp"

namespace scenehost::render {
namespace {

using data::DType;

// The layer axes napari slices for the thumbnail: the displayed ones when the layer spans them,
// else its own axes in dims order (the world order without the axes it lacks), the last
// min(ndisplay, axis count) of them (napari's _SliceInput.displayed for that layer).
std::vector<int64_t> shown_axes(const data::ArraySource &source, const DimsState &dims) {
    if (auto axes = layer_axes(source, dims, dims.displayed())) return std::move(*axes);
    const int64_t offset = int64_t(dims.nsteps.size()) - int64_t(source.shape().size());
    std::vector<int64_t> order;
    for (int64_t world : dims.order) {
        if (world >= offset) order.push_back(world - offset);
    }
    const size_t n = std::min(size_t(dims.ndisplay), order.size());
    return {order.end() - std::ptrdiff_t(n), order.end()};
}

// Round half to even, as Python's round and numpy's rint (the default rounding mode).
int64_t round_even(double x) { return int64_t(std::nearbyint(x)); }

// How many output pixels a side of `side` data pixels gets, and the data pixel each samples,
// as scipy.ndimage.zoom(order=0) with napari's zoom factor.
std::vector<int64_t> samples(int64_t side, double zoom) {
    const double fitted = std::clamp(zoom * double(side), 1.0, double(Thumbnail::kSide));
    const int64_t k = std::clamp<int64_t>(round_even(double(side) * (fitted / double(side))), 1, Thumbnail::kSide);
    const double step = k > 1 ? double(side - 1) / double(k - 1) : 1.0;
    std::vector<int64_t> at;
    for (int64_t o = 0; o < k; ++o) {
        at.push_back(std::clamp<int64_t>(int64_t(std::floor(double(o) * step + 0.5)), 0, side - 1));
    }
    return at;
}

double value_at(std::span<const std::byte> bytes, DType dtype, size_t element) {
    switch (dtype) {
        case DType::uint8: return double(std::to_integer<uint8_t>(bytes[element]));
        case DType::uint16: {
            uint16_t v;
            std::memcpy(&v, bytes.data() + element * sizeof v, sizeof v);
            return v;
        }
        case DType::float32: {
            float v;
            std::memcpy(&v, bytes.data() + element * sizeof v, sizeof v);
            return v;
        }
    }
    SCENEHOST_ASSERT(false, "a DType is one of the three");
    return 0;
}

// The RGBA napari's colour pipeline gives one sample.
std::array<uint8_t, 4> colour(double v, const ThumbnailKey &key, const ColormapLut &lut) {
    const auto [lo, hi] = key.contrast_limits;
    if (std::isnan(v)) v = lo;
    v = std::min(std::max(v, lo), hi);  // np.clip
    double x = hi != lo ? (v - lo) / (hi - lo) : 0.0;
    x = std::pow(x, key.gamma);
    if (!(x > 0)) x = 0;  // also a NaN from a bad gamma
    const size_t i = size_t(std::min<int64_t>(round_even(std::min(x, 1.0) * 255), 255));
    const double alpha = std::clamp(double(lut[4 * i + 3]) * key.opacity, 0.0, 255.0);
    return {lut[4 * i], lut[4 * i + 1], lut[4 * i + 2], uint8_t(round_even(alpha))};
}

}  // namespace

ThumbnailSamples sample_thumbnail(const ThumbnailKey &key) {
    const data::ArraySource &source = *key.source;
    const size_t level = source.level_count() - 1;
    const std::vector<int64_t> &shape = source.level_shape(level);
    const size_t n = key.axes.size();
    const int64_t depth = n == 3 ? shape[size_t(key.axes[0])] : 1;
    const int64_t rows = shape[size_t(key.axes[n - 2])], columns = shape[size_t(key.axes[n - 1])];

    std::vector<std::byte> bytes(size_t(depth * rows * columns) * data::dtype_bytes(source.dtype()));
    data::read_slab(source, level, key.axes, key.index, bytes);

    const double zoom = std::min(double(Thumbnail::kSide) / double(rows), double(Thumbnail::kSide) / double(columns));
    const std::vector<int64_t> row_at = samples(rows, zoom), column_at = samples(columns, zoom);
    ThumbnailSamples out;
    out.rows = int(row_at.size());
    out.columns = int(column_at.size());
    out.values.reserve(row_at.size() * column_at.size());
    for (int64_t row : row_at) {
        for (int64_t column : column_at) {
            // The maximum over depth; a NaN anywhere makes it NaN, as np.max.
            double v = -std::numeric_limits<double>::infinity();
            for (int64_t d = 0; d < depth; ++d) {
                const double s = value_at(bytes, source.dtype(), size_t((d * rows + row) * columns + column));
                v = std::isnan(s) || std::isnan(v) ? std::numeric_limits<double>::quiet_NaN() : std::max(v, s);
            }
            out.values.push_back(v);
        }
    }
    return out;
}

Thumbnail colour_thumbnail(const ThumbnailSamples &samples, const ThumbnailKey &key) {
    SCENEHOST_ASSERT(samples.values.size() == size_t(samples.rows * samples.columns) && samples.rows <= Thumbnail::kSide &&
                         samples.columns <= Thumbnail::kSide,
                     "samples fit the thumbnail");
    const int top = (Thumbnail::kSide - samples.rows) / 2, left = (Thumbnail::kSide - samples.columns) / 2;
    const ColormapLut lut = colormap_lut(key.colormap);
    // napari's Layer.thumbnail setter: transparent padding, then the whole blended onto opaque black.
    Thumbnail out;
    out.rgba.assign(size_t(Thumbnail::kSide * Thumbnail::kSide * 4), 0);
    for (int r = 0; r < samples.rows; ++r) {
        for (int c = 0; c < samples.columns; ++c) {
            const std::array<uint8_t, 4> rgba = colour(samples.values[size_t(r * samples.columns + c)], key, lut);
            std::copy(rgba.begin(), rgba.end(), out.rgba.begin() + std::ptrdiff_t(((top + r) * Thumbnail::kSide + left + c) * 4));
        }
    }
    for (size_t i = 0; i < out.rgba.size(); i += 4) {
        const double a = out.rgba[i + 3] / 255.0;
        for (size_t c = 0; c < 3; ++c) out.rgba[i + c] = uint8_t(double(out.rgba[i + c]) * a);  // astype truncates
        out.rgba[i + 3] = uint8_t(double(out.rgba[i + 3]) * a + 255.0 * (1 - a));
    }
    return out;
}

ThumbnailKey thumbnail_key(const LayerState &layer, const DimsState &dims) {
    SCENEHOST_ASSERT(layer.source != nullptr, "every projected layer has its data");
    const data::ArraySource &source = *layer.source;
    SCENEHOST_ASSERT(dims.nsteps.size() >= source.shape().size() && dims.current_step.size() == dims.nsteps.size(),
                     "the world has every axis of each layer and a step per axis");
    ThumbnailKey key;
    key.source = layer.source;
    key.axes = shown_axes(source, dims);
    key.index = fixed_index(source, source.level_count() - 1, dims, key.axes);
    key.colormap = layer.colormap;
    key.contrast_limits = layer.contrast_limits;
    key.gamma = layer.gamma;
    key.opacity = layer.opacity;
    return key;
}

Thumbnail make_thumbnail(const LayerState &layer, const DimsState &dims) {
    const ThumbnailKey key = thumbnail_key(layer, dims);
    return colour_thumbnail(sample_thumbnail(key), key);
}

}  // namespace scenehost::render
