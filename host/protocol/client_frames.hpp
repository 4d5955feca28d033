// Frames a client sends (session.hello, session.ack, session.goodbye, state.update, call.command),
// parsed strictly into typed payloads. Every problem is a ProtocolError naming the field.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "protocol/envelope.hpp"
#include "protocol/frame.hpp"
#include "protocol/payload_reader.hpp"

namespace scenehost::protocol {

struct ClientInfo {
    std::string name;
    std::string version;
    std::string platform;
};

// session.hello. Unknown keys are rejected here, in `client` and in `auth`.
struct Hello {
    std::vector<int64_t> protocols;  // non-empty
    ClientInfo client;
    std::map<std::string, bool, std::less<>> features;                             // topic -> wanted
    std::map<std::string, std::optional<std::string>, std::less<>> resume_tokens;  // required key, may be {}
    std::optional<std::string> auth_type{};                                        // "bearer" or "mtls"
    std::optional<std::string> auth_token{};                                       // bearer only
};

// state.update. Unknown payload keys are ignored. The envelope's intent_id is required.
struct StateUpdate {
    std::string scope;                       // non-empty
    std::string target;                      // may be empty (camera "")
    std::string key;                         // non-empty
    boost::json::value value;                // any JSON; `null` is a value, absence is an error
    std::optional<uint64_t> base_version{};  // scenehost's addition (docs/protocol.md): integer >= 0
};

// call.command. Unknown payload keys are ignored.
struct CallCommand {
    std::string command;  // non-empty
    boost::json::array args;
    boost::json::object kwargs;
    std::optional<std::string> origin{};
};

struct SessionAck {};  // payload must be {}

struct Goodbye {
    std::optional<std::string> code{};
    std::optional<std::string> message{};
    std::optional<std::string> reason{};
};

using ClientPayload = std::variant<Hello, StateUpdate, CallCommand, SessionAck, Goodbye>;

struct ClientFrame {
    Envelope envelope;
    ClientPayload payload;
};

// What the dialects' client frames differ in (beyond the envelope).
struct ClientRules {
    EnvelopeDialect envelope;
    bool command_args_required;  // v1 (App. A.4) requires call.command's args and kwargs; v2 defaults them
};
inline constexpr ClientRules kClientV1{kEnvelopeV1, true};
inline constexpr ClientRules kClientV2{kEnvelopeV2, false};

// Parses one text frame from a client. Codes: protocol.invalid_json (not JSON, not an object),
// protocol.unknown_type (type missing, unknown, or server-only), protocol.invalid_envelope,
// protocol.invalid_payload.
std::variant<ClientFrame, ProtocolError> parse_client_frame(std::string_view text, const ClientRules &rules = kClientV1);

// The payload rules of a client frame type (for the validator and the parser). The JSON-valued
// members (StateUpdate::value, CallCommand::args / kwargs) are checked but left empty: the
// parser moves them out of its own document instead of copying.
std::variant<ClientPayload, FieldProblem> read_client_payload(FrameType type, const boost::json::object &payload,
                                                              const ClientRules &rules = kClientV1);

}  // namespace scenehost::protocol
