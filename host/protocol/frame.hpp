// The internal frame model of the greenfield v1 control protocol: frame types, the envelope,
// and protocol errors. host/protocol is the only place that knows wire field names.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace scenehost::protocol {

inline constexpr int kProtocolVersion = 1;

enum class FrameType {
    session_hello, session_welcome, session_reject, session_heartbeat, session_ack, session_goodbye,
    notify_scene, notify_layers, notify_stream, notify_dims, notify_camera, notify_telemetry, notify_error,
    state_update, ack_state, call_command, reply_command, error_command,
};
inline constexpr int kFrameTypeCount = 18;

enum class Direction { client_to_server, server_to_client, both };

std::string_view type_name(FrameType type);
std::optional<FrameType> frame_type_from_name(std::string_view name);
Direction direction(FrameType type);

// Wire error codes of the protocol layer.
inline constexpr std::string_view kInvalidJson = "protocol.invalid_json";
inline constexpr std::string_view kInvalidEnvelope = "protocol.invalid_envelope";
inline constexpr std::string_view kInvalidPayload = "protocol.invalid_payload";
inline constexpr std::string_view kUnknownType = "protocol.unknown_type";

// A frame that breaks the protocol: the code, a message naming the field and the rule, and
// whatever identifiers could be read so the caller can still answer it.
struct ProtocolError {
    std::string code;
    std::string message;
    std::string field;  // e.g. "seq", "payload.value"
    std::optional<FrameType> type;
    std::optional<std::string> frame_id;
    std::optional<std::string> intent_id;
};

struct Envelope {
    FrameType type{};
    std::optional<std::string> session;
    std::optional<std::string> frame_id;
    double timestamp = 0;
    std::optional<uint64_t> seq;
    std::optional<std::string> delta_token;
    std::optional<std::string> intent_id;
};

}  // namespace scenehost::protocol
