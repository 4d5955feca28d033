// Token format: "<topic:1 hex><instance:16 hex><epoch:16 hex><seq:16 hex><nonce:16 hex>", 65
// lowercase hex characters. Only this file reads or writes it.
#include "store/topic_history.hpp"

#include <charconv>
#include <fmt/format.h>

#include "base/assert.hpp"
#include "base/json_text.hpp"

namespace scenehost::store {
namespace {

constexpr size_t kTokenLength = 1 + 4 * 16;

struct ParsedToken {
    unsigned topic;
    uint64_t instance, epoch, seq, nonce;
};

std::optional<uint64_t> hex_field(std::string_view text) {
    uint64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
    if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

std::optional<ParsedToken> parse_token(std::string_view token) {
    if (token.size() != kTokenLength) return std::nullopt;
    for (char c : token) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
    }
    ParsedToken parsed{static_cast<unsigned>(*hex_field(token.substr(0, 1))), 0, 0, 0, 0};
    parsed.instance = *hex_field(token.substr(1, 16));
    parsed.epoch = *hex_field(token.substr(17, 16));
    parsed.seq = *hex_field(token.substr(33, 16));
    parsed.nonce = *hex_field(token.substr(49, 16));
    return parsed;
}

}  // namespace

std::string_view topic_name(Topic topic) {
    switch (topic) {
        case Topic::scene: return "notify.scene";
        case Topic::layers: return "notify.layers";
        case Topic::stream: return "notify.stream";
        case Topic::state: return "notify.state";
    }
    SCENEHOST_ASSERT(false, "every topic has a name");
    return {};
}

ResumableHistory::ResumableHistory(const base::Clock &clock, Retention layers, Retention stream, Retention state_topic)
    : clock_(clock), random_(std::random_device{}()), instance_(random_()) {
    for (const Retention &r : {layers, stream, state_topic}) {
        SCENEHOST_ASSERT(r.min_entries <= r.max_entries, "a retention keeps at least what it guarantees");
    }
    state(Topic::layers).retention = layers;
    state(Topic::stream).retention = stream;
    state(Topic::state).retention = state_topic;
    for (Topic topic : kResumableTopics) reset_topic(topic);
}

std::string ResumableHistory::make_token(Topic topic, uint64_t epoch, uint64_t seq) {
    return fmt::format("{:x}{:016x}{:016x}{:016x}{:016x}", static_cast<unsigned>(topic), instance_, epoch, seq,
                       random_());
}

void ResumableHistory::reset_topic(Topic topic) {
    TopicState &s = state(topic);
    ++s.epoch;
    s.start = Cursor{0, make_token(topic, s.epoch, 0)};
    s.snapshot.reset();
    s.deltas.clear();
    s.bytes = 0;
    s.next_seq = 1;
    s.newest_pruned.reset();
}

Cursor ResumableHistory::seed_snapshot(Topic topic, boost::json::value payload, uint64_t version) {
    reset_topic(topic);
    TopicState &s = state(topic);
    s.snapshot = HistoryEntry{0, s.start.delta_token, std::move(payload), version, "host", clock_.now_us()};
    return s.start;
}

Cursor ResumableHistory::apply_delta(Topic topic, boost::json::value payload, uint64_t version,
                                     std::string_view actor_id) {
    SCENEHOST_ASSERT(topic != Topic::scene, "notify.scene has snapshots only");
    TopicState &s = state(topic);
    const uint64_t seq = s.next_seq++;
    const size_t bytes = base::to_json(payload).size();
    s.deltas.push_back(
        {seq, make_token(topic, s.epoch, seq), std::move(payload), version, std::string(actor_id), clock_.now_us(), bytes});
    s.bytes += bytes;
    Cursor cursor{seq, s.deltas.back().delta_token};  // before prune, which may drop this very delta
    prune(s);
    return cursor;
}

void ResumableHistory::prune(TopicState &s) {
    const base::TimeUs oldest_kept_us = clock_.now_us() - s.retention.max_age_us;
    while (s.deltas.size() > s.retention.max_entries || s.bytes > s.retention.max_bytes ||
           (s.deltas.size() > s.retention.min_entries && s.deltas.front().time_us < oldest_kept_us)) {
        s.bytes -= s.deltas.front().bytes;
        s.newest_pruned = Cursor{s.deltas.front().seq, std::move(s.deltas.front().delta_token)};
        s.deltas.pop_front();
    }
}

ReplayResult ResumableHistory::replay_since(Topic topic, std::string_view delta_token) const {
    const auto parsed = parse_token(delta_token);
    if (!parsed || parsed->topic >= kResumableTopics.size()) {
        return MalformedToken{fmt::format("'{}' is not a {} token", delta_token, topic_name(topic))};
    }
    if (parsed->topic != static_cast<unsigned>(topic)) {
        return BaselineNeeded{fmt::format("the token belongs to {}", topic_name(static_cast<Topic>(parsed->topic)))};
    }
    if (parsed->instance != instance_) return BaselineNeeded{"the token was issued by an earlier run of the host"};
    const TopicState &s = state(topic);
    if (parsed->epoch != s.epoch) return BaselineNeeded{"the token's epoch has ended"};

    Replay replay;
    auto all_deltas = [&] {
        for (const HistoryEntry &e : s.deltas) replay.entries.push_back(&e);
        return replay;
    };
    if (s.start.delta_token == delta_token) {
        if (s.newest_pruned) return BaselineNeeded{"deltas after the epoch start are outside the retained window"};
        return all_deltas();
    }
    if (s.newest_pruned && s.newest_pruned->delta_token == delta_token) return all_deltas();
    if (!s.deltas.empty() && parsed->seq >= s.deltas.front().seq && parsed->seq <= s.deltas.back().seq) {
        const size_t at = static_cast<size_t>(parsed->seq - s.deltas.front().seq);
        if (s.deltas[at].delta_token != delta_token) return BaselineNeeded{"unknown token"};
        for (size_t i = at + 1; i < s.deltas.size(); ++i) replay.entries.push_back(&s.deltas[i]);
        return replay;
    }
    if (s.newest_pruned && parsed->seq < s.newest_pruned->seq) {
        return BaselineNeeded{"the token is outside the retained window"};
    }
    return BaselineNeeded{"unknown token"};
}

const HistoryEntry *ResumableHistory::snapshot(Topic topic) const {
    const auto &s = state(topic).snapshot;
    return s ? &*s : nullptr;
}

Cursor ResumableHistory::latest(Topic topic) const {
    const TopicState &s = state(topic);
    if (!s.deltas.empty()) return {s.deltas.back().seq, s.deltas.back().delta_token};
    if (s.newest_pruned) return *s.newest_pruned;
    return s.start;
}

std::vector<const HistoryEntry *> ResumableHistory::deltas(Topic topic) const {
    std::vector<const HistoryEntry *> out;
    for (const HistoryEntry &e : state(topic).deltas) out.push_back(&e);
    return out;
}

size_t ResumableHistory::size(Topic topic) const { return state(topic).deltas.size(); }

}  // namespace scenehost::store
