// Invariant checks inside the vpl plugin (it cannot use the host's SCENEHOST_ASSERT): a broken
// invariant is a bug, so say where and why it had to hold, then abort.
#pragma once

#include <cstdio>
#include <cstdlib>

#define VPL_ASSERT(condition, why)                                                                      \
    do {                                                                                                \
        if (!(condition)) [[unlikely]] {                                                                \
            std::fprintf(stderr, "scenehost plugin 'vpl': %s:%d: assertion '%s' failed: %s\n", __FILE__, \
                         __LINE__, #condition, (why));                                                  \
            std::abort();                                                                               \
        }                                                                                               \
    } while (false)
