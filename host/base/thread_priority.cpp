// Per-thread nice value and scheduling policy (Linux).
#include "base/thread_priority.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sched.h>
#include <spdlog/spdlog.h>
#include <string>
#include <sys/resource.h>
#include <unistd.h>

namespace scenehost::base {

void lower_thread_priority(std::string_view thread_name) {
    const auto thread = static_cast<pid_t>(gettid());
    auto warn = [&](const std::string &call) {
        const int error = errno;
        spdlog::warn("the {} thread may delay the control lane: {} failed with {} ({})", thread_name, call,
                     strerrorname_np(error), std::strerror(error));
    };
    // 1. Nice. On Linux the nice value belongs to each thread, not to the process: PRIO_PROCESS
    // with a thread id reads and sets the calling thread's alone (the control thread keeps its
    // own). Relative to the inherited value, so a host started under `nice` keeps the gap.
    constexpr int kStepsBelowControl = 10;
    errno = 0;
    const int current = getpriority(PRIO_PROCESS, static_cast<id_t>(thread));  // -1 is a valid nice
    if (current == -1 && errno != 0) {
        warn("getpriority");
    } else if (const int nice = std::min(current + kStepsBelowControl, 19);
               setpriority(PRIO_PROCESS, static_cast<id_t>(thread), nice) != 0) {
        warn("setpriority(nice " + std::to_string(nice) + ")");
    }
    // 2. SCHED_IDLE, because nice alone was not enough on the 2-core development VM (Linux 6.18,
    // EEVDF, HZ=250): with the render and encoder threads at nice 10, rendering still doubled the
    // control lane's p99 and, at 1600 updates/s, multiplied its median 4-17x, as if a woken
    // nice-0 thread waited out the running nice-10 thread's slice (up to a 4 ms tick). A thread
    // of the idle policy is preempted as soon as a normal thread wakes; measured, the lane then
    // stays near its rendering-off latency (docs/benchmarks.md, "Control channel"). The cost:
    // these threads get only CPU time no normal thread wants, so on a machine saturated by other
    // work the picture stalls before the control lane does. The nice value stays the fallback.
    const sched_param idle{};  // SCHED_IDLE takes priority 0
    if (sched_setscheduler(thread, SCHED_IDLE, &idle) != 0) warn("sched_setscheduler(SCHED_IDLE)");
}

}  // namespace scenehost::base
