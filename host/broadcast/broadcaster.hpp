// The Broadcaster: the only code that turns an applied change set into notify frames, records
// the resumable ones in the history it owns, and fans them out to the sessions that joined. Which
// lane a scope's changes take is what its reducer plugin declared; the frames themselves are
// built by host/protocol. Lives on the control thread; nothing here is locked.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/clock.hpp"
#include "broadcast/recipient.hpp"
#include "plugin/reducer_plugin.hpp"
#include "protocol/server_frames.hpp"
#include "store/scene_store.hpp"
#include "store/topic_history.hpp"

namespace scenehost::broadcast {

// scope -> the lane its reducer declared.
using Lanes = std::map<std::string, plugin::Publication, std::less<>>;

// What a joining session asked for.
struct Subscription {
    bool state_topic = false;                      // notify.state wanted (the hello's features)
    std::map<store::Topic, std::string> tokens;    // the resume tokens it gave, non-empty ones only
};

// A resume token this host could never have issued.
struct MalformedToken {
    store::Topic topic;
    std::string reason;
};

// What caused a publication. The origin's copy of each frame carries intent_id; the intent's
// key and value let a lane echo a relative operation (napari-cuda's camera modes).
struct Cause {
    const Recipient *origin = nullptr;  // nullptr: the host itself
    std::optional<std::string> intent_id;
    std::string_view intent_key;
    const boost::json::value *intent_value = nullptr;
};

// Invariants: a recipient is sent every resumable delta exactly once, in seq order, either live
// or by its paced replay (never both); an ack is sent before the broadcaster hears of its change,
// so it precedes every notify it caused.
class Broadcaster {
public:
    // history_bytes bounds the payloads the resumable history keeps per delta topic.
    Broadcaster(const store::SceneStore &store, Lanes lanes, const base::Clock &clock, size_t replay_budget_bytes,
                size_t history_bytes = store::kDefaultHistoryBytes);
    ~Broadcaster();

    // The newest cursor of a topic, for session.welcome's resume_state.
    store::Cursor cursor(store::Topic topic) const { return history_.latest(topic); }
    std::optional<MalformedToken> check_tokens(const Subscription &subscription) const;
    // Adds a recipient (after its welcome) and sends its baseline: when every token it needs
    // still replays, the missed deltas (paced by its connection) and then the current dims and
    // camera and the newest thumbnails; else the composed notify.scene and what its dialect
    // sends after one. Then notify.stream. Returns whether it resumed.
    bool join(Recipient &recipient, const Subscription &subscription);
    void leave(const Recipient &recipient);
    // The recipient's connection wrote out its queue: the next part of its replay, if any.
    void drained(Recipient &recipient);

    // An applied change: its frames on the scope's lane, to every recipient that takes them.
    void publish(const store::ChangeSet &changes, const Cause &cause);
    // The pixel stream's format is new or changed (or a client asked for a keyframe, which
    // napari-cuda clients take as a cue to reset their decoder): notify.stream to every recipient,
    // kept as the topic's newest delta for resume.
    void publish_stream(const protocol::StreamConfig &config);
    // The newest notify.stream again (nothing before the first publish_stream).
    void republish_stream();
    // The scene was replaced (a scene load, already committed): each layer it removed as a
    // removal where the dialect has one, then a new notify.scene epoch and the rest of a fresh
    // baseline to every member, as napari-cuda's server does after a dataset load. Replays in
    // progress end: the new snapshot is a whole baseline.
    void publish_scene_replaced(const std::vector<std::string> &removed_layers, const Cause &cause);
    // A layer's new thumbnail (from the render thread): notify.layers where the dialect shows
    // thumbnails, coalesced per layer, and kept for the baselines that follow. Dropped when the
    // layer is gone (a thumbnail drawn just before a load).
    void publish_thumbnail(protocol::LayerThumbnail thumbnail);

    // The notify.scene payload of the store as it is now (v1's composition: the scene.snapshot command).
    boost::json::object scene() const;
    const store::ResumableHistory &history() const { return history_; }

private:
    struct Member {
        Recipient *recipient;
        bool state_topic;
        // Topics still being replayed, with the token of the last delta sent; live deltas of
        // these topics skip the member (its replay will bring them).
        std::deque<std::pair<store::Topic, std::string>> replay;
        bool replaying(store::Topic topic) const;
    };
    // A publication's frames in one dialect, for one session (or kSessionPlaceholder), carrying
    // `intent_id` (what the dialect's attribution gave).
    using Build = std::function<std::vector<std::string>(protocol::Dialect &dialect, std::string_view session,
                                                         const std::optional<std::string> &intent_id)>;

    void continue_replay(Member &member);
    void send_scene(Member &member);
    void send_lane_state(Member &member);
    void publish_deltas(const store::ChangeSet &changes, store::Topic topic, const Cause &cause);
    void publish_dims(const Cause &cause, transport::SendClass send_class, const std::string &actor);
    void publish_scene(const Cause &cause);
    // Sends build(...) to every member that `takes`, with the intent its dialect attributes;
    // built once per (dialect, intent) and templated per session. The i-th frame of a
    // coalescible publication coalesces under coalesce_key (#i after the first).
    void fan_out(protocol::FrameType type, const Cause &cause, const Build &build,
                 const std::function<bool(const Member &)> &takes,
                 transport::SendClass send_class = transport::SendClass::kept, const std::string &coalesce_key = {});
    uint64_t scene_version() const;

    const store::SceneStore &store_;
    const Lanes lanes_;
    std::set<std::string, std::less<>> state_scopes_;  // the scopes on the notify.state topic
    const size_t replay_budget_bytes_;
    store::ResumableHistory history_;
    std::optional<protocol::StreamConfig> stream_;  // the newest notify.stream config
    uint64_t stream_version_ = 0;
    std::optional<protocol::DimsState> dims_;      // the dims last published, to see a change on the scene lane
    protocol::Thumbnails thumbnails_;              // the newest thumbnail of each layer
    std::map<std::string, Member, std::less<>> members_;  // by session id
};

}  // namespace scenehost::broadcast
