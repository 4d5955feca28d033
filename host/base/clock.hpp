// Time source injected into everything that keeps time-bounded state (history windows,
// audit timestamps), so tests control time.
#pragma once

#include <chrono>
#include <cstdint>

namespace scenehost::base {

// Wall-clock time in microseconds since the Unix epoch (UTC).
using TimeUs = int64_t;

class Clock {
public:
    virtual ~Clock() = default;
    virtual TimeUs now_us() const = 0;
};

// The real wall clock.
class SystemClock final : public Clock {
public:
    TimeUs now_us() const override {
        return std::chrono::duration_cast<std::chrono::microseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
    }
};

// A clock that moves only when told; for tests and benchmarks.
class ManualClock final : public Clock {
public:
    explicit ManualClock(TimeUs start_us = 1'700'000'000'000'000) : now_us_(start_us) {}
    TimeUs now_us() const override { return now_us_; }
    void advance_us(TimeUs delta_us) { now_us_ += delta_us; }

private:
    TimeUs now_us_;
};

}  // namespace scenehost::base
