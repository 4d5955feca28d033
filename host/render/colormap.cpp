#include "render/colormap.hpp"

#include <cmath>

#include "base/assert.hpp"
#include "render/colormap_tables.inc"

namespace scenehost::render {
namespace {

ColormapLut ramp(double r, double g, double b, bool reversed = false) {
    ColormapLut lut{};
    for (int i = 0; i < 256; ++i) {
        const double t = (reversed ? 255 - i : i) / 255.0;
        lut[4 * i + 0] = uint8_t(std::lround(t * r * 255));
        lut[4 * i + 1] = uint8_t(std::lround(t * g * 255));
        lut[4 * i + 2] = uint8_t(std::lround(t * b * 255));
        lut[4 * i + 3] = 255;
    }
    return lut;
}

ColormapLut from_table(const std::array<uint8_t, 768> &rgb) {
    ColormapLut lut{};
    for (int i = 0; i < 256; ++i) {
        for (int c = 0; c < 3; ++c) lut[4 * i + c] = rgb[3 * i + c];
        lut[4 * i + 3] = 255;
    }
    return lut;
}

// Hue from 0 to 360 degrees at full saturation and value, as matplotlib's hsv.
ColormapLut hsv() {
    ColormapLut lut{};
    for (int i = 0; i < 256; ++i) {
        const double h = i / 256.0 * 6.0;
        const double x = 1 - std::abs(std::fmod(h, 2.0) - 1);
        double r = 0, g = 0, b = 0;
        switch (int(h)) {
            case 0: r = 1, g = x; break;
            case 1: r = x, g = 1; break;
            case 2: g = 1, b = x; break;
            case 3: g = x, b = 1; break;
            case 4: r = x, b = 1; break;
            default: r = 1, b = x; break;
        }
        lut[4 * i + 0] = uint8_t(std::lround(r * 255));
        lut[4 * i + 1] = uint8_t(std::lround(g * 255));
        lut[4 * i + 2] = uint8_t(std::lround(b * 255));
        lut[4 * i + 3] = 255;
    }
    return lut;
}

}  // namespace

ColormapLut colormap_lut(std::string_view name) {
    if (name == "gray") return ramp(1, 1, 1);
    if (name == "gray_r") return ramp(1, 1, 1, true);
    if (name == "red") return ramp(1, 0, 0);
    if (name == "green") return ramp(0, 1, 0);
    if (name == "blue") return ramp(0, 0, 1);
    if (name == "cyan") return ramp(0, 1, 1);
    if (name == "magenta") return ramp(1, 0, 1);
    if (name == "yellow") return ramp(1, 1, 0);
    if (name == "viridis") return from_table(tables::kViridis);
    if (name == "magma") return from_table(tables::kMagma);
    if (name == "inferno") return from_table(tables::kInferno);
    if (name == "plasma") return from_table(tables::kPlasma);
    if (name == "turbo") return from_table(tables::kTurbo);
    if (name == "hsv") return hsv();
    SCENEHOST_ASSERT(false, "the layers reducer accepts only colormaps the renderer has");
    return {};
}

}  // namespace scenehost::render
