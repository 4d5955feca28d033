// The frame-type table: the 18 wire names of spec §2.1 and scenehost's notify.state, who sends each,
// and the App. B.2 rows.
#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "protocol/frame_type.hpp"
#include "unit/protocol/sample_frames.hpp"

using namespace scenehost::protocol;
using test::kAllTypes;

TEST_CASE("the 18 type names are the spec's, with notify.state, and round-trip") {
    const std::set<std::string> spec = {
        "session.hello", "session.welcome", "session.reject", "session.heartbeat", "session.ack",   "session.goodbye",
        "notify.scene",  "notify.layers",   "notify.stream",  "notify.dims",       "notify.camera", "notify.telemetry",
        "notify.error",  "notify.state",    "state.update",    "ack.state",      "call.command",      "reply.command", "error.command"};
    std::set<std::string> seen;
    for (FrameType type : kAllTypes) {
        const std::string_view name = type_name(type);
        seen.emplace(name);
        CHECK(frame_type_from_name(name) == type);
    }
    CHECK(seen == spec);
    CHECK(kFrameTypeCount == 19);
}

TEST_CASE("names are matched exactly") {
    CHECK_FALSE(frame_type_from_name("Session.Hello").has_value());
    CHECK_FALSE(frame_type_from_name("session.hello ").has_value());
    CHECK_FALSE(frame_type_from_name("notify").has_value());
    CHECK_FALSE(frame_type_from_name("").has_value());
    CHECK_FALSE(frame_type_from_name(std::string_view("state.update\0x", 14)).has_value());
}

TEST_CASE("who sends what") {
    const std::set<FrameType> from_client = {FrameType::session_hello, FrameType::session_ack, FrameType::state_update,
                                             FrameType::call_command};
    for (FrameType type : kAllTypes) {
        INFO(type_name(type));
        if (type == FrameType::session_goodbye) {
            CHECK(direction(type) == Direction::both);
            CHECK(travels(type, Direction::client_to_server));
            CHECK(travels(type, Direction::server_to_client));
        } else if (from_client.count(type) != 0) {
            CHECK(direction(type) == Direction::client_to_server);
            CHECK_FALSE(travels(type, Direction::server_to_client));
        } else {
            CHECK(direction(type) == Direction::server_to_client);
            CHECK_FALSE(travels(type, Direction::client_to_server));
        }
        CHECK(travels(type, Direction::both));
    }
}

TEST_CASE("only resumable topics carry seq, only dims and camera use the short-id rule") {
    const std::set<FrameType> resumable = {FrameType::notify_scene, FrameType::notify_layers, FrameType::notify_stream,
                                           FrameType::notify_state};
    for (FrameType type : kAllTypes) {
        INFO(type_name(type));
        const EnvelopeRules &rules = envelope_rules(type);
        CHECK((rules.seq == Presence::required) == (resumable.count(type) != 0));
        CHECK((rules.seq == Presence::forbidden) == (resumable.count(type) == 0));
        CHECK(rules.short_id == (type == FrameType::notify_dims || type == FrameType::notify_camera));
    }
}
