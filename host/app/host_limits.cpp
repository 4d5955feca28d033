#include "app/host_limits.hpp"

#include <fmt/format.h>

namespace scenehost::app {

engine::WriteLimit canvas_limit(int64_t max_pixels) {
    return {"canvas_pixels", "view", "canvas_size",
            [max_pixels](const boost::json::value &value) -> std::optional<engine::WriteLimit::Breach> {
                // The settings reducer's schema: [width, height], integers in [16, 8192].
                const int64_t width = value.at(0).to_number<int64_t>(), height = value.at(1).to_number<int64_t>();
                if (width * height <= max_pixels) return std::nullopt;
                return engine::WriteLimit::Breach{
                    fmt::format("view.canvas_size {}x{} is {} pixels; this host renders at most {} "
                                "(--max-canvas-pixels)",
                                width, height, width * height, max_pixels),
                    {{"pixels", width * height}, {"maximum", max_pixels}}};
            }};
}

}  // namespace scenehost::app
