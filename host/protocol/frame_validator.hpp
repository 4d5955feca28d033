// Validates any frame of the protocol, envelope and payload shape, for all 18 types: the parser
// uses it for client frames, the builders assert it on every frame they emit, tests use it on
// every frame the host sends.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string_view>

#include "protocol/frame.hpp"

namespace scenehost::protocol {

// The whole frame text. `expected` is the direction it travels: a type sent by the other side is
// protocol.unknown_type; Direction::both accepts every type.
std::optional<ProtocolError> validate_frame(std::string_view text, Direction expected = Direction::both);
std::optional<ProtocolError> validate_frame(const boost::json::object &frame, Direction expected = Direction::both);

// The payload rules of envelope.type (protocol.invalid_payload), including the rules that tie the
// payload to the envelope (welcome: payload.session.id equals the envelope's session).
// Server payloads reject unknown keys; client payloads follow the parser's rules.
// protocol_version is what session.welcome must announce (the v2 validator shares these rules).
std::optional<ProtocolError> validate_payload(const Envelope &envelope, const boost::json::object &payload,
                                              int protocol_version = kProtocolVersion);

}  // namespace scenehost::protocol
