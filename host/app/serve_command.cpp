// Wires the modules together for `serve`; the control channel and render loop plug in here.
#include "app/serve_command.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <csignal>
#include <fmt/format.h>
#include <functional>
#include <spdlog/spdlog.h>
#include <stdexcept>

#include "base/clock.hpp"
#include "engine/state_engine.hpp"
#include "plugin/plugin_registry.hpp"
#include "store/audit_log.hpp"
#include "store/scene_store.hpp"

namespace scenehost::app {
namespace {

// The demo scene until real data sources land: no layers, the default canvas.
constexpr std::string_view kDemoSceneJson = R"({"layers":[],"canvas_size":[1280,720]})";

}  // namespace

int run_serve_command(const ServeOptions &options) {
    const auto registry = plugin::PluginRegistry::load(options.plugin_dirs);
    for (const auto &row : registry.rows()) {
        if (!row.loaded) {
            throw std::runtime_error(fmt::format("plugin {} refused: {}", row.info.path.string(), row.refusal));
        }
    }
    base::SystemClock clock;
    store::SceneStore store(clock);
    store::AuditConfig audit_config{.path = options.audit_log};
    audit_config.fsync = *store::parse_fsync_policy(options.fsync);  // CLI11 checked the spelling
    auto audit = store::AuditLog::open(audit_config, clock);
    engine::StateEngine engine(store, registry, *audit, clock);
    engine.seed(kDemoSceneJson);

    spdlog::info("scenehost serving{}: {} reducers, audit log {}", options.demo ? " the demo scene" : "",
                 registry.reducers().size(), options.audit_log);

    boost::asio::io_context io;
    boost::asio::steady_timer audit_timer(io);
    std::function<void()> arm_audit_timer = [&] {
        audit_timer.expires_after(std::chrono::milliseconds(100));
        audit_timer.async_wait([&](boost::system::error_code error) {
            if (error) return;  // cancelled at shutdown
            if (audit->sync_due()) audit->sync();
            arm_audit_timer();
        });
    };
    arm_audit_timer();
    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](boost::system::error_code, int signal) {
        spdlog::info("scenehost stopping on signal {}", signal);
        audit_timer.cancel();
    });
    io.run();
    audit->sync();
    return 0;
}

}  // namespace scenehost::app
