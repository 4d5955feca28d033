// A child process with its stdin, stdout and stderr on pipes, for tests that drive a CLI
// line by line (scenehostctl, its MCP server over stdio).
#pragma once

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <optional>
#include <poll.h>
#include <string>
#include <string_view>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace scenehost::test {

using namespace std::chrono_literals;

// A program (scenehostctl) as a child: stdin, stdout and stderr are pipes; it dies with the test.
class CtlProcess {
public:
    CtlProcess(const std::string &executable, const std::vector<std::string> &arguments) {
        int in[2], out[2], err[2];
        REQUIRE(pipe2(in, O_CLOEXEC) == 0);
        REQUIRE(pipe2(out, O_CLOEXEC) == 0);
        REQUIRE(pipe2(err, O_CLOEXEC) == 0);
        pid_ = fork();
        if (pid_ == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            dup2(in[0], STDIN_FILENO);
            dup2(out[1], STDOUT_FILENO);
            dup2(err[1], STDERR_FILENO);
            std::vector<std::string> args = arguments;
            args.insert(args.begin(), executable);
            std::vector<char *> argv;
            for (auto &a : args) argv.push_back(a.data());
            argv.push_back(nullptr);
            execv(argv[0], argv.data());
            _exit(127);
        }
        close(in[0]);
        close(out[1]);
        close(err[1]);
        stdin_ = in[1];
        stdout_ = out[0];
        stderr_ = err[0];
    }
    ~CtlProcess() {
        if (pid_ > 0) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
        for (int fd : {stdin_, stdout_, stderr_}) {
            if (fd >= 0) close(fd);
        }
    }
    CtlProcess(const CtlProcess &) = delete;
    CtlProcess &operator=(const CtlProcess &) = delete;

    void write_line(const std::string &line) {
        const std::string text = line + "\n";
        size_t done = 0;
        while (done < text.size()) {
            const ssize_t n = write(stdin_, text.data() + done, text.size() - done);
            REQUIRE(n > 0);
            done += size_t(n);
        }
    }
    void close_stdin() {
        close(stdin_);
        stdin_ = -1;
    }

    // The next stdout line, or nothing when none comes in time (or stdout ended).
    std::optional<std::string> read_line(std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            if (const auto at = out_.find('\n'); at != std::string::npos) {
                std::string line = out_.substr(0, at);
                out_.erase(0, at + 1);
                return line;
            }
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0 || !pump(int(left.count()))) return std::nullopt;
        }
    }

    // Waits for the exit (reading the rest of stdout and stderr); the exit code.
    int wait(std::chrono::seconds timeout = 30s) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (stdout_ >= 0 || stderr_ >= 0) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) FAIL("scenehostctl did not exit in time; stderr: " << err_);
            pump(int(left.count()));
        }
        int status = 0;
        waitpid(pid_, &status, 0);
        pid_ = -1;
        INFO("stderr: " << err_);
        REQUIRE(WIFEXITED(status));
        return WEXITSTATUS(status);
    }

    const std::string &out() const { return out_; }  // what read_line has not taken
    const std::string &err() const { return err_; }

private:
    // Reads whatever stdout and stderr have within timeout_ms; false once stdout has ended.
    bool pump(int timeout_ms) {
        pollfd fds[2] = {{stdout_, POLLIN, 0}, {stderr_, POLLIN, 0}};
        if (poll(fds, 2, timeout_ms) <= 0) return stdout_ >= 0;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP)) == 0) continue;
            char buffer[65536];
            const ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
            int &fd = i == 0 ? stdout_ : stderr_;
            if (n <= 0) {
                close(fd);
                fd = -1;
            } else {
                (i == 0 ? out_ : err_).append(buffer, size_t(n));
            }
        }
        return stdout_ >= 0 || out_.find('\n') != std::string::npos;
    }

    pid_t pid_ = -1;
    int stdin_ = -1, stdout_ = -1, stderr_ = -1;
    std::string out_, err_;
};

// A JSON-RPC client of `scenehostctl mcp` over its stdio, as an MCP host (an agent) drives it.
class McpClient {
public:
    explicit McpClient(CtlProcess &process) : process_(process) {}

    // Sends one request and returns its result; requires an answer to this id in time.
    boost::json::object rpc(std::string_view method, boost::json::object params) {
        namespace json = boost::json;
        const int id = ++next_id_;
        process_.write_line(json::serialize(json::object{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}}));
        const auto line = process_.read_line(30s);
        INFO("stderr: " << process_.err());
        REQUIRE(line.has_value());
        json::object reply = json::parse(*line).as_object();
        INFO(*line);
        REQUIRE(reply.at("id") == id);
        REQUIRE(reply.contains("result"));
        return reply.at("result").as_object();
    }

    // initialize, then the initialized notification: the handshake every MCP host starts with.
    boost::json::object initialize(std::string_view client_name) {
        boost::json::object result = rpc("initialize", {{"protocolVersion", "2025-06-18"},
                                                        {"capabilities", boost::json::object{}},
                                                        {"clientInfo", {{"name", client_name}, {"version", "1"}}}});
        process_.write_line(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
        return result;
    }

private:
    CtlProcess &process_;
    int next_id_ = 0;
};

}  // namespace scenehost::test
