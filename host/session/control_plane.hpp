// The control plane of one host, assembled: the dialects, the broadcaster, the intent lane,
// the router table and the session registry, wired so that data flows one way (transport →
// protocol → router → engine → store → broadcast). serve and the tests build one of these.
#pragma once

#include <boost/asio/io_context.hpp>

#include "broadcast/broadcaster.hpp"
#include "engine/command_registry.hpp"
#include "engine/intent_lane.hpp"
#include "engine/state_engine.hpp"
#include "plugin/plugin_registry.hpp"
#include "protocol/handshake.hpp"
#include "session/control_session.hpp"
#include "session/session_config.hpp"
#include "session/session_registry.hpp"

namespace scenehost::session {

// scope -> lane, as each loaded reducer declares it.
broadcast::Lanes declared_lanes(const plugin::PluginRegistry &plugins);

class ControlPlane {
public:
    ControlPlane(boost::asio::io_context &io, SessionConfig config, engine::StateEngine &engine,
                 const store::SceneStore &store, const engine::CommandRegistry &commands, broadcast::Lanes lanes,
                 const base::Clock &clock);

    transport::ControlEndpoint &endpoint() { return registry_; }
    SessionRegistry &sessions() { return registry_; }
    const SessionRegistry &sessions() const { return registry_; }
    broadcast::Broadcaster &broadcaster() { return broadcaster_; }
    const broadcast::Broadcaster &broadcaster() const { return broadcaster_; }
    const engine::IntentLane &lane() const { return lane_; }

private:
    const SessionConfig config_;
    protocol::Dialects dialects_;
    broadcast::Broadcaster broadcaster_;
    engine::IntentLane lane_;
    const FrameTable router_;
    SessionRegistry registry_;
};

}  // namespace scenehost::session
