// Session settings: heartbeat cadence, auth tokens, rate limits, command permissions.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace scenehost::session {

struct SessionConfig {
    double heartbeat_s = 15.0;                     // server heartbeat period; two missed → goodbye
    int64_t ack_timeout_ms = 250;                  // advertised to clients
    std::chrono::milliseconds hello_timeout{5000};  // no hello by then → session.reject
    std::vector<std::string> bearer_tokens;        // empty: no authentication
    double updates_per_s = 240.0;                  // token bucket refill for state.update
    double update_burst = 480.0;                   // token bucket capacity
    std::vector<std::string> allowed_commands;     // empty: every registered command
    size_t replay_budget_bytes = 2 << 20;          // a resume replay queues at most this much at once
    size_t history_bytes = size_t(64) << 20;       // resumable deltas kept per topic (layers, state)
    bool validate_built_frames = true;             // assert every built frame (cheap: no re-parse)
};

}  // namespace scenehost::session
