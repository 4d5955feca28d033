// The control plane and its sessions over a fake connection, without sockets: what each session
// is sent, in what order, and how a long resume replay is paced by the connection's send queue.
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <deque>

#include "protocol/frame_validator.hpp"
#include "session/control_plane.hpp"
#include "support/reducer_harness.hpp"

using namespace scenehost;
namespace json = boost::json;

namespace {

// Records what the host sends; its queue drains only when the test says so.
class FakeConnection final : public transport::Connection {
public:
    void send_text(std::shared_ptr<const std::string> text, transport::SendClass, std::string) override {
        if (closed) return;
        queued += text->size();
        frames.push_back(json::parse(*text).as_object());
    }
    void close(transport::CloseCode code, std::string_view) override { closed = code; }
    const std::string &peer() const override { return peer_; }
    size_t queued_bytes() const override { return queued; }
    size_t queued_messages() const override { return frames.size(); }
    void send_binary(std::shared_ptr<const std::string>) override { FAIL("the control channel sends text only"); }
    void discard_unsent() override { FAIL("the control channel never discards frames"); }

    std::deque<json::object> frames;
    size_t queued = 0;
    std::optional<transport::CloseCode> closed;

private:
    std::string peer_ = "fake:1";
};

struct Client {
    std::shared_ptr<FakeConnection> connection = std::make_shared<FakeConnection>();
    std::shared_ptr<transport::ConnectionHandler> handler;

    void send(const json::object &frame) { handler->on_text(json::serialize(frame)); }

    json::object next() {
        REQUIRE_FALSE(connection->frames.empty());
        json::object frame = std::move(connection->frames.front());
        connection->frames.pop_front();
        const auto problem = protocol::validate_frame(json::serialize(frame));
        INFO(json::serialize(frame));
        CHECK_FALSE(problem.has_value());
        return frame;
    }
    json::object expect(std::string_view type) {
        json::object frame = next();
        INFO(json::serialize(frame));
        REQUIRE(frame.at("type").as_string() == type);
        return frame;
    }
    // The connection wrote everything out.
    void drain() {
        connection->queued = 0;
        handler->on_drained();
    }
};

json::object hello(json::object resume_tokens = {}) {
    return {{"type", "session.hello"},
            {"version", 1},
            {"frame_id", "hello-1"},
            {"timestamp", 1.0},
            {"payload",
             {{"protocols", {1}},
              {"client", {{"name", "unit"}, {"version", "1"}, {"platform", "linux"}}},
              {"features", {{"notify.scene", true}, {"notify.layers", true}}},
              {"resume_tokens", std::move(resume_tokens)}}}};
}

json::object update(const std::string &session, int n, const json::value &opacity) {
    return {{"type", "state.update"},
            {"version", 1},
            {"session", session},
            {"frame_id", "f-" + std::to_string(n)},
            {"intent_id", "i-" + std::to_string(n)},
            {"timestamp", 1.0},
            {"payload", {{"scope", "layer"}, {"target", "vol"}, {"key", "opacity"}, {"value", opacity}}}};
}

struct Hub {
    test::ReducerHarness harness;
    boost::asio::io_context io;  // never run: the tests drive everything
    base::ManualClock clock;
    engine::CommandRegistry commands;
    session::ControlPlane plane;
    std::deque<Client> clients;  // owned here: they must outlive nothing but the plane

    explicit Hub(size_t replay_budget_bytes = 2 << 20)
        : plane(io, config(replay_budget_bytes), harness.engine(), harness.store(), commands,
                session::declared_lanes(harness.plugins()), clock) {
        plane.sessions().on_critical([](const std::string &) { FAIL("no critical fault in these tests"); });
    }
    ~Hub() {
        for (Client &c : clients) c.handler->on_closed();  // the transport stops first
    }
    static session::SessionConfig config(size_t replay_budget_bytes) {
        session::SessionConfig c;
        c.replay_budget_bytes = replay_budget_bytes;
        return c;
    }
    // Connects a new client and says hello; `session` gets the id from the welcome.
    Client &join(json::object resume_tokens = {}, std::string *session = nullptr) {
        Client &c = clients.emplace_back();
        c.handler = plane.endpoint().on_connect(c.connection);
        c.send(hello(std::move(resume_tokens)));
        const std::string id(c.expect("session.welcome").at("session").as_string());
        if (session != nullptr) *session = id;
        return c;
    }
};

}  // namespace

TEST_CASE("a new session gets welcome then the composed scene at seq 0") {
    Hub h;
    Client &c = h.join();
    const json::object scene = c.expect("notify.scene");
    CHECK(scene.at("seq") == 0);
    CHECK(scene.at("payload").at("layers").as_array().size() == 2);
    CHECK(c.connection->frames.empty());
}

TEST_CASE("an update: the ack first, then the delta to every session, the intent only on the sender's") {
    Hub h;
    std::string session_a;
    Client &a = h.join({}, &session_a);
    Client &b = h.join();
    a.expect("notify.scene");
    b.expect("notify.scene");
    a.send(update(session_a, 1, 0.5));
    const json::object ack = a.expect("ack.state");
    CHECK(ack.at("payload").at("status") == "accepted");
    const json::object mine = a.expect("notify.layers");
    CHECK(mine.at("intent_id") == "i-1");
    const json::object theirs = b.expect("notify.layers");
    CHECK_FALSE(theirs.contains("intent_id"));
    CHECK(theirs.at("seq") == mine.at("seq"));
    CHECK(theirs.at("payload").at("changes").at("opacity") == 0.5);
}

TEST_CASE("a long resume is replayed a part at a time as the connection drains, live deltas held back") {
    Hub h(2000);  // a replay queues at most ~2 kB at once
    std::string writer_session;
    Client &writer = h.join({}, &writer_session);
    Client &reader = h.join();
    writer.expect("notify.scene");
    const json::object scene = reader.expect("notify.scene");
    const json::object tokens{{"notify.scene", scene.at("delta_token")}};
    json::object layer_token;
    for (int i = 1; i <= 40; ++i) {
        writer.send(update(writer_session, i, i / 100.0));
        writer.expect("ack.state");
        writer.expect("notify.layers");
        const json::object delta = reader.expect("notify.layers");
        if (i == 1) layer_token = {{"notify.layers", delta.at("delta_token")}};
    }

    // Back after the first delta: 39 to replay, about 450 bytes each.
    json::object resume = tokens;
    resume["notify.layers"] = layer_token.at("notify.layers");
    Client &again = h.join(resume);
    std::vector<uint64_t> seqs;
    auto take_deltas = [&] {
        while (!again.connection->frames.empty() && again.connection->frames.front().at("type") == "notify.layers") {
            seqs.push_back(again.next().at("seq").to_number<uint64_t>());
        }
    };
    take_deltas();
    const size_t first_part = seqs.size();
    CHECK(first_part > 0);
    CHECK(first_part < 39);  // paced, not all at once

    // A live change meanwhile is not sent to it directly: the replay will carry it.
    writer.send(update(writer_session, 41, 0.99));
    writer.expect("ack.state");
    writer.expect("notify.layers");
    take_deltas();
    CHECK(seqs.size() == first_part);

    for (int drains = 0; drains < 100 && seqs.size() < 40; ++drains) {
        again.drain();
        take_deltas();
    }
    REQUIRE(seqs.size() == 40);  // 2..41, the live one included
    for (size_t i = 0; i < seqs.size(); ++i) CHECK(seqs[i] == i + 2);
    again.expect("notify.dims");
    again.expect("notify.camera");

    // Then it is live again.
    writer.send(update(writer_session, 42, 0.1));
    writer.expect("ack.state");
    CHECK(again.expect("notify.layers").at("seq") == 42);
}

TEST_CASE("a new scene snapshot during a replay ends the replay: the snapshot is the baseline") {
    Hub h(500);
    std::string writer_session;
    Client &writer = h.join({}, &writer_session);
    const json::object scene = writer.expect("notify.scene");
    json::object tokens{{"notify.scene", scene.at("delta_token")}};
    for (int i = 1; i <= 10; ++i) {
        writer.send(update(writer_session, i, i / 100.0));
        writer.expect("ack.state");
        const json::object delta = writer.expect("notify.layers");
        if (i == 1) tokens["notify.layers"] = delta.at("delta_token");
    }
    Client &again = h.join(tokens);
    while (!again.connection->frames.empty()) again.next();
    // A view change publishes a new scene snapshot to everyone.
    writer.send({{"type", "state.update"},
                 {"version", 1},
                 {"session", writer_session},
                 {"frame_id", "f-v"},
                 {"intent_id", "i-v"},
                 {"timestamp", 1.0},
                 {"payload", {{"scope", "view"}, {"target", "main"}, {"key", "fps_target"}, {"value", 30}}}});
    CHECK(again.expect("notify.scene").at("payload").at("viewer").at("settings").at("fps_target") == 30);
    again.drain();
    CHECK(again.connection->frames.empty());  // nothing the snapshot already holds follows
}
