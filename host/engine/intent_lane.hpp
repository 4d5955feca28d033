// The state and command lanes of /control: a state.update goes through the engine, its ack to
// the sender, and only then its change to the broadcaster; a call.command runs a registered
// command or, for a command that is an intent, goes through the engine the same way. An intent
// the audit log cannot record is a critical fault. Lives on the control thread.
#pragma once

#include <boost/json/value.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broadcast/broadcaster.hpp"
#include "broadcast/recipient.hpp"
#include "engine/command_registry.hpp"
#include "engine/state_engine.hpp"
#include "protocol/client_frames.hpp"
#include "protocol/intent_aliases.hpp"
#include "protocol/dialect.hpp"
#include "metrics/metrics.hpp"

namespace scenehost::engine {

// Who sent a frame: where its replies go (in its dialect) and who it is in the audit log.
struct Sender {
    broadcast::Recipient &recipient;
    std::string_view actor_id;
};

// What the host does when it cannot go on (the session registry's fail_critical).
using FaultHandler = std::function<void(std::string_view domain, std::string_view code, const std::string &message)>;

class IntentLane {
public:
    // allowed_commands: the commands a session may run; empty means every command offered.
    IntentLane(StateEngine &engine, const CommandRegistry &commands, broadcast::Broadcaster &broadcaster,
               std::vector<std::string> allowed_commands);

    void on_fault(FaultHandler handler) { on_fault_ = std::move(handler); }

    void update(const Sender &sender, const protocol::Envelope &envelope, const protocol::StateUpdate &update);
    void command(const Sender &sender, const protocol::Envelope &envelope, const protocol::CallCommand &call);
    // A state.update refused before any reducer saw it (rate limited, malformed): its audit line,
    // then the ack.state rejection. `update` is null when its payload could not be read.
    void refuse(const Sender &sender, std::string_view intent_id, std::string_view frame_id,
                const protocol::StateUpdate *update, const protocol::StateRejection &rejection);

    // The commands a session may run, sorted (session.welcome lists them).
    std::vector<std::string> command_names() const;

    // state.update outcomes, for GET /metrics.
    struct Metrics {
        metrics::Counter accepted;
        metrics::Family<metrics::Counter> rejected{{"code"}};  // by the ack's error code
    };
    const Metrics &metrics() const { return metrics_; }

private:
    // Applies an intent; answers the sender's not-recorded rejection and raises the fault when
    // the audit log fails (the result is then empty).
    std::optional<Outcome> apply(const Sender &sender, const protocol::IntentAddress &address,
                                 const boost::json::value &value, std::optional<uint64_t> base_version,
                                 std::string_view intent_id, std::string_view frame_id, bool command);
    void not_recorded(const Sender &sender, std::string_view intent_id, std::string_view frame_id, bool command,
                      const boost::json::object &details, const std::string &reason);

    Metrics metrics_;
    StateEngine &engine_;
    const CommandRegistry &commands_;
    broadcast::Broadcaster &broadcaster_;
    std::vector<std::string> allowed_;
    std::vector<protocol::IntentCommand> intent_commands_;  // those whose scope has a reducer
    FaultHandler on_fault_;
};

}  // namespace scenehost::engine
