// Prints a failed invariant to stderr (unbuffered) and aborts.
#include "base/assert.hpp"

#include <cstdio>
#include <cstdlib>

namespace scenehost::base {

void assert_failed(const char *file, int line, const char *condition, std::string_view why) {
    std::fprintf(stderr, "scenehost: invariant violated at %s:%d: %s (%.*s)\n", file, line, condition,
                 static_cast<int>(why.size()), why.data());
    std::fflush(stderr);
    std::abort();
}

}  // namespace scenehost::base
