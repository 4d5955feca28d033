// Wiring only: each piece gets the ones after it in the pipeline.
#include "session/control_plane.hpp"

namespace scenehost::session {

broadcast::Lanes declared_lanes(const plugin::PluginRegistry &plugins) {
    broadcast::Lanes lanes;
    for (const plugin::ReducerPlugin *reducer : plugins.reducers()) lanes.emplace(reducer->scope(), reducer->publication());
    return lanes;
}

ControlPlane::ControlPlane(boost::asio::io_context &io, SessionConfig config, engine::StateEngine &engine,
                           const store::SceneStore &store, const engine::CommandRegistry &commands,
                           broadcast::Lanes lanes, const base::Clock &clock)
    : config_(std::move(config)),
      dialects_(clock, config_.validate_built_frames),
      broadcaster_(store, std::move(lanes), clock, config_.replay_budget_bytes, config_.history_bytes),
      lane_(engine, commands, broadcaster_, config_.allowed_commands),
      router_(ControlSession::frame_table()),
      registry_(io, config_, clock, dialects_, broadcaster_, lane_, router_) {
    lane_.on_fault([this](std::string_view domain, std::string_view code, const std::string &message) {
        registry_.fail_critical(domain, code, message);
    });
}

}  // namespace scenehost::session
