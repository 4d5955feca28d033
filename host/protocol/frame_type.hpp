// The 18 frame types of the greenfield v1 control protocol, plus scenehost's notify.state
// extension: wire names, direction, and the envelope field matrix of the spec's appendix B.2.
// Pure tables; no JSON here.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace scenehost::protocol {

// Envelope `version` of every v1 frame (v2 frames carry 2: protocol/v2), and v1's protocol number.
inline constexpr int kProtocolVersion = 1;

// clang-format off
enum class FrameType {
    session_hello, session_welcome, session_reject, session_heartbeat, session_ack, session_goodbye,
    notify_scene, notify_layers, notify_stream, notify_dims, notify_camera, notify_telemetry, notify_error,
    notify_state,  // scenehost's generic resumable topic (docs/protocol.md), only to sessions that ask for it
    state_update, ack_state, call_command, reply_command, error_command,
};
// clang-format on
inline constexpr std::size_t kFrameTypeCount = 19;

// Who may send a frame type. `both` as an expectation means "either side".
enum class Direction { client_to_server, server_to_client, both };

// App. B.2: whether an envelope field must, may or must not appear on a frame type.
enum class Presence { required, optional, forbidden };

struct EnvelopeRules {
    Presence session;
    Presence frame_id;
    Presence seq;  // `seq` and `delta_token` always go together
    Presence intent_id;
    bool short_id;  // notify.dims / notify.camera: exactly one of intent_id or a frame_id of <= 8 chars
};
inline constexpr std::size_t kShortFrameIdMax = 8;

std::string_view type_name(FrameType type);  // "session.hello", ...
std::optional<FrameType> frame_type_from_name(std::string_view name);
Direction direction(FrameType type);
const EnvelopeRules &envelope_rules(FrameType type);
// Whether a frame of `type` may travel in the `expected` direction (`both` accepts any type).
bool travels(FrameType type, Direction expected);
// "client" / "server" / "either side", for messages.
std::string_view sender_name(Direction direction);

}  // namespace scenehost::protocol
