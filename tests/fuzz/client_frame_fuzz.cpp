// Fuzz target: one text frame a client sends after its hello. Both dialects read it (the v1 and
// v2 parsers, the validators of all 18 frame types) and answer it as ControlSession::on_error and
// the intent lane do, with builders that assert every frame they write is valid: client input
// that makes the host build an invalid frame is a crash here.
#include <boost/json/object.hpp>
#include <cstddef>
#include <cstdint>
#include <variant>

#include "base/assert.hpp"
#include "base/clock.hpp"
#include "fuzz_files.hpp"
#include "protocol/client_frames.hpp"
#include "protocol/frame_validator.hpp"
#include "protocol/handshake.hpp"
#include "protocol/intent_aliases.hpp"
#include "protocol/v2/frame_validator.hpp"

namespace {

using namespace scenehost;
namespace json = boost::json;

constexpr std::string_view kSession = "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b";

// What a session sends back for a parsed frame (control_session.cpp on_error, intent_lane.cpp).
void answer(protocol::Dialect &dialect, const protocol::ParsedFrame &parsed) {
    if (std::holds_alternative<protocol::Keepalive>(parsed)) return;
    if (const auto *error = std::get_if<protocol::ProtocolError>(&parsed)) {
        const json::object details{{"field", error->field}};
        if (error->type == protocol::FrameType::state_update && error->frame_id && error->intent_id) {
            dialect.ack_rejected(kSession, *error->intent_id, *error->frame_id, {error->code, error->message, details},
                                 std::nullopt);
        } else if (error->type == protocol::FrameType::call_command && error->frame_id) {
            dialect.error_command(kSession, *error->frame_id, error->code, error->message, details);
        } else {
            dialect.error(kSession, {"protocol", error->code, error->message, "warning", details});
        }
        return;
    }
    const auto &frame = std::get<protocol::ClientFrame>(parsed);
    if (const auto *update = std::get_if<protocol::StateUpdate>(&frame.payload)) {
        // The lane resolves the address, then acks under the frame's own identifiers.
        protocol::resolve_intent(update->scope, update->target, update->key);
        dialect.ack_rejected(kSession, *frame.envelope.intent_id, *frame.envelope.frame_id,
                             {"state.unknown_scope", "fuzz", json::object{{"scope", update->scope}}}, 0);
    } else if (std::holds_alternative<protocol::CallCommand>(frame.payload)) {
        dialect.error_command(kSession, *frame.envelope.frame_id, "command.not_found", "fuzz", std::nullopt);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static base::ManualClock clock;
    static protocol::Dialects dialects(clock, true);
    const std::string_view text = fuzz::as_text(data, size);

    const auto v1 = protocol::parse_client_frame(text, protocol::kClientV1);
    // The parser and the validator must agree on what a client may send (frame_validator.hpp:
    // "the parser uses it for client frames").
    const auto problem = protocol::validate_frame(text, protocol::Direction::client_to_server);
    SCENEHOST_ASSERT(std::holds_alternative<protocol::ClientFrame>(v1) == !problem,
                     "parse_client_frame and validate_frame agree on v1 client frames");
    protocol::validate_frame(text, protocol::Direction::both);
    protocol::v2::validate_frame(text, protocol::Direction::both);

    answer(dialects.v1(), dialects.v1().parse(text));
    answer(dialects.v2(), dialects.v2().parse(text));
    return 0;
}
