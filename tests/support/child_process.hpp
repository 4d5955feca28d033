// Runs a function in a forked child and reports how it ended and what it wrote to stderr:
// the way tests check that a violated invariant aborts with the right message.
#pragma once

#include <csignal>
#include <fcntl.h>
#include <functional>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace scenehost::test {

struct ChildEnd {
    int signal = 0;     // the signal that ended the child, 0 if it exited
    int exit_code = 0;  // its exit code when it exited
    std::string stderr_text;
};

inline ChildEnd run_in_child(const std::function<void()> &body) {
    int fds[2];
    if (pipe(fds) != 0) return {-1, -1, "pipe failed"};
    pid_t pid = fork();
    if (pid == 0) {
        // The child dies by its own signal, not through the test framework's handlers, and its
        // stdout (the framework's reporter) stays out of the parent's report.
        for (int sig : {SIGABRT, SIGSEGV, SIGILL, SIGFPE, SIGBUS, SIGTERM}) signal(sig, SIG_DFL);
        close(fds[0]);
        dup2(fds[1], STDERR_FILENO);
        const int null = open("/dev/null", O_WRONLY);
        dup2(null, STDOUT_FILENO);
        body();
        _exit(0);
    }
    close(fds[1]);
    ChildEnd end;
    char buffer[4096];
    for (ssize_t n; (n = read(fds[0], buffer, sizeof buffer)) > 0;) end.stderr_text.append(buffer, size_t(n));
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFSIGNALED(status)) end.signal = WTERMSIG(status);
    if (WIFEXITED(status)) end.exit_code = WEXITSTATUS(status);
    return end;
}

}  // namespace scenehost::test
