// The internal frame model of the greenfield v1 control protocol: the envelope and the protocol
// error. host/protocol is the only place that knows wire field names; other modules see these.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/frame_type.hpp"

namespace scenehost::protocol {

// Wire error codes of the protocol layer (design.md, "Errors: codes clients see").
inline constexpr std::string_view kInvalidJson = "protocol.invalid_json";
inline constexpr std::string_view kInvalidEnvelope = "protocol.invalid_envelope";
inline constexpr std::string_view kInvalidPayload = "protocol.invalid_payload";
inline constexpr std::string_view kUnknownType = "protocol.unknown_type";

// A frame that breaks the protocol. `message` names the field and the rule broken; the
// identifiers are whatever could be read, so the caller can still answer (an ack.state rejection
// needs type, frame_id and intent_id).
struct ProtocolError {
    std::string code;     // one of the four codes above
    std::string message;  // e.g. "envelope field 'seq' is forbidden on state.update"
    std::string field;    // e.g. "seq", "payload.value"; empty when the frame is not JSON at all
    std::optional<FrameType> type;
    std::optional<std::string> frame_id;
    std::optional<std::string> intent_id;
};

// The envelope of one frame. Absent fields are nullopt; the field matrix (App. B.2) says which
// of them a type requires or forbids.
struct Envelope {
    FrameType type{};
    std::optional<std::string> session;
    std::optional<std::string> frame_id;
    double timestamp = 0;  // Unix seconds, microsecond precision
    std::optional<uint64_t> seq;
    std::optional<std::string> delta_token;
    std::optional<std::string> intent_id;
};

}  // namespace scenehost::protocol
