// scenehostctl's command line: one session with a host per run (snapshot, get, set, watch,
// screenshot, keyframe, command, mcp), and its exit codes, which scripts and agents act on.
#pragma once

#include <string_view>

namespace scenehost::ctl {

// Every exit code scenehostctl returns; its --help lists them.
namespace exit_code {
inline constexpr int kOk = 0;
inline constexpr int kRejected = 1;    // ack.state rejected with any code but state.conflict, or error.command
inline constexpr int kUsage = 2;       // bad arguments, bad JSON, an output file that cannot be written
inline constexpr int kConflict = 3;    // ack.state rejected with state.conflict (a stale --base-version)
inline constexpr int kConnection = 4;  // cannot connect, closed, timed out, the host broke the protocol or refused the session
inline constexpr int kAuth = 5;        // session.reject with session.unauthorized (no or a wrong --token)
}  // namespace exit_code

// Runs the command line; returns the exit code. `version` is the ctl's (the hello's client.version
// and the MCP serverInfo.version).
int run_ctl(int argc, char **argv, std::string_view version);

}  // namespace scenehost::ctl
