// The control endpoint: every /control session, the resumable history, and the fan-out of
// accepted changes as notify frames. Lives on the control thread; nothing here is locked.
#pragma once

#include <boost/asio/io_context.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "base/clock.hpp"
#include "engine/command_registry.hpp"
#include "engine/state_engine.hpp"
#include "protocol/client_frames.hpp"
#include "protocol/server_frames.hpp"
#include "session/session_config.hpp"
#include "store/scene_store.hpp"
#include "store/topic_history.hpp"
#include "transport/connection.hpp"

namespace scenehost::session {

class ControlSession;

class ControlHub final : public transport::ControlEndpoint {
public:
    ControlHub(boost::asio::io_context &io, SessionConfig config, engine::StateEngine &engine,
               const store::SceneStore &store, const engine::CommandRegistry &commands, const base::Clock &clock);
    ~ControlHub() override;

    std::shared_ptr<transport::ConnectionHandler> on_connect(std::shared_ptr<transport::Connection> connection) override;

    // The scene changed shape (or a scope without a notify lane changed): a new epoch, and the
    // new notify.scene to every session.
    void publish_scene(const std::optional<std::string> &origin_session, const std::optional<std::string> &intent_id);
    // The host is stopping: every session gets session.goodbye {code "shutdown"} and its
    // connection closes with 1001 once what is queued has been sent.
    void shutdown();
    size_t session_count() const { return sessions_.size(); }
    const store::ResumableHistory &history() const { return history_; }

private:
    friend class ControlSession;

    void activate(ControlSession &session);
    void deactivate(ControlSession &session);
    void send_baseline(ControlSession &session, const protocol::Hello &hello, bool resume);
    void handle_update(ControlSession &session, const protocol::Envelope &envelope, const protocol::StateUpdate &update);
    void handle_command(ControlSession &session, const protocol::Envelope &envelope, const protocol::CallCommand &call);
    void broadcast(const store::ChangeSet &changes, const ControlSession &origin, const std::string &intent_id,
                   std::string_view intent_key, const boost::json::value &intent_value);
    std::optional<protocol::DimsState> dims_state(std::string_view source) const;
    // camera/main as one object (empty without a camera reducer).
    boost::json::object camera_pose() const;
    uint64_t scene_version() const;

    boost::asio::io_context &io_;
    SessionConfig config_;
    engine::StateEngine &engine_;
    const store::SceneStore &store_;
    const engine::CommandRegistry &commands_;
    const base::Clock &clock_;
    protocol::FrameBuilder builder_;
    store::ResumableHistory history_;
    std::map<std::string, ControlSession *, std::less<>> sessions_;  // active sessions by id
    bool stopping_ = false;  // after shutdown(): no new session starts
};

}  // namespace scenehost::session
