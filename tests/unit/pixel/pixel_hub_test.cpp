// The pixel fan-out: a client starts at an IDR and asks for one on joining; a client whose
// connection is backed up loses frames up to the next IDR, never holds up the others and never
// forces IDRs on them more than once per recovery interval; one that makes no progress is
// closed; the metadata block goes only to clients that asked for it.
#include <catch2/catch.hpp>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.hpp"
#include "pixel/pixel_hub.hpp"
#include "protocol/pixel_frame.hpp"

using namespace scenehost;

namespace {

// Records what the hub sends; messages stay queued until the test drains them.
class FakeConnection final : public transport::Connection {
public:
    void send_text(std::shared_ptr<const std::string>, transport::SendClass, std::string) override {
        FAIL("the pixel channel sends binary messages only");
    }
    void send_binary(std::shared_ptr<const std::string> bytes) override { queue.push_back(std::move(bytes)); }
    void discard_unsent() override {
        if (queue.size() > 1) queue.erase(queue.begin() + 1, queue.end());  // the front one is being written
    }
    void close(transport::CloseCode code, std::string_view why) override {
        closed = code;
        reason = std::string(why);
    }
    const std::string &peer() const override { return peer_; }
    size_t queued_bytes() const override { return 0; }
    size_t queued_messages() const override { return queue.size(); }

    // Everything queued, written out: parsed.
    std::vector<protocol::PixelMessage> drain() {
        std::vector<protocol::PixelMessage> out;
        for (const auto &bytes : queue) {
            written.push_back(bytes);
            const auto parsed = protocol::parse_pixel_message(
                {reinterpret_cast<const uint8_t *>(bytes->data()), bytes->size()});
            REQUIRE(std::holds_alternative<protocol::PixelMessage>(parsed));
            out.push_back(std::get<protocol::PixelMessage>(parsed));
        }
        queue.clear();
        return out;
    }

    std::deque<std::shared_ptr<const std::string>> queue;
    std::vector<std::shared_ptr<const std::string>> written;  // keeps parsed payloads alive
    std::optional<transport::CloseCode> closed;
    std::string reason;

private:
    std::string peer_ = "fake:2";
};

std::shared_ptr<const pixel::EncodedFrame> frame(uint64_t sequence, bool keyframe) {
    auto f = std::make_shared<pixel::EncodedFrame>();
    f->sequence = sequence;
    f->captured_us = 1'700'000'000'000'000 + int64_t(sequence);
    f->projected_us = f->captured_us - 100;
    f->encoded_us = f->captured_us + 200;
    f->width = 64;
    f->height = 48;
    f->keyframe = keyframe;
    f->versions = {{"camera", sequence}};
    f->avcc = {0, 0, 0, 1, uint8_t(keyframe ? 0x65 : 0x41)};
    return f;
}

struct Client {
    std::shared_ptr<FakeConnection> connection = std::make_shared<FakeConnection>();
    std::shared_ptr<transport::ConnectionHandler> handler;
};

std::vector<uint32_t> seqs(const std::vector<protocol::PixelMessage> &messages) {
    std::vector<uint32_t> out;
    for (const auto &m : messages) out.push_back(m.header.seq);
    return out;
}

// The hub's clock for sent_us.
base::ManualClock &hub_clock() {
    static base::ManualClock c(1'700'000'000'500'000);
    return c;
}

}  // namespace

TEST_CASE("a joining client asks for an IDR and gets nothing before one") {
    int requests = 0;
    pixel::PixelHub hub(hub_clock(), [&] { ++requests; });
    Client a;
    a.handler = hub.on_connect(a.connection, "");
    CHECK(requests == 1);
    CHECK(hub.client_count() == 1);
    hub.publish(frame(1, false));
    hub.publish(frame(2, false));
    CHECK(a.connection->queue.empty());
    hub.publish(frame(3, true));
    hub.publish(frame(4, false));
    const auto got = a.connection->drain();
    CHECK(seqs(got) == std::vector<uint32_t>{3, 4});
    CHECK(got[0].header.flags == protocol::kPixelFlagKeyframe);
    CHECK(got[1].header.flags == 0);
    CHECK(got[0].header.width == 64);
    CHECK(got[0].header.timestamp_s == Approx(1'700'000'000.000003));
    CHECK_FALSE(got[0].meta.has_value());
    CHECK(hub.stats().dropped == 2);
    a.handler->on_closed();
    CHECK(hub.client_count() == 0);
}

TEST_CASE("a backed-up client drops frames up to the next IDR without forcing one, the others get every frame") {
    int requests = 0;
    pixel::PixelHub hub(hub_clock(), [&] { ++requests; }, {.max_queued = 2});
    Client slow, fast;
    slow.handler = hub.on_connect(slow.connection, "");
    fast.handler = hub.on_connect(fast.connection, "");
    hub.publish(frame(1, true));
    std::vector<uint32_t> fast_got = seqs(fast.connection->drain());
    requests = 0;
    for (uint64_t s = 2; s <= 30; ++s) {
        hub.publish(frame(s, false));
        for (uint32_t q : seqs(fast.connection->drain())) fast_got.push_back(q);
    }
    CHECK(fast_got.size() == 30);
    CHECK(fast_got.back() == 30);
    // slow holds 1 and 2 (its limit) and drops 3..30: its lag forces no IDR on everyone.
    CHECK(slow.connection->queue.size() == 2);
    CHECK(requests == 0);
    CHECK(hub.stats().dropped == 28);
    // The next scheduled IDR serves it.
    hub.publish(frame(31, true));
    CHECK(seqs(slow.connection->drain()) == std::vector<uint32_t>{1, 31});  // 2 was discarded for the IDR
    hub.publish(frame(32, false));
    CHECK(seqs(slow.connection->drain()) == std::vector<uint32_t>{32});
    CHECK(seqs(fast.connection->drain()) == std::vector<uint32_t>{31, 32});
    CHECK(requests == 0);
}

TEST_CASE("a client that caught up after lagging asks for one IDR, at most once per recovery interval") {
    base::ManualClock clock(1'000'000);
    int requests = 0;
    pixel::PixelHub hub(clock, [&] { ++requests; }, {.max_queued = 2, .recovery_interval_us = 10'000'000});
    Client slow;
    slow.handler = hub.on_connect(slow.connection, "");
    requests = 0;
    auto lag_then_drain = [&](uint64_t first) {
        hub.publish(frame(first, true));
        for (uint64_t s = first + 1; s <= first + 5; ++s) hub.publish(frame(s, false));  // 2 fit, 4 dropped
        slow.connection->drain();
        slow.handler->on_drained();  // what the transport says when the queue has been written out
    };
    lag_then_drain(1);
    CHECK(requests == 1);  // it would show a stale picture until the next scheduled IDR otherwise
    CHECK(hub.stats().recoveries == 1);
    clock.advance_us(9'000'000);
    lag_then_drain(10);
    CHECK(requests == 1);  // within the interval: waits for the scheduled IDR
    clock.advance_us(1'000'000);
    slow.handler->on_drained();
    CHECK(requests == 2);  // still behind, the interval has passed
    slow.handler->on_drained();
    CHECK(requests == 2);  // nothing dropped since: nothing to recover
}

TEST_CASE("a client whose queue has not drained for the stall timeout is closed with 1013, the others go on") {
    base::ManualClock clock(1'000'000);
    pixel::PixelHub hub(clock, [] {}, {.max_queued = 2, .stall_timeout_us = 10'000'000});
    Client stuck, reader;
    stuck.handler = hub.on_connect(stuck.connection, "");
    reader.handler = hub.on_connect(reader.connection, "");
    for (uint64_t s = 1; s <= 20; ++s) {
        clock.advance_us(1'000'000);
        hub.publish(frame(s, s % 5 == 1));
        reader.connection->drain();
        reader.handler->on_drained();
        if (s <= 10) CHECK_FALSE(stuck.connection->closed.has_value());
    }
    REQUIRE(stuck.connection->closed.has_value());
    CHECK(*stuck.connection->closed == transport::CloseCode::try_again_later);
    CHECK_THAT(stuck.connection->reason, Catch::Contains("no progress"));
    CHECK_FALSE(reader.connection->closed.has_value());
    CHECK(hub.stats().stalled == 1);  // once, though it stays registered until on_closed
    stuck.handler->on_closed();
    CHECK(hub.client_count() == 1);
    // A client with an empty queue (waiting for an IDR, or idle) is never stalled.
    Client idle;
    idle.handler = hub.on_connect(idle.connection, "");
    clock.advance_us(60'000'000);
    hub.publish(frame(21, false));
    CHECK_FALSE(idle.connection->closed.has_value());
}

TEST_CASE("hold_until_keyframe: every client gets nothing more until the next IDR") {
    pixel::PixelHub hub(hub_clock(), [] {});
    Client a, b;
    a.handler = hub.on_connect(a.connection, "");
    b.handler = hub.on_connect(b.connection, "");
    hub.publish(frame(1, true));
    hub.publish(frame(2, false));
    CHECK(seqs(a.connection->drain()) == std::vector<uint32_t>{1, 2});
    CHECK(seqs(b.connection->drain()) == std::vector<uint32_t>{1, 2});
    hub.hold_until_keyframe();
    hub.publish(frame(3, false));
    hub.publish(frame(4, true));
    CHECK(seqs(a.connection->drain()) == std::vector<uint32_t>{4});
    CHECK(seqs(b.connection->drain()) == std::vector<uint32_t>{4});
}

TEST_CASE("an IDR replaces what a backed-up client still has waiting, except the message being written") {
    pixel::PixelHub hub(hub_clock(), [] {}, {.max_queued = 3});
    Client c;
    c.handler = hub.on_connect(c.connection, "");
    for (uint64_t s = 1; s <= 3; ++s) hub.publish(frame(s, s == 1));
    REQUIRE(c.connection->queue.size() == 3);
    hub.publish(frame(4, true));
    CHECK(seqs(c.connection->drain()) == std::vector<uint32_t>{1, 4});
}

TEST_CASE("meta=1 clients get the metadata block, the same frame goes to plain clients without it") {
    pixel::PixelHub hub(hub_clock(), [] {});
    Client plain, meta;
    plain.handler = hub.on_connect(plain.connection, "");
    meta.handler = hub.on_connect(meta.connection, "meta=1");
    hub.publish(frame(5, true));
    const auto p = plain.connection->drain();
    const auto m = meta.connection->drain();
    REQUIRE(p.size() == 1);
    REQUIRE(m.size() == 1);
    CHECK_FALSE(p[0].meta.has_value());
    REQUIRE(m[0].meta.has_value());
    CHECK(m[0].header.flags == (protocol::kPixelFlagKeyframe | protocol::kPixelFlagMeta));
    CHECK(m[0].meta->sequence == 5);
    CHECK(m[0].meta->captured_us == 1'700'000'000'000'005);
    CHECK(m[0].meta->versions.at("camera") == 5);
    // The stages: the frame's own, then the hub's clock when it handed the frame on.
    CHECK(m[0].meta->stages == protocol::PixelStages{1'700'000'000'000'005 - 100, 1'700'000'000'000'005,
                                                     1'700'000'000'000'005 + 200, hub_clock().now_us()});
    CHECK(std::vector<uint8_t>(m[0].payload.begin(), m[0].payload.end()) ==
          std::vector<uint8_t>(p[0].payload.begin(), p[0].payload.end()));
}

TEST_CASE("an unknown query is refused with 1008 naming it, and the client is not served") {
    int requests = 0;
    pixel::PixelHub hub(hub_clock(), [&] { ++requests; });
    Client c;
    c.handler = hub.on_connect(c.connection, "codec=hevc");
    CHECK(c.connection->closed == transport::CloseCode::policy);
    CHECK(c.connection->reason == "unknown query 'codec=hevc': /pixels takes meta=1 or nothing");
    CHECK(hub.client_count() == 0);
    CHECK(requests == 0);
    c.handler->on_closed();
}

TEST_CASE("close_all closes every client with the code given") {
    pixel::PixelHub hub(hub_clock(), [] {});
    Client a, b;
    a.handler = hub.on_connect(a.connection, "");
    b.handler = hub.on_connect(b.connection, "meta=1");
    hub.close_all(transport::CloseCode::going_away, "the host is stopping");
    CHECK(a.connection->closed == transport::CloseCode::going_away);
    CHECK(b.connection->closed == transport::CloseCode::going_away);
}
