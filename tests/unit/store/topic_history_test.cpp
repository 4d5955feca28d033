// Resume semantics: replay inside the window, baseline outside it (by count and by age),
// epoch reset on a new scene snapshot, and malformed tokens told apart from stale ones.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "base/clock.hpp"
#include "store/topic_history.hpp"

using namespace scenehost;
using store::Topic;

namespace {

constexpr base::TimeUs kSecond = 1'000'000;

std::vector<uint64_t> replayed_seqs(const store::ReplayResult &result) {
    REQUIRE(std::holds_alternative<store::Replay>(result));
    std::vector<uint64_t> seqs;
    for (const auto *e : std::get<store::Replay>(result).entries) seqs.push_back(e->seq);
    return seqs;
}

bool needs_baseline(const store::ReplayResult &r) { return std::holds_alternative<store::BaselineNeeded>(r); }
bool malformed(const store::ReplayResult &r) { return std::holds_alternative<store::MalformedToken>(r); }

struct Fixture {
    base::ManualClock clock;
    store::ResumableHistory history{clock, {3, 5, 10 * kSecond, 1 << 20}, {1, 2, 10 * kSecond, 1 << 20}};
    std::vector<store::Cursor> cursors;

    void deltas(int count) {
        for (int i = 0; i < count; ++i) {
            cursors.push_back(history.apply_delta(Topic::layers, boost::json::object{{"n", cursors.size()}}, 1, "a"));
        }
    }
};

}  // namespace

TEST_CASE("a snapshot has seq 0, deltas count from 1 with unique tokens") {
    Fixture f;
    const auto scene = f.history.seed_snapshot(Topic::scene, boost::json::object{{"viewer", 1}}, 7);
    CHECK(scene.seq == 0);
    CHECK(f.history.snapshot(Topic::scene)->payload.at("viewer") == 1);
    CHECK(f.history.snapshot(Topic::scene)->version == 7);
    f.deltas(3);
    CHECK(f.cursors[0].seq == 1);
    CHECK(f.cursors[2].seq == 3);
    CHECK(f.cursors[0].delta_token != f.cursors[1].delta_token);
    CHECK(f.history.latest(Topic::layers).delta_token == f.cursors[2].delta_token);
    CHECK(store::topic_name(Topic::layers) == "notify.layers");
}

TEST_CASE("replay inside the window gives exactly the deltas after the cursor, in order") {
    Fixture f;
    const auto start = f.history.latest(Topic::layers);
    f.deltas(4);
    CHECK(replayed_seqs(f.history.replay_since(Topic::layers, f.cursors[1].delta_token)) == std::vector<uint64_t>{3, 4});
    CHECK(replayed_seqs(f.history.replay_since(Topic::layers, f.cursors[3].delta_token)).empty());  // up to date
    CHECK(replayed_seqs(f.history.replay_since(Topic::layers, start.delta_token)) == std::vector<uint64_t>{1, 2, 3, 4});
    const auto result = f.history.replay_since(Topic::layers, f.cursors[2].delta_token);
    const auto &replay = std::get<store::Replay>(result);
    CHECK(replay.entries[0]->delta_token == f.cursors[3].delta_token);  // original tokens
    CHECK(replay.entries[0]->payload.at("n") == 3);
}

TEST_CASE("beyond max_entries the oldest deltas go and their tokens need a baseline") {
    Fixture f;
    const auto start = f.history.latest(Topic::layers);
    f.deltas(7);  // max 5: seqs 1 and 2 are pruned
    CHECK(f.history.size(Topic::layers) == 5);
    CHECK(needs_baseline(f.history.replay_since(Topic::layers, f.cursors[0].delta_token)));
    CHECK(needs_baseline(f.history.replay_since(Topic::layers, start.delta_token)));
    // The newest pruned token is still a resume point: everything after it is retained.
    CHECK(replayed_seqs(f.history.replay_since(Topic::layers, f.cursors[1].delta_token)) ==
          std::vector<uint64_t>{3, 4, 5, 6, 7});
    CHECK(replayed_seqs(f.history.replay_since(Topic::layers, f.cursors[2].delta_token)) ==
          std::vector<uint64_t>{4, 5, 6, 7});
}

TEST_CASE("old deltas age out, but never below min_entries") {
    Fixture f;
    f.deltas(5);
    f.clock.advance_us(11 * kSecond);
    f.deltas(1);  // prunes by age while more than 3 remain: seqs 1..3 go
    CHECK(f.history.size(Topic::layers) == 3);
    CHECK(needs_baseline(f.history.replay_since(Topic::layers, f.cursors[1].delta_token)));
    CHECK(replayed_seqs(f.history.replay_since(Topic::layers, f.cursors[2].delta_token)) ==
          std::vector<uint64_t>{4, 5, 6});

    Fixture g;
    g.deltas(3);
    g.clock.advance_us(60 * kSecond);
    g.deltas(0);
    g.history.apply_delta(Topic::stream, boost::json::object{}, 1, "a");
    CHECK(g.history.size(Topic::layers) == 3);  // at min_entries: old but kept
    CHECK(replayed_seqs(g.history.replay_since(Topic::layers, g.cursors[0].delta_token)) == std::vector<uint64_t>{2, 3});
}

TEST_CASE("a snapshot starts a new epoch of its own topic only") {
    Fixture f;
    const auto scene1 = f.history.seed_snapshot(Topic::scene, boost::json::object{}, 1);
    f.deltas(2);
    const auto stream1 = f.history.apply_delta(Topic::stream, boost::json::object{{"codec", "h264"}}, 1, "host");
    const auto state1 = f.history.apply_delta(Topic::state, boost::json::object{{"scope", "notes"}}, 1, "a");
    const auto scene_epoch = f.history.epoch(Topic::scene);
    const auto layers_epoch = f.history.epoch(Topic::layers);
    const auto scene2 = f.history.seed_snapshot(Topic::scene, boost::json::object{}, 2);
    CHECK(f.history.epoch(Topic::scene) == scene_epoch + 1);
    CHECK(f.history.epoch(Topic::layers) == layers_epoch);
    CHECK(scene2.seq == 0);
    CHECK(scene2.delta_token != scene1.delta_token);
    CHECK(needs_baseline(f.history.replay_since(Topic::scene, scene1.delta_token)));
    CHECK(f.history.replay_since(Topic::scene, scene2.delta_token).index() == 0);
    // The other topics go on: their tokens still replay, and their seqs continue.
    CHECK(replayed_seqs(f.history.replay_since(Topic::layers, f.cursors[0].delta_token)) == std::vector<uint64_t>{2});
    CHECK(replayed_seqs(f.history.replay_since(Topic::stream, stream1.delta_token)).empty());
    CHECK(replayed_seqs(f.history.replay_since(Topic::state, state1.delta_token)).empty());
    CHECK(f.history.size(Topic::layers) == 2);
    CHECK(f.history.apply_delta(Topic::layers, boost::json::object{}, 3, "a").seq == 3);

    // A topic's own snapshot ends its epoch: its old tokens need a baseline.
    f.history.seed_snapshot(Topic::layers, boost::json::object{}, 4);
    CHECK(f.history.epoch(Topic::layers) == layers_epoch + 1);
    CHECK(needs_baseline(f.history.replay_since(Topic::layers, f.cursors[1].delta_token)));
    CHECK(replayed_seqs(f.history.replay_since(Topic::state, state1.delta_token)).empty());
}

TEST_CASE("malformed tokens are told apart from stale ones") {
    Fixture f;
    f.deltas(1);
    const std::string good = f.cursors[0].delta_token;
    for (const std::string &bad : std::vector<std::string>{std::string(), std::string("tok_layers_17aa"), good.substr(1), good + "0",
                                  std::string(good.size(), 'g'), "9" + good.substr(1)}) {
        INFO("token: '" << bad << "'");
        CHECK(malformed(f.history.replay_since(Topic::layers, bad)));
    }
    std::string upper = good;
    upper[10] = 'A';
    CHECK(malformed(f.history.replay_since(Topic::layers, upper)));
}

TEST_CASE("a token from another host run or another topic needs a baseline") {
    Fixture f;
    f.deltas(1);
    Fixture other;
    other.deltas(1);
    CHECK(needs_baseline(f.history.replay_since(Topic::layers, other.cursors[0].delta_token)));
    const auto stream = f.history.apply_delta(Topic::stream, boost::json::object{}, 1, "host");
    CHECK(needs_baseline(f.history.replay_since(Topic::layers, stream.delta_token)));
    CHECK(needs_baseline(f.history.replay_since(Topic::stream, f.cursors[0].delta_token)));
    // A well-formed token with the right prefix but a wrong nonce is unknown, not malformed.
    std::string forged = f.cursors[0].delta_token;
    forged.back() = forged.back() == '0' ? '1' : '0';
    CHECK(needs_baseline(f.history.replay_since(Topic::layers, forged)));
}

TEST_CASE("notify.stream keeps only its small ring") {
    Fixture f;
    std::vector<store::Cursor> stream;
    for (int i = 0; i < 4; ++i) stream.push_back(f.history.apply_delta(Topic::stream, boost::json::object{}, 1, "host"));
    CHECK(f.history.size(Topic::stream) == 2);
    CHECK(replayed_seqs(f.history.replay_since(Topic::stream, stream[1].delta_token)) == std::vector<uint64_t>{3, 4});
    CHECK(needs_baseline(f.history.replay_since(Topic::stream, stream[0].delta_token)));
}

TEST_CASE("the deltas kept never exceed max_bytes, even below min_entries") {
    base::ManualClock clock;
    // Layers: 10 entries guaranteed by age, but at most 1000 bytes of payload.
    store::ResumableHistory history{clock, {10, 100, 10 * kSecond, 1000}, {1, 2, 10 * kSecond, 1000}};
    const std::string big(290, 'x');  // {"v":"xx…"} is 298 bytes
    std::vector<store::Cursor> cursors;
    for (int i = 0; i < 5; ++i) cursors.push_back(history.apply_delta(Topic::layers, boost::json::object{{"v", big}}, 1, "a"));
    CHECK(history.size(Topic::layers) == 3);  // 3 x 298 <= 1000 < 4 x 298
    CHECK(history.bytes(Topic::layers) == 3 * 298);
    CHECK(needs_baseline(history.replay_since(Topic::layers, cursors[0].delta_token)));
    CHECK(replayed_seqs(history.replay_since(Topic::layers, cursors[1].delta_token)) == std::vector<uint64_t>{3, 4, 5});
    // One delta larger than the whole bound is not kept: a resume before it needs a baseline.
    const auto huge = history.apply_delta(Topic::layers, boost::json::object{{"v", std::string(2000, 'y')}}, 1, "a");
    CHECK(history.size(Topic::layers) == 0);
    CHECK(history.bytes(Topic::layers) == 0);
    CHECK(needs_baseline(history.replay_since(Topic::layers, cursors[4].delta_token)));
    CHECK(replayed_seqs(history.replay_since(Topic::layers, huge.delta_token)).empty());
}
