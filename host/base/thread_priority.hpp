// Lowers the calling thread's OS scheduling priority below the control thread's: the render and
// encoder threads call it first thing (design.md, "Threads").
#pragma once

#include <string_view>

namespace scenehost::base {

// Puts the calling thread below the control thread in the OS scheduler (design.md, "Threads":
// the control lane's latency must not depend on rendering load): 10 nice steps below the
// thread that started it (at most 19), and the SCHED_IDLE policy (see the .cpp for why both).
// The render and encoder threads call it first thing, before they start threads of their own
// (llvmpipe's rasterizers, x264's workers), which inherit both. A refusal is logged as a
// warning naming errno and the thread runs on: slower replies under load, never wrong ones.
void lower_thread_priority(std::string_view thread_name);

}  // namespace scenehost::base
