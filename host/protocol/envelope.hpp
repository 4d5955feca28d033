// The envelope field matrix of the spec's appendix B.2, checked the same way on frames that
// arrive and on frames the host builds.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <variant>

#include "protocol/frame.hpp"

namespace scenehost::protocol {

// Reads and checks the envelope of a frame object: type, version 1, timestamp, payload object,
// and which of session / frame_id / seq+delta_token / intent_id the type requires or forbids.
std::variant<Envelope, ProtocolError> read_envelope(const boost::json::object &frame);

}  // namespace scenehost::protocol
