// The bounds the host puts on what one client's request can make it allocate, as write limits
// the engine checks after the reducer: the reducers accept what the scene model allows, the host
// limits what it is willing to pay for on this machine.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/state_engine.hpp"

namespace scenehost::app {

// view.canvas_size: every frame buffer (the GL framebuffer, the readback, the YUV copy, the
// encoder's reference frames) grows with width x height, so the area is bounded by
// --max-canvas-pixels (8192 x 8192 would take about 2 GiB).
engine::WriteLimit canvas_limit(int64_t max_pixels);

}  // namespace scenehost::app
