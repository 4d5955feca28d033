// Frames the host sends, built from typed payloads: version, timestamp (µs precision) and frame
// ids are filled here, and every frame is asserted to pass validate_frame's rules before it leaves.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.hpp"
#include "protocol/frame.hpp"
#include "protocol/frame_validator.hpp"

namespace scenehost::protocol {

// session.welcome: payload.features.<topic>.resume_state, the topic's current cursor.
struct ResumeState {
    uint64_t seq = 0;
    std::string delta_token;
};

// session.welcome: payload.features.<topic>.
struct FeatureState {
    bool enabled = false;
    std::optional<int> version{};
    std::optional<bool> resume{};
    std::optional<std::vector<std::string>> commands{};  // call.command: the commands this session may run
    std::optional<ResumeState> resume_state{};
};

struct Welcome {
    std::string session_id;  // also the envelope's `session`
    double heartbeat_s = 15.0;
    std::optional<int64_t> ack_timeout_ms{};
    std::map<std::string, FeatureState> features;  // topic -> state
};

struct Reject {
    std::string code;
    std::string message;
    std::optional<boost::json::object> details{};
};

struct GoodbyeInfo {
    std::optional<std::string> code{};
    std::optional<std::string> message{};
    std::optional<std::string> reason{};
};

// notify.layers payload {layer_id, changes, version}. `version` (the store version of the change)
// is scenehost's addition, documented in docs/protocol.md.
struct LayersDelta {
    std::string layer_id;
    boost::json::object changes;  // at least one key; namespaced volume.* / multiscale.* keys included
    uint64_t version = 0;
};

// notify.state payload (scenehost's extension topic): what one applied change did to one target
// of a scope whose reducer declares the generic publication.
struct StateDelta {
    std::string scope;
    std::string target;
    boost::json::object changes;  // key -> new value; at least one
    uint64_t version = 0;         // the scope version of the last change
};

// notify.stream payload; frame_size is [width, height], avcc the base64 avcC record.
struct StreamConfig {
    std::string codec = "h264";
    std::string format = "avcc";
    double fps = 60.0;
    int64_t width = 0;
    int64_t height = 0;
    int64_t nal_length_size = 4;
    std::string avcc_base64;
    double max_buffer_ms = 120.0;
    double grace_keyframe_ms = 300.0;
    std::optional<boost::json::object> vt_hint{};
};

// notify.dims payload; lists are in viewer order.
struct DimsState {
    std::vector<int64_t> current_step;
    int64_t ndisplay = 2;
    std::string mode = "plane";  // "plane" or "volume"
    std::string source;          // what changed them, e.g. "state.update", "baseline"
    std::optional<std::vector<int64_t>> order{};
    std::optional<std::vector<std::string>> axis_labels{};
    std::optional<std::vector<int64_t>> displayed{};
    uint64_t version = 0;

    bool operator==(const DimsState &) const = default;
};

// notify.camera payload.
struct CameraUpdate {
    std::string mode;  // "set", "orbit", "pan", "zoom", "reset"
    boost::json::value delta;
    std::string origin;
    std::optional<boost::json::object> state{};  // the full pose after the change
    uint64_t version = 0;
};

// notify.telemetry payload: rolling statistics.
struct Telemetry {
    double presenter = 0;
    double decode = 0;
    double queue_depth = 0;
};

// notify.error payload.
struct ErrorNotice {
    std::string domain;
    std::string code;
    std::string message;
    std::string severity;  // "info", "warning" or "critical"
    std::optional<boost::json::object> context{};
};

// ack.state payload.error of a rejection.
struct StateRejection {
    std::string code;
    std::string message;
    std::optional<boost::json::object> details{};
};

// A frame serialised once for many sessions (fan-out): the text around its envelope `session`
// value, which was FrameBuilder::kSessionPlaceholder when it was built.
class SessionTemplate {
public:
    explicit SessionTemplate(std::string frame_text);
    std::string for_session(std::string_view session_id) const;

private:
    std::string prefix_;
    std::string suffix_;
};

// Builds server frames as text. Each builder fills version 1, the timestamp from the clock and a
// frame_id where the type requires one (UUID v4; on notify.dims / notify.camera without an intent,
// its first 8 characters), then asserts the frame valid (unless constructed with validate_output
// false). One per control thread: not thread-safe (it owns the id generator).
class FrameBuilder {
public:
    // Pass as `session` to build a frame for SessionTemplate.
    static constexpr std::string_view kSessionPlaceholder = "@session@";

    explicit FrameBuilder(const base::Clock &clock, bool validate_output = true);

    std::string new_session_id();  // UUID v4

    std::string welcome(const Welcome &welcome);
    std::string reject(const Reject &reject);
    std::string heartbeat(std::string_view session);
    std::string goodbye(std::string_view session, const GoodbyeInfo &info);

    // `snapshot` is the ready payload {viewer, layers, policies?, metadata?}; seq is always 0.
    std::string scene(std::string_view session, const boost::json::object &snapshot, std::string_view delta_token,
                      const std::optional<std::string> &intent_id);
    std::string layers(std::string_view session, const LayersDelta &delta, uint64_t seq, std::string_view delta_token,
                       const std::optional<std::string> &intent_id);
    std::string stream(std::string_view session, const StreamConfig &config, uint64_t seq,
                       std::string_view delta_token);
    // Exactly one identifier: the triggering intent_id, else a short frame_id.
    std::string dims(std::string_view session, const DimsState &dims, const std::optional<std::string> &intent_id);
    std::string camera(std::string_view session, const CameraUpdate &camera,
                       const std::optional<std::string> &intent_id);
    std::string telemetry(std::string_view session, const Telemetry &telemetry);
    std::string error(std::string_view session, const ErrorNotice &notice);

    std::string ack_accepted(std::string_view session, std::string_view intent_id, std::string_view in_reply_to,
                             const boost::json::value &applied_value, uint64_t version);
    std::string ack_rejected(std::string_view session, std::string_view intent_id, std::string_view in_reply_to,
                             const StateRejection &rejection, std::optional<uint64_t> version);
    std::string reply_command(std::string_view session, std::string_view in_reply_to, const boost::json::value &result,
                              std::optional<std::string_view> idempotency_key = std::nullopt);
    std::string error_command(std::string_view session, std::string_view in_reply_to, std::string_view code,
                              std::string_view message, const std::optional<boost::json::object> &details,
                              std::optional<std::string_view> idempotency_key = std::nullopt);

    // Payloads as stored in the resumable history, and frames rebuilt from them (a replay keeps
    // the original seq and delta_token).
    static boost::json::object layers_payload(const LayersDelta &delta);
    static boost::json::object stream_payload(const StreamConfig &config);
    static boost::json::object state_payload(const StateDelta &delta);
    std::string layers_from_payload(std::string_view session, const boost::json::object &payload, uint64_t seq,
                                    std::string_view delta_token, const std::optional<std::string> &intent_id);
    std::string stream_from_payload(std::string_view session, const boost::json::object &payload, uint64_t seq,
                                    std::string_view delta_token);
    std::string state_from_payload(std::string_view session, const boost::json::object &payload, uint64_t seq,
                                   std::string_view delta_token, const std::optional<std::string> &intent_id);

private:
    Envelope envelope(FrameType type, std::optional<std::string_view> session) const;
    std::string finish(const Envelope &envelope, const boost::json::object &payload) const;
    std::string uuid();
    std::string short_id();

    const base::Clock &clock_;
    bool validate_output_;
    std::mt19937_64 random_;
};

}  // namespace scenehost::protocol
