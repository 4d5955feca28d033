// A session with a host over its control WebSocket (ws:// or wss://), for scenehostctl and its
// MCP server: TCP, TLS, the upgrade and hello/welcome; heartbeats answered; replies matched to
// their requests; notify frames kept in a bounded ring. Beast runs on an io_context thread of the
// client's own; public calls post to it and wait on futures, so only that thread touches the stream.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "protocol/client_frames.hpp"
#include "protocol/client_requests.hpp"

namespace scenehost::ctl {

// How a session with the host failed (the CLI's exit code follows from it).
enum class FailureKind {
    connection,  // cannot resolve or connect, TLS, the upgrade, closed, timed out, a frame breaking the protocol
    auth,        // session.reject with session.unauthorized
    refused,     // any other session.reject
};

// A failed connect or request. what() is "code: message".
class Failure : public std::runtime_error {
public:
    Failure(FailureKind kind, std::string code, std::string message, bool session_lost = true);

    FailureKind kind() const { return kind_; }
    const std::string &code() const { return code_; }
    const std::string &message() const { return message_; }
    // False only for a request whose answer did not come in time while the session lives on.
    bool session_lost() const { return session_lost_; }

private:
    FailureKind kind_;
    std::string code_;
    std::string message_;
    bool session_lost_;
};

// Where a control URL points.
struct Endpoint {
    bool tls = false;
    std::string host;    // a name or an address, IPv6 without its brackets
    std::string port;    // decimal, 1 to 65535 (default 80 for ws, 443 for wss)
    std::string target;  // the request target: path and query, starting with '/'
};
// ws://HOST[:PORT][/PATH][?QUERY] or wss://...; the error says which part is wrong.
std::variant<Endpoint, std::string> parse_url(std::string_view url);

// An ack.state as typed fields and as the payload the host sent.
struct AckResult {
    protocol::AckState ack;
    boost::json::object payload;
};

// The notify frames after a cursor.
struct NotifyBatch {
    std::vector<std::shared_ptr<const protocol::ServerFrame>> frames;  // oldest first
    uint64_t next_cursor = 0;  // pass it to the next call
    uint64_t missed = 0;       // frames after the cursor that are not in `frames` (pushed out of the ring, or over the limit)
};

// The newest notify frames of a session. Bounded: when full, the oldest goes. Thread-safe: the io
// thread pushes, the caller's thread reads. Frame n (counting from 1) is the n-th ever pushed.
class NotifyRing {
public:
    explicit NotifyRing(size_t capacity);
    void push(std::shared_ptr<const protocol::ServerFrame> frame);
    // Frames pushed after `cursor`, the newest `limit` of them.
    NotifyBatch since(uint64_t cursor, size_t limit) const;

private:
    mutable std::mutex mutex_;
    size_t capacity_;
    std::deque<std::shared_ptr<const protocol::ServerFrame>> frames_;
    uint64_t pushed_ = 0;
};

// What the CLI and the MCP server need of a host session. Every call goes through the host's
// session, auth, reducers and audit log under the session's actor. Calls throw Failure.
class HostSession {
public:
    virtual ~HostSession() = default;
    // The commands call.command may name (the welcome's catalogue).
    virtual const std::vector<std::string> &commands() const = 0;
    // A state.update and its ack. The caller checked scope and key are non-empty and the value
    // holds no unsendable number (protocol::unsendable_number).
    virtual AckResult update(const protocol::StateUpdate &update) = 0;
    // A call.command and its reply.command or error.command. The name is non-empty.
    virtual protocol::CommandAnswer command(const protocol::CallCommand &call) = 0;
    virtual NotifyBatch notifications_since(uint64_t cursor, size_t limit) = 0;
};

// Runs `call` again (every 100 ms) while the host answers command.retryable, for at most `window`;
// then the last answer. Only for commands that read: asking again must be harmless.
protocol::CommandAnswer command_until_ready(HostSession &host, const protocol::CallCommand &call,
                                            std::chrono::milliseconds window);

struct ConnectOptions {
    std::string url;
    std::optional<std::string> token;  // bearer token for the hello's auth
    std::string actor;                 // the hello's client.name: the host's actor id is "ACTOR#<session prefix>"
    std::string client_version;        // the hello's client.version
    std::map<std::string, bool, std::less<>> features;  // asked for on top of notify.scene/layers/stream
    std::chrono::milliseconds timeout{10'000};          // for connecting, and for each request's answer
    bool insecure = false;                              // wss: accept any certificate
    size_t ring_frames = 256;
};

class ControlClient final : public HostSession {
public:
    // Connects and handshakes; throws Failure. The URL passed parse_url; a feature asked for must
    // come back enabled. Thread-safe once connected (at most 60 threads waiting at a time).
    static std::unique_ptr<ControlClient> connect(const ConnectOptions &options);
    ~ControlClient() override;
    ControlClient(const ControlClient &) = delete;
    ControlClient &operator=(const ControlClient &) = delete;

    const std::string &session_id() const;
    double heartbeat_s() const;
    const std::vector<std::string> &commands() const override;
    AckResult update(const protocol::StateUpdate &update) override;
    protocol::CommandAnswer command(const protocol::CallCommand &call) override;
    NotifyBatch notifications_since(uint64_t cursor, size_t limit) override;

    // Hands each notify frame of the session to on_notify, the ones already in the ring first,
    // until it returns false. on_notify runs on the io thread. Blocks; throws Failure when the
    // session ends first.
    void watch(std::function<bool(const protocol::ServerFrame &)> on_notify);

    // session.goodbye, then waits (at most the timeout) for the host's goodbye and close. Idempotent.
    void close();

    struct Impl;  // Beast lives in the .cpp

private:
    explicit ControlClient(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace scenehost::ctl
