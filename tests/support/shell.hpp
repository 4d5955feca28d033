// Runs a shell command to its end and returns its exit code and output (stdout and stderr).
#pragma once

#include <array>
#include <catch2/catch.hpp>
#include <cstdio>
#include <string>
#include <sys/wait.h>

namespace scenehost::test {

struct ShellRun {
    int exit_code = -1;  // -1 when the command did not exit normally
    std::string output;  // stdout and stderr, interleaved as written
};

inline ShellRun run_shell(const std::string &command) {
    FILE *pipe = popen((command + " 2>&1").c_str(), "r");
    REQUIRE(pipe != nullptr);
    ShellRun run;
    std::array<char, 4096> buffer{};
    while (size_t n = fread(buffer.data(), 1, buffer.size(), pipe)) run.output.append(buffer.data(), n);
    const int status = pclose(pipe);
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return run;
}

}  // namespace scenehost::test
