// One /control connection: the handshake (hello → welcome or reject), then frame dispatch by
// type (the router), liveness by heartbeat, and the state.update rate limit.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/client_frames.hpp"
#include "transport/connection.hpp"

namespace scenehost::session {

class ControlHub;

class ControlSession final : public transport::ConnectionHandler, public std::enable_shared_from_this<ControlSession> {
public:
    // The transport owns the connection, and the connection owns this handler: the session
    // refers back to it weakly, so nothing cycles when the io_context is torn down.
    ControlSession(ControlHub &hub, std::weak_ptr<transport::Connection> connection);
    ~ControlSession() override;

    void start();  // arms the hello timeout
    void on_text(std::string_view text) override;
    void on_closed() override;
    void on_drained() override;

    void send(std::string text, transport::SendClass send_class = transport::SendClass::kept,
              std::string coalesce_key = {});
    const std::string &id() const { return id_; }
    const std::string &actor() const { return actor_; }
    bool active() const { return state_ == State::active; }
    // Bytes waiting in the connection's send queue (0 once it is gone).
    size_t queued_bytes() const;
    void goodbye(std::string code, std::string reason, transport::CloseCode close_code);

private:
    friend class ControlHub;

    enum class State { awaiting_hello, active, closed };

    void on_hello(const protocol::Hello &hello);
    void on_frame(const protocol::ClientFrame &frame);
    void on_error(const protocol::ProtocolError &error);
    void reject(std::string code, std::string message, boost::json::object details = {});
    void arm_heartbeat();
    bool take_update_token();  // token bucket; false: rate limited
    void stop_timers();
    std::shared_ptr<transport::Connection> connection() const;

    ControlHub &hub_;
    std::weak_ptr<transport::Connection> connection_;
    // While a resume replay is under way: the delta token of the last delta sent. Live
    // notify.layers skip the session meanwhile; the replay delivers them from the history.
    std::optional<std::string> replay_token_;
    State state_ = State::awaiting_hello;
    std::string id_;
    std::string actor_;
    boost::asio::steady_timer hello_timer_;
    boost::asio::steady_timer heartbeat_timer_;
    int silent_heartbeats_ = 0;  // heartbeats sent since the client last sent anything
    double bucket_tokens_;
    int64_t bucket_time_us_;
};

}  // namespace scenehost::session
