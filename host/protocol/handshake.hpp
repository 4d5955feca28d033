// Which dialect a session speaks, decided by its session.hello: the envelope's `version` says how
// the hello itself is read, `protocols` what the client can speak; the host picks the highest
// both speak. A hello that cannot be accepted is refused in the dialect the client wrote, so it
// can parse the refusal.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <variant>

#include "protocol/client_frames.hpp"
#include "protocol/dialect.hpp"
#include "protocol/server_frames.hpp"
#include "protocol/v2/server_frames.hpp"

namespace scenehost::protocol {

// The host's dialects, one builder each (they share the clock).
class Dialects {
public:
    Dialects(const base::Clock &clock, bool validate_output) : v1_(clock, validate_output), v2_(clock, validate_output) {}
    Dialect &v1() { return v1_; }
    Dialect &v2() { return v2_; }

private:
    FrameBuilder v1_;
    v2::FrameBuilder v2_;
};

struct HelloAccepted {
    Dialect *dialect;  // for the session's whole life
    Hello hello;
};

// A refusal to send (as session.reject, then close), and the dialect to write it in.
struct HelloRefused {
    Dialect *dialect;
    Reject reject;
};

// The first frame of a connection. Refusals, in this order: not JSON / not a hello / a hello the
// dialect of its envelope version does not accept (the protocol.* codes and
// session.unexpected_message), no protocol both speak (session.unsupported_protocol), and, for
// a client offering 2 and not 1, one of the notify features napari-cuda's server requires not
// asked for (session.unsupported_client, details.missing); offering 1 too, it then gets 1.
std::variant<HelloAccepted, HelloRefused> negotiate(std::string_view text, Dialects &dialects);

}  // namespace scenehost::protocol
