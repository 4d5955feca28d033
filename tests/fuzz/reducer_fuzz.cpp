// Fuzz target: the shipped reducer plugins through the real state lane. Each input line is the
// payload of one client frame (call.command when it has "command", else state.update), sent by a
// v1 or a v2 session in turn; the sender's dialect parses it and the intent lane takes it as the
// control session does: engine → reducer → the host's outcome check (a write that breaks its
// key's declared schema asserts) → audit line → store → ack → broadcaster → notify frames to both
// sessions, every frame asserted valid by its builder. Lines apply in order to one fresh scene
// per input, so a sequence (ndisplay 3, then an orbit) reaches state a single intent cannot.
#include <unistd.h>

#include <array>
#include <boost/json/object.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <spdlog/spdlog.h>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/assert.hpp"
#include "base/clock.hpp"
#include "broadcast/broadcaster.hpp"
#include "engine/command_registry.hpp"
#include "engine/intent_lane.hpp"
#include "engine/state_engine.hpp"
#include "fuzz_files.hpp"
#include "plugin/plugin_registry.hpp"
#include "protocol/handshake.hpp"
#include "store/audit_log.hpp"
#include "store/scene_store.hpp"

namespace {

using namespace scenehost;

// Two layers the reducers seed from: a 4D uint16 image with two pyramid levels and labelled axes,
// and a small 2D uint8 one without.
constexpr std::string_view kScene = R"({"layers": [
  {"id": "cells", "name": "cells", "shape": [3, 8, 16, 24], "dtype": "uint16", "axis_labels": ["t", "z", "y", "x"],
   "multiscale": [{"shape": [3, 8, 16, 24], "downsample": [1, 1, 1, 1], "path": "0"},
                  {"shape": [3, 4, 8, 12], "downsample": [1, 2, 2, 2], "path": "1"}]},
  {"id": "mask", "shape": [16, 24], "dtype": "uint8"}],
 "canvas_size": [320, 240]})";

// An input applies at most this many intents: longer sequences seldom reach new state, and every
// line costs a reducer call, an audit line and the notify frames of two sessions.
constexpr size_t kMaxLines = 32;

// A session as the broadcaster sees it; what it is sent was validated by the builder already.
class Session final : public broadcast::Recipient {
public:
    Session(std::string id, protocol::Dialect &dialect) : id_(std::move(id)), dialect_(dialect) {}
    const std::string &id() const override { return id_; }
    protocol::Dialect &dialect() const override { return dialect_; }
    void send(std::string, transport::SendClass, std::string) override {}
    size_t queued_bytes() const override { return 0; }  // written at once: replays are never paced

private:
    std::string id_;
    protocol::Dialect &dialect_;
};

const plugin::PluginRegistry &plugins() {
    static const plugin::PluginRegistry registry = [] {
        const std::vector<fuzz::fs::path> dirs = {SCENEHOST_PLUGIN_DIR};
        auto loaded = plugin::PluginRegistry::load(dirs);
        for (const plugin::PluginRow &row : loaded.rows()) {
            SCENEHOST_ASSERT(row.loaded, "the fuzz build's shipped plugins load: " + row.refusal);
        }
        SCENEHOST_ASSERT(loaded.reducers().size() == 5, "the five shipped reducers are built (SCENEHOST_PLUGIN_DIR)");
        return loaded;
    }();
    return registry;
}

// The frame a client of `session` would send around a payload line.
std::string frame_text(std::string_view payload, const Session &session, size_t n) {
    const bool command = payload.find("\"command\"") != std::string_view::npos;
    const std::string id = std::to_string(n);
    return std::string(R"({"type":")") + (command ? "call.command" : "state.update") +
           R"(","version":)" + std::to_string(session.dialect().version()) + R"(,"session":")" +
           session.id() + R"(","timestamp":1.0,"frame_id":"f-)" + id + '"' +
           (command ? "" : R"(,"intent_id":"i-)" + id + '"') + R"(,"payload":)" + std::string(payload) + "}";
}

}  // namespace

// The plugins load before fuzzing starts, so libFuzzer counts their coverage from the first input.
extern "C" int LLVMFuzzerInitialize(int *, char ***) {
    spdlog::set_level(spdlog::level::warn);  // not a line per plugin and per intent
    plugins();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const plugin::PluginRegistry &registry = plugins();
    base::ManualClock clock;
    const fuzz::fs::path audit_path = fuzz::ScratchDir::fresh() / "audit.jsonl";
    auto audit = store::AuditLog::open({.path = audit_path, .fsync = store::FsyncPolicy::never}, clock);
    store::SceneStore store(clock);
    engine::StateEngine engine(store, registry, *audit, clock);
    engine.seed(kScene);

    protocol::Dialects dialects(clock, true);
    // Before the broadcaster, which holds them until it is gone.
    std::array<Session, 2> sessions = {Session("session-v1", dialects.v1()), Session("session-v2", dialects.v2())};
    broadcast::Lanes lanes;
    for (const plugin::ReducerPlugin *reducer : registry.reducers()) lanes.emplace(reducer->scope(), reducer->publication());
    broadcast::Broadcaster broadcaster(store, std::move(lanes), clock, 1 << 20);
    engine::CommandRegistry commands;
    engine::IntentLane lane(engine, commands, broadcaster, {});
    lane.on_fault([](std::string_view, std::string_view code, const std::string &message) {
        // The audit log is on tmpfs: failing to write it is the harness's problem, not a finding.
        base::assert_failed(__FILE__, __LINE__, "the fuzz audit log can be written", std::string(code) + ": " + message);
    });
    broadcast::Subscription subscription;
    subscription.state_topic = true;
    for (Session &s : sessions) broadcaster.join(s, subscription);

    std::string_view rest = fuzz::as_text(data, size);
    for (size_t n = 0; !rest.empty() && n < kMaxLines; ++n) {
        const size_t end = std::min(rest.find('\n'), rest.size());
        const std::string_view line = rest.substr(0, end);
        rest.remove_prefix(std::min(end + 1, rest.size()));
        Session &sender = sessions[n % 2];
        const engine::Sender from{sender, sender.id()};
        const auto parsed = sender.dialect().parse(frame_text(line, sender, n));
        if (const auto *error = std::get_if<protocol::ProtocolError>(&parsed)) {
            // As ControlSession::on_error: a state.update it can answer is refused, audited.
            if (error->type == protocol::FrameType::state_update && error->frame_id && error->intent_id) {
                lane.refuse(from, *error->intent_id, *error->frame_id, nullptr,
                            {error->code, error->message, boost::json::object{{"field", error->field}}});
            }
            continue;
        }
        const auto *frame = std::get_if<protocol::ClientFrame>(&parsed);
        if (frame == nullptr) continue;  // a keepalive
        if (const auto *update = std::get_if<protocol::StateUpdate>(&frame->payload)) {
            lane.update(from, frame->envelope, *update);
        } else if (const auto *call = std::get_if<protocol::CallCommand>(&frame->payload)) {
            lane.command(from, frame->envelope, *call);
        }
        clock.advance_us(16'000);
    }
    for (const Session &s : sessions) broadcaster.leave(s);  // as each session's end() does
    return 0;
}
