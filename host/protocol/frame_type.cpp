// The frame-type table: one row per type, in FrameType order, straight from App. B.2.
#include "protocol/frame_type.hpp"

#include <array>

#include "base/assert.hpp"

namespace scenehost::protocol {
namespace {

struct Row {
    FrameType type;
    std::string_view name;
    Direction direction;
    EnvelopeRules rules;
};

constexpr Presence kReq = Presence::required;
constexpr Presence kOpt = Presence::optional;
constexpr Presence kNo = Presence::forbidden;
constexpr Direction kC2S = Direction::client_to_server;
constexpr Direction kS2C = Direction::server_to_client;

// clang-format off
// type, wire name, sender, {session, frame_id, seq + delta_token, intent_id, short-id rule}
constexpr std::array<Row, kFrameTypeCount> kRows = {{
    {FrameType::session_hello,     "session.hello",     kC2S,            {kNo,  kReq, kNo,  kNo,  false}},
    {FrameType::session_welcome,   "session.welcome",   kS2C,            {kReq, kReq, kNo,  kNo,  false}},
    {FrameType::session_reject,    "session.reject",    kS2C,            {kNo,  kReq, kNo,  kNo,  false}},
    {FrameType::session_heartbeat, "session.heartbeat", kS2C,            {kReq, kReq, kNo,  kNo,  false}},
    {FrameType::session_ack,       "session.ack",       kC2S,            {kReq, kReq, kNo,  kNo,  false}},
    {FrameType::session_goodbye,   "session.goodbye",   Direction::both, {kReq, kReq, kNo,  kNo,  false}},
    {FrameType::notify_scene,      "notify.scene",      kS2C,            {kReq, kOpt, kReq, kOpt, false}},
    {FrameType::notify_layers,     "notify.layers",     kS2C,            {kReq, kOpt, kReq, kOpt, false}},
    {FrameType::notify_stream,     "notify.stream",     kS2C,            {kReq, kOpt, kReq, kNo,  false}},
    {FrameType::notify_dims,       "notify.dims",       kS2C,            {kReq, kOpt, kNo,  kOpt, true}},
    {FrameType::notify_camera,     "notify.camera",     kS2C,            {kReq, kOpt, kNo,  kOpt, true}},
    {FrameType::notify_telemetry,  "notify.telemetry",  kS2C,            {kReq, kOpt, kNo,  kNo,  false}},
    {FrameType::notify_error,      "notify.error",      kS2C,            {kReq, kOpt, kNo,  kNo,  false}},
    {FrameType::notify_state,      "notify.state",      kS2C,            {kReq, kOpt, kReq, kOpt, false}},
    {FrameType::state_update,      "state.update",      kC2S,            {kReq, kReq, kNo,  kReq, false}},
    {FrameType::ack_state,         "ack.state",         kS2C,            {kReq, kReq, kNo,  kNo,  false}},
    {FrameType::call_command,      "call.command",      kC2S,            {kReq, kReq, kNo,  kNo,  false}},
    {FrameType::reply_command,     "reply.command",     kS2C,            {kReq, kReq, kNo,  kNo,  false}},
    {FrameType::error_command,     "error.command",     kS2C,            {kReq, kReq, kNo,  kNo,  false}},
}};
// clang-format on

constexpr bool rows_in_enum_order() {
    for (std::size_t i = 0; i < kRows.size(); ++i) {
        if (static_cast<std::size_t>(kRows[i].type) != i) return false;
    }
    return true;
}
static_assert(rows_in_enum_order(), "kRows is indexed by FrameType");

const Row &row(FrameType type) {
    const auto index = static_cast<std::size_t>(type);
    SCENEHOST_ASSERT(index < kRows.size(), "FrameType values are the rows of kRows");
    return kRows[index];
}

}  // namespace

std::string_view type_name(FrameType type) { return row(type).name; }

Direction direction(FrameType type) { return row(type).direction; }

const EnvelopeRules &envelope_rules(FrameType type) { return row(type).rules; }

std::optional<FrameType> frame_type_from_name(std::string_view name) {
    for (const Row &r : kRows) {
        if (r.name == name) return r.type;
    }
    return std::nullopt;
}

bool travels(FrameType type, Direction expected) {
    const Direction sender = direction(type);
    return expected == Direction::both || sender == Direction::both || sender == expected;
}

std::string_view sender_name(Direction direction) {
    switch (direction) {
        case Direction::client_to_server: return "client";
        case Direction::server_to_client: return "server";
        case Direction::both: return "either side";
    }
    SCENEHOST_ASSERT(false, "Direction has three values");
    return {};
}

}  // namespace scenehost::protocol
