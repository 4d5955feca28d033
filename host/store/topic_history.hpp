// Resumable notify history: for notify.scene the current epoch's snapshot, for notify.layers,
// notify.stream and notify.state a ring of deltas bounded by count and age. Each frame gets a seq
// and a fresh opaque delta_token; a client's newest token says where to resume. Each topic has
// its own epoch: a new snapshot of one topic never ends another's.
#pragma once

#include <array>
#include <boost/json/value.hpp>
#include <cstdint>
#include <deque>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/clock.hpp"

namespace scenehost::store {

// notify.state is scenehost's generic topic: the deltas of every scope whose reducer declares no
// napari lane of its own.
enum class Topic { scene, layers, stream, state };
inline constexpr std::array<Topic, 4> kResumableTopics = {Topic::scene, Topic::layers, Topic::stream, Topic::state};
std::string_view topic_name(Topic topic);  // "notify.scene", "notify.layers", "notify.stream", "notify.state"

struct Cursor {
    uint64_t seq = 0;
    std::string delta_token;
};

struct HistoryEntry {
    uint64_t seq = 0;
    std::string delta_token;
    boost::json::value payload;
    uint64_t version = 0;  // the store version the payload reflects
    std::string actor_id;
    base::TimeUs time_us = 0;
    size_t bytes = 0;  // the payload's JSON text size, for the retention's byte bound
};

// Entries older than max_age_us are dropped only while more than min_entries remain; entries
// beyond max_entries, or beyond max_bytes of payload in all, are always dropped, oldest first.
// The byte bound is what keeps one client's large values (1 MiB frames into a plugin's scope)
// from making the host hold max_entries of them.
struct Retention {
    size_t min_entries;
    size_t max_entries;
    base::TimeUs max_age_us;
    size_t max_bytes;
};
inline constexpr size_t kDefaultHistoryBytes = size_t(64) << 20;
inline constexpr Retention kLayersRetention{512, 2048, 300'000'000, kDefaultHistoryBytes};
inline constexpr Retention kStreamRetention{1, 32, 300'000'000, size_t(1) << 20};
inline constexpr Retention kStateRetention = kLayersRetention;

struct Replay {
    std::vector<const HistoryEntry *> entries;  // the deltas after the cursor, oldest first; may be empty
};
struct BaselineNeeded {
    std::string reason;  // a well-formed token that cannot be resumed from, and why
};
struct MalformedToken {
    std::string reason;  // not a token this host could ever have issued
};
using ReplayResult = std::variant<Replay, BaselineNeeded, MalformedToken>;

// Invariants: within an epoch, a topic's seqs increase by one per delta; a token names exactly
// one (topic, epoch, seq) and was issued by this instance; a snapshot starts a new epoch of its
// own topic only.
class ResumableHistory {
public:
    ResumableHistory(const base::Clock &clock, Retention layers = kLayersRetention,
                     Retention stream = kStreamRetention, Retention state = kStateRetention);

    // Starts a new epoch for topic: seq 0, a fresh token, its deltas dropped; other topics go on.
    Cursor seed_snapshot(Topic topic, boost::json::value payload, uint64_t version);
    // Records the next delta of topic (not scene) and prunes by the retention.
    Cursor apply_delta(Topic topic, boost::json::value payload, uint64_t version, std::string_view actor_id);
    // Where a client holding delta_token resumes.
    ReplayResult replay_since(Topic topic, std::string_view delta_token) const;

    const HistoryEntry *snapshot(Topic topic) const;  // nullptr before the first seed of the epoch
    std::vector<const HistoryEntry *> deltas(Topic topic) const;  // every retained delta, oldest first
    Cursor latest(Topic topic) const;                 // the newest frame's cursor (seq 0 at epoch start)
    size_t size(Topic topic) const;                   // deltas retained
    size_t bytes(Topic topic) const { return state(topic).bytes; }  // their payloads' JSON text
    uint64_t epoch(Topic topic) const { return state(topic).epoch; }

private:
    struct TopicState {
        uint64_t epoch = 0;                    // counts this topic's snapshots (and the first start)
        Cursor start;                          // seq 0 of the epoch: the snapshot's, or a bare marker
        std::optional<HistoryEntry> snapshot;
        std::deque<HistoryEntry> deltas;
        uint64_t next_seq = 1;
        std::optional<Cursor> newest_pruned;  // the last delta dropped by retention
        size_t bytes = 0;                     // sum of the retained deltas' bytes
        Retention retention{0, 0, 0, 0};
    };

    std::string make_token(Topic topic, uint64_t epoch, uint64_t seq);
    void prune(TopicState &state);
    void reset_topic(Topic topic);
    TopicState &state(Topic topic) { return topics_[static_cast<size_t>(topic)]; }
    const TopicState &state(Topic topic) const { return topics_[static_cast<size_t>(topic)]; }

    const base::Clock &clock_;
    std::mt19937_64 random_;
    uint64_t instance_;  // random per host run: tokens of another run never match
    std::array<TopicState, kResumableTopics.size()> topics_;
};

}  // namespace scenehost::store
