// Frames the host sends, built from typed payloads. Every built frame is checked against the
// same validator that checks incoming ones; a frame that fails it is a host bug and aborts.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.hpp"
#include "protocol/frame.hpp"

namespace scenehost::protocol {

struct ResumeState {
    uint64_t seq = 0;
    std::string delta_token;
};

struct FeatureState {
    bool enabled = false;
    std::optional<int> version;
    std::optional<bool> resume;
    std::optional<std::vector<std::string>> commands;
    std::optional<ResumeState> resume_state;
};

struct Welcome {
    std::string session_id;
    double heartbeat_s = 15.0;
    std::optional<int64_t> ack_timeout_ms;
    std::map<std::string, FeatureState> features;
};

struct Reject {
    std::string code;
    std::string message;
    std::optional<boost::json::object> details;
};

struct GoodbyeInfo {
    std::optional<std::string> code;
    std::optional<std::string> message;
    std::optional<std::string> reason;
};

struct LayersDelta {
    std::string layer_id;
    boost::json::object changes;  // at least one key; namespaced volume.* / multiscale.* keys included
    uint64_t version = 0;
};

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
};

struct DimsState {
    std::vector<int64_t> current_step;
    int64_t ndisplay = 2;
    std::string mode = "plane";  // "plane" or "volume"
    std::string source;          // what changed them, e.g. "state.update", "seed"
    std::optional<std::vector<int64_t>> order;
    std::optional<std::vector<std::string>> axis_labels;
    std::optional<std::vector<int64_t>> displayed;
    uint64_t version = 0;
};

struct CameraUpdate {
    std::string mode;  // "set", "orbit", "pan", "zoom", "reset"
    boost::json::value delta;
    std::string origin;
    std::optional<boost::json::object> state;  // the full pose after the change
    uint64_t version = 0;
};

struct ErrorNotice {
    std::string domain;
    std::string code;
    std::string message;
    std::string severity;  // "info", "warning" or "critical"
    std::optional<boost::json::object> context;
};

struct StateRejection {
    std::string code;
    std::string message;
    std::optional<boost::json::object> details;
};

// A frame serialized once for many sessions: the text around its envelope `session` value.
class SessionTemplate {
public:
    explicit SessionTemplate(std::string frame_text);
    std::string for_session(std::string_view session_id) const;

private:
    std::string prefix_;
    std::string suffix_;
};

// Builds server frames: fills version, timestamp (µs precision) and frame ids. One per control
// thread; not thread-safe (it owns the id generator). With validate_output, every frame is
// checked by validate_frame() and a failure aborts (tests); the running host checks once per
// fan-out template rather than per session.
class FrameBuilder {
public:
    // Pass as `session` to build a frame for SessionTemplate.
    static constexpr std::string_view kSessionPlaceholder = "@session@";

    explicit FrameBuilder(const base::Clock &clock, bool validate_output = true);

    std::string new_session_id();

    std::string welcome(const Welcome &welcome);
    std::string reject(const Reject &reject);
    std::string heartbeat(std::string_view session);
    std::string goodbye(std::string_view session, const GoodbyeInfo &info);

    std::string scene(std::string_view session, const boost::json::object &snapshot, std::string_view delta_token,
                      const std::optional<std::string> &intent_id);
    std::string layers(std::string_view session, const LayersDelta &delta, uint64_t seq, std::string_view delta_token,
                       const std::optional<std::string> &intent_id);
    std::string stream(std::string_view session, const StreamConfig &config, uint64_t seq,
                       std::string_view delta_token);
    std::string dims(std::string_view session, const DimsState &dims, const std::optional<std::string> &intent_id);
    std::string camera(std::string_view session, const CameraUpdate &camera,
                       const std::optional<std::string> &intent_id);
    std::string error(std::string_view session, const ErrorNotice &notice);

    std::string ack_accepted(std::string_view session, std::string_view intent_id, std::string_view in_reply_to,
                             const boost::json::value &applied_value, uint64_t version);
    std::string ack_rejected(std::string_view session, std::string_view intent_id, std::string_view in_reply_to,
                             const StateRejection &rejection, std::optional<uint64_t> version);
    std::string reply_command(std::string_view session, std::string_view in_reply_to, const boost::json::value &result);
    std::string error_command(std::string_view session, std::string_view in_reply_to, std::string_view code,
                              std::string_view message, const std::optional<boost::json::object> &details);

    // The payload of a notify.stream config, as stored in the resumable history, and the frame.
    static boost::json::object stream_payload(const StreamConfig &config);
    std::string stream_from_payload(std::string_view session, const boost::json::object &payload, uint64_t seq,
                                    std::string_view delta_token);
    // The payload of a notify.layers delta, as stored in the resumable history.
    static boost::json::object layers_payload(const LayersDelta &delta);
    // A notify.layers frame from a stored payload (replays keep their original seq and token).
    std::string layers_from_payload(std::string_view session, const boost::json::object &payload, uint64_t seq,
                                    std::string_view delta_token, const std::optional<std::string> &intent_id);

private:
    boost::json::object envelope(FrameType type, std::optional<std::string_view> session);
    std::string finish(boost::json::object frame);
    std::string uuid();

    const base::Clock &clock_;
    bool validate_output_;
    std::mt19937_64 random_;
};

// Checks envelope and payload of any frame of the protocol, in either direction.
std::optional<ProtocolError> validate_frame(std::string_view text);

}  // namespace scenehost::protocol
