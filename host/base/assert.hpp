// Invariant checks that stay on in every build: a violated invariant is a bug, and the
// process stops at once naming the file, line, condition and why it had to hold.
#pragma once

#include <string_view>

namespace scenehost::base {

[[noreturn]] void assert_failed(const char *file, int line, const char *condition, std::string_view why);

}  // namespace scenehost::base

#define SCENEHOST_ASSERT(condition, why)                                                  \
    do {                                                                                  \
        if (!(condition)) [[unlikely]] {                                                  \
            ::scenehost::base::assert_failed(__FILE__, __LINE__, #condition, (why));      \
        }                                                                                 \
    } while (false)
