// The send queue keeps every non-coalescible frame, coalesces hot-path frames to the newest
// per key only under pressure, and reports overflow instead of growing past its bound.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "transport/send_queue.hpp"

using namespace scenehost::transport;

namespace {

OutgoingFrame kept(std::string text) { return {std::make_shared<const std::string>(std::move(text)), SendClass::kept, {}}; }

OutgoingFrame hot(std::string text, std::string key) {
    return {std::make_shared<const std::string>(std::move(text)), SendClass::coalescible, std::move(key)};
}

std::vector<std::string> drain(SendQueue &q) {
    std::vector<std::string> out;
    while (!q.empty()) {
        out.push_back(*q.front().text);
        q.pop_front();
    }
    return out;
}

}  // namespace

TEST_CASE("below the bound every frame is queued in order, hot or not") {
    SendQueue q(1000);
    CHECK(q.push(hot("d1", "dims")) == PushResult::queued);
    CHECK(q.push(hot("d2", "dims")) == PushResult::queued);
    CHECK(q.push(kept("ack")) == PushResult::queued);
    CHECK(q.queued_bytes() == 7);
    CHECK(drain(q) == std::vector<std::string>{"d1", "d2", "ack"});
    CHECK(q.queued_bytes() == 0);
}

TEST_CASE("under pressure hot-path frames coalesce to the newest per key") {
    SendQueue q(10);
    q.push(hot("dimsA", "dims"));  // 5 bytes
    q.push(hot("cam1", "cam"));    // 9 bytes
    CHECK(q.push(hot("dimsB", "dims")) == PushResult::coalesced);
    CHECK(drain(q) == std::vector<std::string>{"cam1", "dimsB"});
}

TEST_CASE("a kept frame makes room by coalescing other keys, never by dropping kept frames") {
    SendQueue q(12);
    q.push(hot("d1", "dims"));
    q.push(hot("d2", "dims"));
    q.push(kept("ack1"));
    q.push(hot("d3", "dims"));  // 10 bytes
    CHECK(q.push(kept("ack2")) == PushResult::coalesced);
    CHECK(drain(q) == std::vector<std::string>{"ack1", "d3", "ack2"});
}

TEST_CASE("overflow when only kept frames remain, the frame is not queued") {
    SendQueue q(8);
    CHECK(q.push(kept("abcd")) == PushResult::queued);
    CHECK(q.push(kept("efgh")) == PushResult::queued);
    CHECK(q.push(kept("i")) == PushResult::overflow);
    CHECK(q.queued_bytes() == 8);
    CHECK(drain(q) == std::vector<std::string>{"abcd", "efgh"});
}

TEST_CASE("the first frame is always accepted even when larger than the bound") {
    SendQueue q(4);
    CHECK(q.push(kept("a big snapshot")) == PushResult::queued);
    CHECK(q.push(kept("x")) == PushResult::overflow);
}

TEST_CASE("the frame being written is never coalesced away") {
    SendQueue q(5);
    q.push(hot("d1", "dims"));
    q.mark_front_in_flight();
    q.push(hot("d2", "dims"));
    CHECK(q.push(hot("d3", "dims")) == PushResult::coalesced);
    CHECK(drain(q) == std::vector<std::string>{"d1", "d3"});
}
