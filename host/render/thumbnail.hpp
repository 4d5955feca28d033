// A layer's 32 x 32 RGBA thumbnail for the layer list, computed from its data (not from the
// rendered frame) the way napari's Image._update_thumbnail does. Runs on the render thread; no
// GL, no Qt. The render thread keeps each layer's last ThumbnailKey and recomputes on a change.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/array_source.hpp"
#include "render/render_scene.hpp"

namespace scenehost::render {

struct Thumbnail {
    static constexpr int kSide = 32;
    // kSide * kSide * 4 bytes, RGBA, row-major; the top row is the data's first row (not flipped).
    std::vector<uint8_t> rgba;
    bool operator==(const Thumbnail &) const = default;
};

// Everything a layer's thumbnail depends on, and nothing else (no camera, no current level, no
// step of a shown axis): equal keys give equal thumbnails.
// LIFETIME: a key holds its layer's source, so no other source can take its address while the
// key lives (sources are immutable, so the address names the data). Drop the keys of removed
// layers to free their data.
struct ThumbnailKey {
    std::shared_ptr<const data::ArraySource> source;  // compared by address
    // The layer axes shown, outermost first: two (a plane: rows, columns) or three (the block
    // is projected by its maximum over axes[0], as napari does in 3D).
    std::vector<int64_t> axes;
    std::vector<int64_t> index;  // coarsest-level coordinates of the axes not shown, in axis order
    std::string colormap;
    std::array<double, 2> contrast_limits{0, 1};
    double gamma = 1;
    double opacity = 1;
    bool operator==(const ThumbnailKey &) const = default;
    // The same data sampled (what sample_thumbnail reads): only the colouring differs.
    bool same_data(const ThumbnailKey &o) const { return source == o.source && axes == o.axes && index == o.index; }
};

// The data values a thumbnail shows, before colouring: rows x columns samples (each side at most
// Thumbnail::kSide), row-major, the maximum over depth in 3D.
struct ThumbnailSamples {
    int rows = 0, columns = 0;
    std::vector<double> values;
};

// The key of `layer`'s thumbnail under `dims`. Which data it shows (napari's rule):
// - the coarsest level (level_count() - 1), whatever level the layer renders at;
// - the layer axes shown for dims.displayed() (layer_axes). A layer that does not span them
//   (a 2D image while the view shows z in 3D) shows what napari slices for it: its own axes in
//   dims order, the last min(ndisplay, its axis count) of them; a 2D layer shows its plane;
// - three shown axes (ndisplay 3, at least three layer axes): the 3D block at the fixed
//   coordinates, projected by its maximum over the outermost shown axis; otherwise the plane;
// - the other axes at the dims' current step mapped to the coarsest level by fixed_index (floor
//   of step * level size / full size, as the renderer picks its planes; napari rounds instead).
ThumbnailKey thumbnail_key(const LayerState &layer, const DimsState &dims);

// The thumbnail of `layer` under `dims`: what thumbnail_key chooses, computed from that key
// only, in two steps so that a change of colouring alone (contrast limits, gamma, colormap,
// opacity) need not read the data again: sample_thumbnail reads, colour_thumbnail colours.
// - Fit to 32 x 32 keeping aspect, as napari (scipy.ndimage.zoom, order 0): zoom = min(32 / rows,
//   32 / columns); each side becomes round_half_even(side * clamp(zoom * side, 1, 32) / side)
//   pixels (at least 1; upsampled when the data is smaller); output pixel o of an axis of n data
//   pixels and k output pixels samples data pixel floor(o * (n - 1) / (k - 1) + 0.5), pixel 0 when
//   k is 1, clamped to the data as scipy's mode 'nearest' (napari's default mode 'constant' reads 0
//   where rounding puts the last sample a hair past the edge, e.g. 15 * (31 / 15) > 31).
// - Each sample v: NaN (float32 data) counts as lo, then clip to the contrast limits [lo, hi],
//   x = (v - lo) / (hi - lo) (0 when hi == lo), x = x^gamma, RGBA = colormap_lut(colormap) at
//   round_half_even(x * 255), alpha = round_half_even(lut alpha * opacity).
// - Centred on 32 x 32 of transparent black: a side p short gets p / 2 before, (p + 1) / 2 after.
// - Blended onto opaque black as napari's Layer.thumbnail setter does: RGB x a, alpha
//   a8 x a + 255 x (1 - a) with a = a8 / 255, each truncated to uint8 (numpy's astype); so the
//   padding is opaque black and an opaque layer's alpha stays 255.
// Reads the coarsest level synchronously; throws what the source's reads throw (data::DataError
// from a corrupt strip, tile or chunk): the caller handles it, e.g. keeps the last thumbnail.
ThumbnailSamples sample_thumbnail(const ThumbnailKey &key);
Thumbnail colour_thumbnail(const ThumbnailSamples &samples, const ThumbnailKey &key);
Thumbnail make_thumbnail(const LayerState &layer, const DimsState &dims);  // both steps

}  // namespace scenehost::render
