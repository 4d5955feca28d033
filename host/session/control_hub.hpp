// The control endpoint: every /control session, the resumable history, and the fan-out of
// accepted changes as notify frames. Lives on the control thread; nothing here is locked.
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "base/clock.hpp"
#include "engine/command_registry.hpp"
#include "engine/state_engine.hpp"
#include "protocol/client_frames.hpp"
#include "protocol/server_frames.hpp"
#include "router/intent_route.hpp"
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
    // The pixel stream's format is new or changed (or a client asked for a keyframe, which
    // napari-cuda clients take as a cue to reset their decoder): notify.stream to every session,
    // kept as the topic's newest delta for resume, and re-sent after each new scene epoch.
    void publish_stream(const protocol::StreamConfig &config);
    // The newest notify.stream again (nothing before the first publish_stream).
    void republish_stream();
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
    size_t session_count() const { return sessions_.size(); }
    const store::ResumableHistory &history() const { return history_; }

private:
    friend class ControlSession;

    void activate(ControlSession &session);
    void deactivate(ControlSession &session);
    void send_baseline(ControlSession &session, const protocol::Hello &hello, bool resume);
    // Sends the next part of a session's resume replay (until its connection holds
    // replay_budget_bytes), and at the end the current dims and camera; called again each
    // time the connection drains.
    void continue_replay(ControlSession &session);
    void send_lane_state(ControlSession &session);
    void handle_update(ControlSession &session, const protocol::Envelope &envelope, const protocol::StateUpdate &update);
    void handle_command(ControlSession &session, const protocol::Envelope &envelope, const protocol::CallCommand &call);
    void broadcast(const store::ChangeSet &changes, const ControlSession &origin, const std::string &intent_id,
                   std::string_view intent_key, const boost::json::value &intent_value);
    std::optional<protocol::DimsState> dims_state(std::string_view source) const;
    // camera/main as one object (empty without a camera reducer).
    boost::json::object camera_pose() const;
    uint64_t scene_version() const;

    // Commands that are intents under a name (spec §15 "command success": reply.command, then
    // the notify.* of the change), e.g. camera.reset.
    struct IntentCommand {
        std::string scope, target, key;
        boost::json::value value;
    };
    std::map<std::string, IntentCommand, std::less<>> intent_commands_;
    std::vector<std::string> command_names() const;
    // Applies an intent through the engine. When the audit log cannot record it, the sender is
    // told on its lane (ack.state, or error.command when `command`), the fault goes critical
    // and the result is empty.
    std::optional<engine::Outcome> apply_intent(ControlSession &session, const router::Route &route,
                                                const boost::json::value &value, std::optional<uint64_t> base_version,
                                                const std::string &intent_id, const std::string &frame_id,
                                                bool command);

    boost::asio::io_context &io_;
    std::function<void(const std::string &)> on_critical_;
    bool failed_ = false;
    SessionConfig config_;
    engine::StateEngine &engine_;
    const store::SceneStore &store_;
    const engine::CommandRegistry &commands_;
    const base::Clock &clock_;
    protocol::FrameBuilder builder_;
    store::ResumableHistory history_;
    std::optional<protocol::StreamConfig> stream_;  // the newest notify.stream config
    uint64_t stream_version_ = 0;
    std::map<std::string, ControlSession *, std::less<>> sessions_;  // active sessions by id
    bool stopping_ = false;  // after shutdown(): no new session starts
};

}  // namespace scenehost::session
