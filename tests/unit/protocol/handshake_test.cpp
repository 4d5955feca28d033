// Dialect negotiation: the envelope says how the hello is read, protocols what the client speaks;
// the highest both speak wins; a refusal is written as the client wrote its hello.
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "base/clock.hpp"
#include "protocol/handshake.hpp"

using namespace scenehost;
using namespace scenehost::protocol;
namespace json = boost::json;

namespace {

std::string hello(int envelope, json::array protocols, json::object features = {{"notify.scene", true},
                                                                                {"notify.layers", true},
                                                                                {"notify.stream", true}}) {
    return json::serialize(json::object{
        {"type", "session.hello"},
        {"version", envelope},
        {"frame_id", "h-1"},
        {"timestamp", 1.0},
        {"payload",
         {{"protocols", std::move(protocols)},
          {"client", {{"name", "n"}, {"version", "v"}, {"platform", "p"}}},
          {"features", std::move(features)},
          {"resume_tokens", json::object{}}}}});
}

struct Fixture {
    base::ManualClock clock;
    Dialects dialects{clock, true};

    int accepted(const std::string &text) {
        auto result = negotiate(text, dialects);
        REQUIRE(std::holds_alternative<HelloAccepted>(result));
        return std::get<HelloAccepted>(result).dialect->version();
    }
    HelloRefused refused(const std::string &text) {
        auto result = negotiate(text, dialects);
        REQUIRE(std::holds_alternative<HelloRefused>(result));
        return std::get<HelloRefused>(std::move(result));
    }
};

}  // namespace

TEST_CASE("negotiate: the highest protocol both sides speak") {
    Fixture f;
    CHECK(f.accepted(hello(1, {1})) == 1);
    CHECK(f.accepted(hello(2, {2})) == 2);
    CHECK(f.accepted(hello(2, {1, 2})) == 2);
    CHECK(f.accepted(hello(1, {2, 1})) == 2);
    CHECK(f.accepted(hello(2, {1})) == 1);
}

TEST_CASE("negotiate: 2 needs napari-cuda's notify features, a client that also speaks 1 gets 1") {
    Fixture f;
    CHECK(f.accepted(hello(2, {1, 2}, {{"notify.scene", true}})) == 1);
    const HelloRefused r = f.refused(hello(2, {2}, {{"notify.scene", true}, {"notify.layers", false}}));
    CHECK(r.dialect->version() == 2);
    CHECK(r.reject.code == "session.unsupported_client");
    CHECK(r.reject.details->at("missing") == json::array{"notify.layers", "notify.stream"});
}

TEST_CASE("negotiate: refusals in the dialect the hello was written in") {
    Fixture f;
    const HelloRefused none = f.refused(hello(2, {3, 4}));
    CHECK(none.dialect->version() == 2);
    CHECK(none.reject.code == "session.unsupported_protocol");
    CHECK(none.reject.details->at("client_protocols") == json::array{3, 4});
    CHECK(f.refused(hello(1, {3})).dialect->version() == 1);
    const HelloRefused garbage = f.refused("{{");
    CHECK(garbage.dialect->version() == 1);
    CHECK(garbage.reject.code == "protocol.invalid_json");
    const HelloRefused first = f.refused(json::serialize(json::object{
        {"type", "session.ack"}, {"version", 2}, {"session", "s"}, {"frame_id", "f"}, {"timestamp", 1.0},
        {"payload", json::object{}}}));
    CHECK(first.dialect->version() == 2);
    CHECK(first.reject.code == "session.unexpected_message");
    // A v2 hello with a v1 envelope version is read as v1: the envelope is what was written.
    CHECK(f.refused(hello(3, {2})).reject.code == "protocol.invalid_envelope");
}
