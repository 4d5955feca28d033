// The registry of /control sessions: it makes a session for each new connection, knows the active
// ones by id, and ends them all the same way at shutdown or after a critical fault.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "session/control_session.hpp"
#include "transport/connection.hpp"

namespace scenehost::session {

class SessionRegistry final : public transport::ControlEndpoint, public SessionDirectory {
public:
    SessionRegistry(boost::asio::io_context &io, const SessionConfig &config, const base::Clock &clock,
                    protocol::Dialects &dialects, broadcast::Broadcaster &broadcaster, engine::IntentLane &lane,
                    const FrameTable &router)
        : services_{io, config, clock, dialects, broadcaster, lane, router, *this, metrics_} {}
    ~SessionRegistry() override;

    std::shared_ptr<transport::ConnectionHandler> on_connect(std::shared_ptr<transport::Connection> connection) override;

    bool accepting() const override { return !stopping_; }
    void activated(ControlSession &session) override;
    void ended(ControlSession &session) override;

    // The host is stopping: every session gets session.goodbye {code "shutdown"} and its
    // connection closes with 1001 once what is queued has been sent.
    void shutdown();
    // A fault the host cannot continue after (spec §8, "critical server fault"): every session
    // gets notify.error {severity critical} behind the replies already queued, then
    // session.goodbye {code "error"}, and closes with 1011; then on_critical(message) runs.
    void fail_critical(std::string_view domain, std::string_view code, const std::string &message);
    // What the host does after a critical fault (stop listening, exit non-zero). Required.
    void on_critical(std::function<void(const std::string &message)> handler) { on_critical_ = std::move(handler); }
    bool failed() const { return failed_; }
    size_t size() const { return sessions_.size(); }
    const SessionMetrics &metrics() const { return metrics_; }

private:
    SessionMetrics metrics_;          // declared before services_, which refers to it
    const SessionServices services_;  // what every session it makes is given; the directory is this
    std::map<std::string, ControlSession *, std::less<>> sessions_;  // active sessions by id
    std::function<void(const std::string &)> on_critical_;
    bool stopping_ = false;  // after shutdown() or a fault: no new session starts
    bool failed_ = false;
};

}  // namespace scenehost::session
