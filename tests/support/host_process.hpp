// Runs the real scenehost executable as a child process on 127.0.0.1 with an OS-chosen port,
// reads the port from its "listening on" line, and stops it (SIGTERM) when destroyed. The child
// also dies with the test process (PR_SET_PDEATHSIG), so no server outlives a test.
#pragma once

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <poll.h>
#include <stdexcept>
#include <string>
#include <string_view>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace scenehost::test {

// Limits the child runs under, to provoke the host's fault handling, and a program it runs under.
struct ChildLimits {
    rlim_t max_file_bytes = RLIM_INFINITY;  // RLIMIT_FSIZE; writes past it fail with EFBIG
    std::vector<std::string> run_under;     // e.g. {"/usr/bin/strace", "-f", ...}: exec'd with the host's command line
};

class HostProcess {
public:
    // Without a --state-dir among the arguments, the host gets a fresh one of its own (removed
    // when this object is), so hosts of concurrent tests never share a state.
    explicit HostProcess(std::vector<std::string> arguments, ChildLimits limits = {}) {
        if (std::find(arguments.begin(), arguments.end(), "--state-dir") == arguments.end()) {
            own_state_dir_ = std::filesystem::temp_directory_path() /
                             ("scenehost-state-" + std::to_string(getpid()) + "-" + std::to_string(counter()++));
            std::filesystem::remove_all(own_state_dir_);
            arguments.insert(arguments.end(), {"--state-dir", own_state_dir_.string()});
        }
        arguments.insert(arguments.begin(), {SCENEHOST_EXECUTABLE, "serve", "--listen", "127.0.0.1:0"});
        arguments.insert(arguments.begin(), limits.run_under.begin(), limits.run_under.end());
        int out[2];
        if (pipe(out) != 0) throw std::runtime_error("pipe");
        pid_ = fork();
        if (pid_ == 0) {
            prctl(PR_SET_PDEATHSIG, SIGTERM);
            if (limits.max_file_bytes != RLIM_INFINITY) {
                signal(SIGXFSZ, SIG_IGN);  // inherited across exec: write(2) fails instead
                // Mesa's shader cache would meet the limit before the audit log does.
                setenv("MESA_SHADER_CACHE_DISABLE", "true", 1);
                const rlimit limit{limits.max_file_bytes, limits.max_file_bytes};
                setrlimit(RLIMIT_FSIZE, &limit);
            }
            dup2(out[1], STDOUT_FILENO);
            close(out[0]);
            std::vector<char *> argv;
            for (auto &a : arguments) argv.push_back(a.data());
            argv.push_back(nullptr);
            execv(argv[0], argv.data());
            _exit(127);
        }
        close(out[1]);
        stdout_ = out[0];
        port_ = read_port();
    }
    ~HostProcess() {
        stop();
        if (!own_state_dir_.empty()) std::filesystem::remove_all(own_state_dir_);
    }
    HostProcess(const HostProcess &) = delete;
    HostProcess &operator=(const HostProcess &) = delete;

    uint16_t port() const { return port_; }
    // The port of a single-route listener ("control", "pixels"), as its own "listening on" line
    // reported it (printed before the main one).
    uint16_t port_of(std::string_view what) const {
        const std::string line = "scenehost " + std::string(what) + " listening on 127.0.0.1:";
        const auto at = output_.find(line);
        if (at == std::string::npos) throw std::runtime_error("no " + line + " line in: " + output_);
        return static_cast<uint16_t>(std::stoi(output_.substr(at + line.size())));
    }
    pid_t pid() const { return pid_; }
    // SIGTERM and wait; returns the exit status.
    int stop() {
        if (pid_ <= 0) return status_;
        kill(pid_, SIGTERM);
        waitpid(pid_, &status_, 0);
        pid_ = -1;
        close(stdout_);
        return status_;
    }

    // Waits for the host to exit by itself; returns its exit code, or -1 if it did not exit in
    // time (then it is stopped) or was killed by a signal.
    int wait_exit(std::chrono::seconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            if (waitpid(pid_, &status_, WNOHANG) == pid_) {
                pid_ = -1;
                close(stdout_);
                return WIFEXITED(status_) ? WEXITSTATUS(status_) : -1;
            }
            usleep(10'000);
        }
        stop();
        return -1;
    }

private:
    uint16_t read_port() {
        std::string text;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (std::chrono::steady_clock::now() < deadline) {
            pollfd p{stdout_, POLLIN, 0};
            if (poll(&p, 1, 100) <= 0) continue;
            char buffer[256];
            const ssize_t n = read(stdout_, buffer, sizeof buffer);
            if (n <= 0) break;
            text.append(buffer, size_t(n));
            constexpr std::string_view kMain = "scenehost listening on 127.0.0.1:";
            const auto at = text.find(kMain);
            if (at != std::string::npos && text.find('\n', at) != std::string::npos) {
                output_ = text;
                return static_cast<uint16_t>(std::stoi(text.substr(at + kMain.size())));
            }
        }
        throw std::runtime_error("scenehost did not report its port; output: " + text);
    }

    pid_t pid_ = -1;
    int stdout_ = -1;
    int status_ = 0;
    uint16_t port_ = 0;
    static int &counter() {
        static int n = 0;
        return n;
    }

    std::string output_;  // stdout up to the main "listening on" line
    std::filesystem::path own_state_dir_;
};

}  // namespace scenehost::test
