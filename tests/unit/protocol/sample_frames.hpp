// Test data for the protocol tests: a minimal valid frame of every type, the spec's own examples
// (protocol_greenfield.md §3.1, §3.2, §5.1, §5.2, §6.1–6.3), and helpers to edit frames by path.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>

#include "protocol/frame_type.hpp"

namespace scenehost::protocol::test {

namespace json = boost::json;

inline constexpr FrameType kAllTypes[] = {
    FrameType::session_hello, FrameType::session_welcome, FrameType::session_reject, FrameType::session_heartbeat,
    FrameType::session_ack,   FrameType::session_goodbye, FrameType::notify_scene,   FrameType::notify_layers,
    FrameType::notify_stream, FrameType::notify_dims,     FrameType::notify_camera,  FrameType::notify_telemetry,
    FrameType::notify_error,  FrameType::notify_state,    FrameType::state_update,   FrameType::ack_state,
    FrameType::call_command,  FrameType::reply_command,   FrameType::error_command};

inline constexpr std::string_view kSpecHello = R"({
  "type": "session.hello", "version": 1, "frame_id": "hello-6d5c...", "timestamp": 1759179000.123,
  "payload": {
    "protocols": [1],
    "client": {"name": "napari-cuda-desktop", "version": "0.7.0", "platform": "macOS-14.5-arm64"},
    "features": {"notify.scene": true, "notify.stream": true, "notify.telemetry": false, "call.command": true},
    "resume_tokens": {"notify.scene": "tok_scene_8fd2", "notify.layers": "tok_layers_17aa", "notify.stream": null},
    "auth": {"type": "bearer", "token": "eyJhbGciOi..."}}})";

inline constexpr std::string_view kSpecWelcome = R"({
  "type": "session.welcome", "version": 1, "session": "bf52c9c6-4875-4280-9f00-6022cb5106d6",
  "frame_id": "welcome-bf5...", "timestamp": 1759179000.200,
  "payload": {
    "protocol_version": 1,
    "session": {"id": "bf52c9c6-4875-4280-9f00-6022cb5106d6", "heartbeat_s": 15.0, "ack_timeout_ms": 250},
    "features": {
      "notify.scene": {"enabled": true, "version": 1, "resume": true},
      "notify.layers": {"enabled": true, "version": 1, "resume": true},
      "notify.dims": {"enabled": true, "version": 1, "resume": false},
      "notify.camera": {"enabled": true, "version": 1, "resume": false},
      "notify.stream": {"enabled": true, "version": 1, "resume": true,
                        "resume_state": {"seq": 0, "delta_token": "stream_tok_1a2b"}},
      "notify.telemetry": {"enabled": false},
      "call.command": {"enabled": true, "version": 1, "commands": ["napari.pixel.request_keyframe"]}}}})";

inline constexpr std::string_view kSpecStateUpdate = R"({
  "type": "state.update", "version": 1, "session": "bf52c9c6-4875-4280-9f00-6022cb5106d6",
  "frame_id": "state-88b4", "timestamp": 1759179010.314, "intent_id": "intent-88b4",
  "payload": {"scope": "view", "target": "main", "key": "ndisplay", "value": 3}})";

inline constexpr std::string_view kSpecAckAccepted = R"({
  "type": "ack.state", "version": 1, "session": "bf52c9c6-4875-4280-9f00-6022cb5106d6",
  "frame_id": "ack-88b4", "timestamp": 1759179010.330,
  "payload": {"intent_id": "intent-88b4", "in_reply_to": "state-88b4", "status": "accepted", "applied_value": 3}})";

inline constexpr std::string_view kSpecAckRejected = R"({
  "type": "ack.state", "version": 1, "session": "bf52c9c6-4875-4280-9f00-6022cb5106d6",
  "frame_id": "ack-88b4", "timestamp": 1759179010.335,
  "payload": {"intent_id": "intent-88b4", "in_reply_to": "state-88b4", "status": "rejected",
              "error": {"code": "state.forbidden", "message": "Viewer is read-only",
                        "details": {"scope": "view", "key": "ndisplay"}}}})";

inline constexpr std::string_view kSpecCallCommand = R"({
  "type": "call.command", "version": 1, "session": "bf52c9c6-4875-4280-9f00-6022cb5106d6",
  "frame_id": "cmd-02f9", "timestamp": 1759179020.14,
  "payload": {"command": "napari.pixel.request_keyframe", "args": [], "kwargs": {}, "origin": "ui.runtime"}})";

inline constexpr std::string_view kSpecReplyCommand = R"({
  "type": "reply.command", "version": 1, "session": "bf52c9c6-4875-4280-9f00-6022cb5106d6",
  "frame_id": "reply-cmd-02f9", "timestamp": 1759179020.15,
  "payload": {"in_reply_to": "cmd-02f9", "status": "ok", "result": null}})";

inline constexpr std::string_view kSpecErrorCommand = R"({
  "type": "error.command", "version": 1, "session": "bf52c9c6-4875-4280-9f00-6022cb5106d6",
  "frame_id": "err-cmd-02f9", "timestamp": 1759179020.16,
  "payload": {"in_reply_to": "cmd-02f9", "status": "error", "code": "command.retryable",
              "message": "Keyframe already pending", "details": {"retry_after_ms": 250}}})";

// A valid frame of `type` carrying every required field (and, for ack.state, status "accepted").
inline json::object sample_frame(FrameType type) {
    json::object f{{"type", type_name(type)},
                   {"version", 1},
                   {"session", "s-1"},
                   {"frame_id", "f-1"},
                   {"timestamp", 1759179000.123456}};
    json::object p;
    switch (type) {
        case FrameType::session_hello: return json::parse(kSpecHello).as_object();
        case FrameType::session_welcome: return json::parse(kSpecWelcome).as_object();
        case FrameType::session_reject:
            f.erase("session");
            p = {{"code", "session.unauthorized"}, {"message", "bearer token required"}};
            break;
        case FrameType::session_heartbeat:
        case FrameType::session_ack:
        case FrameType::session_goodbye: break;
        case FrameType::notify_scene:
            f["seq"] = 0;
            f["delta_token"] = "tok-scene";
            p = {{"viewer", json::object{}}, {"layers", json::array{}}};
            break;
        case FrameType::notify_layers:
            f["seq"] = 3;
            f["delta_token"] = "tok-layers";
            p = {{"layer_id", "layer-0"}, {"changes", {{"opacity", 0.5}}}};
            break;
        case FrameType::notify_stream:
            f["seq"] = 1;
            f["delta_token"] = "tok-stream";
            p = {{"codec", "h264"},
                 {"format", "avcc"},
                 {"fps", 60.0},
                 {"frame_size", {1280, 720}},
                 {"nal_length_size", 4},
                 {"avcc", "AWQAH///4QAA"},
                 {"latency_policy", {{"max_buffer_ms", 120.0}, {"grace_keyframe_ms", 300.0}}}};
            break;
        case FrameType::notify_dims:
            f["frame_id"] = "1a2b3c4d";
            p = {{"current_step", {31, 0, 0}}, {"ndisplay", 2}, {"mode", "plane"}, {"source", "state.update"}};
            break;
        case FrameType::notify_camera:
            f.erase("frame_id");
            f["intent_id"] = "intent-1";
            p = {{"mode", "orbit"}, {"delta", {{"d_az_deg", 5.0}, {"d_el_deg", 0.0}}}, {"origin", "state.update"}};
            break;
        case FrameType::notify_telemetry: p = {{"presenter", 1.5}, {"decode", 2.5}, {"queue_depth", 1}}; break;
        case FrameType::notify_error:
            p = {{"domain", "protocol"}, {"code", "protocol.invalid_json"}, {"message", "m"}, {"severity", "warning"}};
            break;
        case FrameType::notify_state:
            f["seq"] = 1;
            f["delta_token"] = "tok-state-1";
            p = {{"scope", "annotations"}, {"target", "a1"}, {"changes", {{"label", "nucleus"}}}, {"version", 3}};
            break;
        case FrameType::state_update: return json::parse(kSpecStateUpdate).as_object();
        case FrameType::ack_state: return json::parse(kSpecAckAccepted).as_object();
        case FrameType::call_command: return json::parse(kSpecCallCommand).as_object();
        case FrameType::reply_command: return json::parse(kSpecReplyCommand).as_object();
        case FrameType::error_command: return json::parse(kSpecErrorCommand).as_object();
    }
    f["payload"] = std::move(p);
    return f;
}

// The object holding the last segment of a '/'-separated path ("payload/client/name"; topic
// names contain dots, so dots cannot separate), and that segment.
inline std::pair<json::object *, std::string> parent_of(json::object &frame, std::string_view path) {
    json::object *at = &frame;
    for (std::size_t slash; (slash = path.find('/')) != std::string_view::npos; path.remove_prefix(slash + 1)) {
        at = &(*at)[path.substr(0, slash)].as_object();
    }
    return {at, std::string(path)};
}

// The field name an error reports for a path: "payload/client/name" -> "payload.client.name".
inline std::string field_of(std::string_view path) {
    std::string field(path);
    for (char &c : field) c = c == '/' ? '.' : c;
    return field;
}

inline json::object without(json::object frame, std::string_view path) {
    auto [parent, key] = parent_of(frame, path);
    parent->erase(key);
    return frame;
}

inline json::object with(json::object frame, std::string_view path, json::value value) {
    auto [parent, key] = parent_of(frame, path);
    (*parent)[key] = std::move(value);
    return frame;
}

inline std::string text(const json::object &frame) { return json::serialize(frame); }

}  // namespace scenehost::protocol::test
