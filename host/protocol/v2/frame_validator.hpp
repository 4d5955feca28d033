// The v2 validator: every frame of napari-cuda's shipping dialect (envelope version 2), with the
// payload rules its EnvelopeParser and its client's mirrors enforce (kept strict where they
// are: hello, welcome, goodbye and every notify payload reject unknown keys). The v2 builder
// asserts it on every frame it emits; tests run it on every frame a v2 session receives.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string_view>

#include "protocol/frame.hpp"

namespace scenehost::protocol::v2 {

std::optional<ProtocolError> validate_frame(std::string_view text, Direction expected = Direction::both);
std::optional<ProtocolError> validate_frame(const boost::json::object &frame, Direction expected = Direction::both);
std::optional<ProtocolError> validate_payload(const Envelope &envelope, const boost::json::object &payload);

}  // namespace scenehost::protocol::v2
