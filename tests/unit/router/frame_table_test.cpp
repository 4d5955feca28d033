// The router table without sockets: each client frame type reaches its one handler with the
// parsed payload, and nothing else is called.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "protocol/client_frames.hpp"
#include "router/frame_table.hpp"

using namespace scenehost;

namespace {

// What a handler saw: its name and one field of the frame.
struct Calls {
    std::vector<std::string> seen;
};

router::FrameTable<Calls> table() {
    router::FrameTable<Calls> t;
    t.on<protocol::Hello>([](Calls &c, const protocol::Envelope &, const protocol::Hello &h) {
         c.seen.push_back("hello:" + h.client.name);
     })
        .on<protocol::StateUpdate>([](Calls &c, const protocol::Envelope &e, const protocol::StateUpdate &u) {
            c.seen.push_back("update:" + *e.intent_id + ":" + u.scope + "/" + u.target + "/" + u.key);
        })
        .on<protocol::CallCommand>([](Calls &c, const protocol::Envelope &e, const protocol::CallCommand &call) {
            c.seen.push_back("command:" + *e.frame_id + ":" + call.command);
        })
        .on<protocol::SessionAck>([](Calls &c, const protocol::Envelope &e, const protocol::SessionAck &) {
            c.seen.push_back("ack:" + *e.frame_id);
        })
        .on<protocol::Goodbye>([](Calls &c, const protocol::Envelope &, const protocol::Goodbye &g) {
            c.seen.push_back("goodbye:" + g.reason.value_or("-"));
        });
    return t;
}

protocol::ClientFrame parse(std::string_view text) {
    auto parsed = protocol::parse_client_frame(text);
    INFO(text);
    REQUIRE(std::holds_alternative<protocol::ClientFrame>(parsed));
    return std::get<protocol::ClientFrame>(std::move(parsed));
}

}  // namespace

TEST_CASE("a table is complete only when every client frame type has a handler") {
    router::FrameTable<Calls> partial;
    partial.on<protocol::Hello>([](Calls &, const auto &, const auto &) {});
    CHECK_FALSE(partial.complete());
    CHECK(table().complete());
}

TEST_CASE("each client frame type reaches its own handler with its parsed payload") {
    const auto t = table();
    Calls calls;
    t.dispatch(calls, parse(R"({"type":"session.hello","version":1,"frame_id":"h","timestamp":1.0,
        "payload":{"protocols":[1],"client":{"name":"napari","version":"1","platform":"linux"},
                   "features":{},"resume_tokens":{}}})"));
    t.dispatch(calls, parse(R"({"type":"state.update","version":1,"session":"s","frame_id":"f1","intent_id":"i1",
        "timestamp":1.0,"payload":{"scope":"annotations","target":"a1","key":"label","value":"x"}})"));
    t.dispatch(calls, parse(R"({"type":"call.command","version":1,"session":"s","frame_id":"c1","timestamp":1.0,
        "payload":{"command":"scene.snapshot","args":[],"kwargs":{}}})"));
    t.dispatch(calls, parse(R"({"type":"session.ack","version":1,"session":"s","frame_id":"a1","timestamp":1.0,
        "payload":{}})"));
    t.dispatch(calls, parse(R"({"type":"session.goodbye","version":1,"session":"s","frame_id":"g1","timestamp":1.0,
        "payload":{"reason":"done"}})"));
    CHECK(calls.seen == std::vector<std::string>{"hello:napari", "update:i1:annotations/a1/label",
                                                 "command:c1:scene.snapshot", "ack:a1", "goodbye:done"});
}

TEST_CASE("the table holds no state: one table serves many contexts") {
    const auto t = table();
    Calls a, b;
    const auto ack = parse(R"({"type":"session.ack","version":1,"session":"s","frame_id":"x","timestamp":1.0,"payload":{}})");
    t.dispatch(a, ack);
    t.dispatch(b, ack);
    t.dispatch(a, ack);
    CHECK(a.seen.size() == 2);
    CHECK(b.seen.size() == 1);
}
