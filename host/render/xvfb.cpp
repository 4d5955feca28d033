#include "render/xvfb.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <stdexcept>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include <spdlog/spdlog.h>

namespace scenehost::render {
namespace {

constexpr auto kStartTimeout = std::chrono::seconds(15);

}  // namespace

Display Display::acquire(std::string_view mode) {
    if (mode == "auto") {
        const char *display = std::getenv("DISPLAY");
        if (display != nullptr && display[0] != '\0') return Display(display, -1);
        return start_xvfb();
    }
    if (mode == "xvfb") return start_xvfb();
    if (mode.find(':') != std::string_view::npos) return Display(std::string(mode), -1);
    throw std::runtime_error("display '" + std::string(mode) + "': expected auto, xvfb or an X display such as :1");
}

// Xvfb picks a free display itself and writes its number to -displayfd, so two hosts never race
// for one.
Display Display::start_xvfb() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error(std::string("cannot start Xvfb: pipe: ") + std::strerror(errno));
    const pid_t pid = fork();
    if (pid < 0) throw std::runtime_error(std::string("cannot start Xvfb: fork: ") + std::strerror(errno));
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);  // never outlive the host
        const int devnull = open("/dev/null", O_RDWR);
        dup2(devnull, STDIN_FILENO);
        dup2(devnull, STDOUT_FILENO);
        dup2(devnull, STDERR_FILENO);
        const int fd = dup(fds[1]);  // without O_CLOEXEC, so Xvfb inherits it
        const std::string fd_text = std::to_string(fd);
        std::vector<const char *> argv = {"Xvfb", "-displayfd", fd_text.c_str(), "-screen", "0", "64x64x24",
                                          "-nolisten", "tcp", "-noreset", nullptr};
        execvp(argv[0], const_cast<char *const *>(argv.data()));
        _exit(127);
    }
    close(fds[1]);
    std::string text;
    const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
    while (text.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
        pollfd p{fds[0], POLLIN, 0};
        if (poll(&p, 1, 100) <= 0) continue;
        char buffer[32];
        const ssize_t n = read(fds[0], buffer, sizeof buffer);
        if (n <= 0) break;  // Xvfb exited (or could not be run) before it named a display
        text.append(buffer, size_t(n));
    }
    close(fds[0]);
    if (text.find('\n') == std::string::npos) {
        kill(pid, SIGTERM);
        int status = 0;
        waitpid(pid, &status, 0);
        const bool missing = WIFEXITED(status) && WEXITSTATUS(status) == 127;
        throw std::runtime_error(missing ? "cannot start Xvfb: it is not installed (Debian package xvfb); or set DISPLAY, "
                                           "or pass --display with an X display"
                                         : "cannot start Xvfb: it exited or did not name a display within 15 s");
    }
    Display display(":" + text.substr(0, text.find('\n')), pid);
    spdlog::info("started a private Xvfb on display {}", display.name());
    return display;
}

Display::Display(Display &&other) noexcept : name_(std::move(other.name_)), xvfb_pid_(other.xvfb_pid_) {
    other.xvfb_pid_ = -1;
}

Display::~Display() {
    if (xvfb_pid_ <= 0) return;
    kill(xvfb_pid_, SIGTERM);
    int status = 0;
    waitpid(xvfb_pid_, &status, 0);
}

}  // namespace scenehost::render
