// The envelope of every frame, both directions: read from JSON and checked against the field
// matrix of the spec's appendix B.2, and written back out as the head of a frame's text.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <variant>

#include "protocol/frame.hpp"

namespace scenehost::protocol {

// What the dialects' envelopes differ in.
struct EnvelopeDialect {
    int version;                  // the `version` every frame carries
    bool exactly_one_identifier;  // notify.dims / notify.camera: v1 takes exactly one of intent_id and a
                                  // short frame_id, v2 at least one
};
inline constexpr EnvelopeDialect kEnvelopeV1{1, true};
inline constexpr EnvelopeDialect kEnvelopeV2{2, false};

// Reads and checks the envelope of a frame object, in this order: type (known, and allowed to
// travel in `expected` direction: else protocol.unknown_type), the dialect's version, timestamp, payload
// object, field kinds, then check_envelope. frame_id / intent_id / type are salvaged into the
// error whenever they could be read. Unknown top-level keys are ignored.
// One text frame as a JSON object, or protocol.invalid_json (not JSON, or not an object).
std::variant<boost::json::object, ProtocolError> parse_frame_object(std::string_view text);

std::variant<Envelope, ProtocolError> read_envelope(const boost::json::object &frame,
                                                    Direction expected = Direction::both,
                                                    const EnvelopeDialect &dialect = kEnvelopeV1);

// The App. B.2 rules on a typed envelope: required / forbidden session, frame_id, seq +
// delta_token and intent_id per type; seq 0 on notify.scene; the identifier rule of notify.dims /
// notify.camera (v1: exactly one of intent_id or a frame_id of <= 8 chars; v2: at least one).
// The builders assert it.
std::optional<ProtocolError> check_envelope(const Envelope &envelope, const EnvelopeDialect &dialect = kEnvelopeV1);

// The frame's text: the envelope's fields, `"version":N`, the timestamp with exactly six
// decimals (so microseconds survive), then `payload` serialised as given.
std::string write_frame(const Envelope &envelope, const boost::json::object &payload, int version = 1);

}  // namespace scenehost::protocol
