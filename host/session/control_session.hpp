// One /control connection: the handshake (hello → its dialect, welcome or reject, auth, resume tokens), then
// each frame through the router table to its lane, liveness by heartbeat, and the state.update
// rate limit. It talks to the rest of the host only through SessionServices.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.hpp"
#include "broadcast/broadcaster.hpp"
#include "broadcast/recipient.hpp"
#include "engine/intent_lane.hpp"
#include "protocol/client_frames.hpp"
#include "protocol/handshake.hpp"
#include "router/frame_table.hpp"
#include "session/session_config.hpp"
#include "transport/connection.hpp"
#include "metrics/metrics.hpp"

namespace scenehost::session {

class ControlSession;

// What a session needs of the registry that keeps it.
class SessionDirectory {
public:
    virtual ~SessionDirectory() = default;
    virtual bool accepting() const = 0;  // false once the host is stopping
    virtual void activated(ControlSession &session) = 0;
    virtual void ended(ControlSession &session) = 0;
};

using FrameTable = router::FrameTable<ControlSession>;

// Everything a session uses, shared by all sessions on the control thread.
// What the control sessions count for GET /metrics (io thread).
struct SessionMetrics {
    metrics::Family<metrics::Gauge> sessions{{"dialect"}};       // open sessions, "v1" / "v2"
    metrics::Family<metrics::Counter> frames_sent{{"type"}};     // frames queued, by frame type
    metrics::Family<metrics::Counter> bytes_sent{{"type"}};      // and their bytes
    metrics::Family<metrics::Counter> resumes{{"result"}};       // hellos with a token: "replayed" or "baseline"
};

struct SessionServices {
    boost::asio::io_context &io;
    const SessionConfig &config;
    const base::Clock &clock;
    protocol::Dialects &dialects;
    broadcast::Broadcaster &broadcaster;
    engine::IntentLane &lane;
    const FrameTable &router;
    SessionDirectory &directory;
    SessionMetrics &metrics;
};

class ControlSession final : public transport::ConnectionHandler,
                             public broadcast::Recipient,
                             public std::enable_shared_from_this<ControlSession> {
public:
    // The transport owns the connection, and the connection owns this handler: the session
    // refers back to it weakly, so nothing cycles when the io_context is torn down.
    ControlSession(const SessionServices &services, std::weak_ptr<transport::Connection> connection);
    ~ControlSession() override;

    // The router table every session dispatches through.
    static FrameTable frame_table();

    void start();  // arms the hello timeout
    void on_text(std::string_view text) override;
    void on_closed() override;
    void on_drained() override;

    const std::string &id() const override { return id_; }
    void send(std::string text, transport::SendClass send_class = transport::SendClass::kept,
              std::string coalesce_key = {}) override;
    // Bytes waiting in the connection's send queue (0 once it is gone).
    size_t queued_bytes() const override;
    // The dialect its hello negotiated (only an accepted session has one).
    protocol::Dialect &dialect() const override;

    bool active() const { return state_ == State::active; }
    void goodbye(std::string code, std::string reason, transport::CloseCode close_code);

    // The router's handlers, one per client frame type.
    void on_hello(const protocol::Envelope &envelope, const protocol::Hello &hello);
    void on_update(const protocol::Envelope &envelope, const protocol::StateUpdate &update);
    void on_command(const protocol::Envelope &envelope, const protocol::CallCommand &call);
    void on_ack(const protocol::Envelope &envelope, const protocol::SessionAck &ack);
    void on_goodbye(const protocol::Envelope &envelope, const protocol::Goodbye &goodbye);

private:
    enum class State { awaiting_hello, active, closed };

    void handshake(const protocol::Hello &hello);
    void on_error(const protocol::ProtocolError &error);
    // session.reject in `dialect`, then close.
    void reject(protocol::Dialect &dialect, protocol::Reject reject);
    void arm_heartbeat();
    bool take_update_token();  // token bucket; false: rate limited
    void end();                // leaves the broadcaster and the directory, stops the timers
    engine::Sender sender() { return {*this, actor_}; }
    std::shared_ptr<transport::Connection> connection() const;

    const SessionServices &services_;
    std::weak_ptr<transport::Connection> connection_;
    State state_ = State::awaiting_hello;
    protocol::Dialect *dialect_ = nullptr;  // set by the hello, for the session's whole life
    std::string id_;
    std::string actor_;
    boost::asio::steady_timer hello_timer_;
    boost::asio::steady_timer heartbeat_timer_;
    int silent_heartbeats_ = 0;  // heartbeats sent since the client last sent anything
    double bucket_tokens_;
    int64_t bucket_time_us_;
};

}  // namespace scenehost::session
