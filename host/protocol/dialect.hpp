// A dialect of the control protocol: how the internal frame model (frame.hpp, the typed payloads
// below) is read from and written to the wire. v1 is the greenfield spec (server_frames,
// client_frames, frame_validator); v2 is napari-cuda's shipping code (protocol/v2). A session
// negotiates one at its hello (handshake.hpp) and speaks it for its whole life; the broadcaster,
// the intent lane and the session only ever call this interface.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/clock.hpp"
#include "protocol/client_frames.hpp"
#include "protocol/frame.hpp"
#include "protocol/intent_aliases.hpp"
#include "store/scene_store.hpp"
#include "store/topic_history.hpp"

namespace scenehost::protocol {

// session.welcome: payload.features.<topic>.resume_state, the topic's current cursor.
struct ResumeState {
    uint64_t seq = 0;
    std::string delta_token;
};

// session.welcome: payload.features.<topic>.
struct FeatureState {
    bool enabled = false;
    std::optional<int> version{};
    std::optional<bool> resume{};
    std::optional<std::vector<std::string>> commands{};  // call.command: the commands this session may run
    std::optional<ResumeState> resume_state{};
};

struct Welcome {
    std::string session_id;  // also the envelope's `session`
    double heartbeat_s = 15.0;
    std::optional<int64_t> ack_timeout_ms{};
    std::map<std::string, FeatureState> features;  // topic -> state
};

// A refusal; `code` is scenehost's internal code (docs/protocol.md), which a dialect may spell
// its own way on the wire.
struct Reject {
    std::string code;
    std::string message;
    std::optional<boost::json::object> details{};
};

struct GoodbyeInfo {
    std::optional<std::string> code{};
    std::optional<std::string> message{};
    std::optional<std::string> reason{};
};

// What one applied change did to one layer: keys as the store holds them, volume records
// namespaced "volume.K" (napari_scene's layer_change_key). Kept in the history as
// {layer_id, changes, version}, which is also the v1 wire payload.
struct LayersDelta {
    std::string layer_id;
    boost::json::object changes;  // at least one key
    uint64_t version = 0;
    std::string actor_id{};       // who made the change (v1 says so: scenehost's extension)
};

// notify.state payload (scenehost's extension topic): what one applied change did to one target
// of a scope whose reducer declares the generic publication.
struct StateDelta {
    std::string scope;
    std::string target;
    boost::json::object changes;  // key -> new value; at least one
    uint64_t version = 0;         // the scope version of the last change
    std::string actor_id{};       // who made the change
};

// notify.stream payload; frame_size is [width, height], avcc the base64 avcC record.
struct StreamConfig {
    std::string codec = "h264";
    std::string format = "avcc";
    double fps = 60.0;
    int64_t width = 0;
    int64_t height = 0;
    int64_t nal_length_size = 4;
    std::string avcc_base64;
    double max_buffer_ms = 120.0;
    double grace_keyframe_ms = 300.0;
    std::optional<boost::json::object> vt_hint{};
    std::string encoder{};  // the encoder plugin's name (v1 says so; napari-cuda's parser knows no such key)
};

// The dims as the lanes show them; lists are in viewer order.
struct DimsState {
    std::vector<int64_t> current_step;  // in the finest level's index space, always
    int64_t ndisplay = 2;
    std::string mode = "plane";  // "plane" or "volume"
    std::string source;          // what changed them, e.g. "state.update", "baseline"
    std::optional<std::vector<int64_t>> order{};
    std::optional<std::vector<std::string>> axis_labels{};
    std::optional<std::vector<int64_t>> displayed{};
    uint64_t version = 0;
    // The pyramid the sliders move over: one descriptor {shape, downsample, path?} per level and
    // each level's shape, finest first. The index space is the finest level's (current_level 0).
    boost::json::array levels{};
    std::vector<std::vector<int64_t>> level_shapes{};
    std::string actor_id{};  // who changed them (v1 says so); empty for a baseline

    bool operator==(const DimsState &) const = default;
};

// What a camera change was: the mode and value of the operation, and the full pose after it.
struct CameraUpdate {
    std::string mode;  // "set", "orbit", "pan", "zoom", "reset"
    boost::json::value delta;
    std::string origin;  // kCameraFromIntent or kCameraBaseline
    std::optional<boost::json::object> state{};  // the full pose after the change
    uint64_t version = 0;
    std::string actor_id{};  // who changed it (v1 says so); empty for a baseline
};
inline constexpr std::string_view kCameraFromIntent = "state.update";
inline constexpr std::string_view kCameraBaseline = "baseline";

// A layer's thumbnail as napari's layer list shows it: side x side RGBA, top row first.
struct LayerThumbnail {
    std::string layer_id;
    int side = 32;
    std::vector<uint8_t> rgba;  // side * side * 4
    double generated_at_s = 0;  // system clock, seconds since the epoch
};
using Thumbnails = std::map<std::string, LayerThumbnail, std::less<>>;  // by layer id

// notify.telemetry payload: rolling statistics.
struct Telemetry {
    double presenter = 0;
    double decode = 0;
    double queue_depth = 0;
};

// notify.error payload.
struct ErrorNotice {
    std::string domain;
    std::string code;
    std::string message;
    std::string severity;  // "info", "warning" or "critical"
    std::optional<boost::json::object> context{};
};

// ack.state payload.error of a rejection (internal code, as for Reject).
struct StateRejection {
    std::string code;
    std::string message;
    std::optional<boost::json::object> details{};
};

// reply.command's result for a command that is an intent (camera.reset): what it applied.
boost::json::object intent_command_result(const boost::json::value &applied_value, uint64_t version);

// The history payloads of the internal model.
boost::json::object layers_payload(const LayersDelta &delta);
boost::json::object stream_payload(const StreamConfig &config);
boost::json::object state_payload(const StateDelta &delta);

// A client frame a dialect reads and answers with nothing (napari-cuda's `{"type":"ping"}`).
struct Keepalive {};
using ParsedFrame = std::variant<ClientFrame, ProtocolError, Keepalive>;

// A frame serialised once for many sessions (fan-out): the text around its envelope `session`
// value, which was Dialect::kSessionPlaceholder when it was built.
class SessionTemplate {
public:
    explicit SessionTemplate(std::string frame_text);
    std::string for_session(std::string_view session_id) const;

private:
    std::string prefix_;
    std::string suffix_;
};

// Builds a dialect's frames as text: its version, the timestamp from the clock and a frame_id
// where the type requires one, then asserts each frame valid in the dialect (unless constructed
// with validate_output false), and parses what its clients send. One per control thread: not
// thread-safe (it owns the id generator).
class Dialect {
public:
    // Pass as `session` to build a frame for SessionTemplate.
    static constexpr std::string_view kSessionPlaceholder = "@session@";

    Dialect(const base::Clock &clock, bool validate_output);
    virtual ~Dialect() = default;
    Dialect(const Dialect &) = delete;
    Dialect &operator=(const Dialect &) = delete;

    virtual int version() const = 0;  // envelope `version`, and the protocol number a hello offers
    std::string new_session_id();     // UUID v4

    // A client frame after the handshake.
    virtual ParsedFrame parse(std::string_view text) const = 0;

    virtual std::string welcome(const Welcome &welcome) = 0;
    virtual std::string reject(const Reject &reject) = 0;
    virtual std::string heartbeat(std::string_view session) = 0;
    virtual std::string goodbye(std::string_view session, const GoodbyeInfo &info) = 0;

    // The notify.scene payload of the store now; the notify.state topic's scopes go under
    // metadata.scopes.
    virtual boost::json::object scene_payload(const store::SceneStore &store,
                                              const std::set<std::string, std::less<>> &extension_scopes) const = 0;
    // seq is always 0.
    virtual std::string scene(std::string_view session, const boost::json::object &snapshot,
                              std::string_view delta_token, const std::optional<std::string> &intent_id) = 0;
    // What a fresh baseline sends after its notify.scene (before notify.stream), given the
    // current notify.layers cursor and the newest thumbnail of each layer.
    virtual std::vector<std::string> scene_followers(std::string_view session, const store::SceneStore &store,
                                                     const store::Cursor &layers, const Thumbnails &thumbnails) = 0;
    // A layer a scene load removed, and a layer's new thumbnail, as notify.layers at the topic's
    // current cursor (neither is a history delta: a load starts a new scene, and a thumbnail is
    // derived from the layer's records); nothing when the dialect has no such section.
    virtual std::optional<std::string> layer_removed(std::string_view session, std::string_view layer_id,
                                                     const store::Cursor &layers) = 0;
    virtual std::optional<std::string> layer_thumbnail(std::string_view session, const LayerThumbnail &thumbnail,
                                                       const store::Cursor &layers) = 0;
    // A history entry of notify.layers (LayersDelta's payload); nothing when the dialect shows
    // none of its changes now.
    virtual std::optional<std::string> layers(std::string_view session, const boost::json::object &payload,
                                              uint64_t seq, std::string_view delta_token,
                                              const std::optional<std::string> &intent_id,
                                              const store::SceneStore &store) = 0;
    virtual std::string stream(std::string_view session, const boost::json::object &payload, uint64_t seq,
                               std::string_view delta_token) = 0;
    virtual std::string state(std::string_view session, const boost::json::object &payload, uint64_t seq,
                              std::string_view delta_token, const std::optional<std::string> &intent_id) = 0;
    // Without an intent, the frame carries a short frame_id.
    virtual std::string dims(std::string_view session, const DimsState &dims,
                             const std::optional<std::string> &intent_id) = 0;
    // One or more frames, in order (v2 splits the operation from the pose).
    virtual std::vector<std::string> camera(std::string_view session, const CameraUpdate &camera,
                                            const std::optional<std::string> &intent_id) = 0;
    virtual std::string telemetry(std::string_view session, const Telemetry &telemetry) = 0;
    virtual std::string error(std::string_view session, const ErrorNotice &notice) = 0;

    // What an accepted ack reports as applied_value for an intent at `address` that asked for
    // `requested` and stored `applied` (the store after the change).
    virtual boost::json::value ack_value(const IntentAddress &address, const boost::json::value &requested,
                                         const boost::json::value &applied, const store::SceneStore &store) const = 0;
    virtual std::string ack_accepted(std::string_view session, std::string_view intent_id,
                                     std::string_view in_reply_to, const boost::json::value &applied_value,
                                     uint64_t version) = 0;
    virtual std::string ack_rejected(std::string_view session, std::string_view intent_id,
                                     std::string_view in_reply_to, const StateRejection &rejection,
                                     std::optional<uint64_t> version) = 0;
    virtual std::string reply_command(std::string_view session, std::string_view in_reply_to,
                                      const boost::json::value &result) = 0;
    virtual std::string error_command(std::string_view session, std::string_view in_reply_to, std::string_view code,
                                      std::string_view message, const std::optional<boost::json::object> &details) = 0;

    // A resume token this host could never have issued: refused at the hello
    // (session.invalid_resume_token), or else taken as a stale one (a fresh baseline).
    virtual bool refuses_malformed_tokens() const = 0;

    // The intent_id a notify of `type` caused by intent `intent_id` carries to one session
    // (`to_origin`: the session that sent the intent).
    virtual std::optional<std::string> attribution(FrameType type, const std::optional<std::string> &intent_id,
                                                   bool to_origin) const = 0;

protected:
    // A frame before it is written: what the dialects share, each then finishes it its own way.
    struct Frame {
        Envelope envelope;
        boost::json::object payload;
    };
    Frame welcome_frame(const Welcome &welcome);  // protocol_version is version()
    Frame reject_frame(const Reject &reject);
    Frame heartbeat_frame(std::string_view session);
    Frame goodbye_frame(std::string_view session, const GoodbyeInfo &info);
    Frame scene_frame(std::string_view session, boost::json::object snapshot, std::string_view delta_token,
                      const std::optional<std::string> &intent_id);
    Frame resumable_frame(FrameType type, std::string_view session, boost::json::object payload, uint64_t seq,
                          std::string_view delta_token, const std::optional<std::string> &intent_id);
    Frame hot_frame(FrameType type, std::string_view session, boost::json::object payload,
                    const std::optional<std::string> &intent_id);  // dims / camera: intent, else a short id
    Frame telemetry_frame(std::string_view session, const Telemetry &telemetry);
    Frame error_frame(std::string_view session, const ErrorNotice &notice);
    Frame ack_accepted_frame(std::string_view session, std::string_view intent_id, std::string_view in_reply_to,
                             const boost::json::value &applied_value, uint64_t version);
    Frame ack_rejected_frame(std::string_view session, std::string_view intent_id, std::string_view in_reply_to,
                             const StateRejection &rejection, std::optional<uint64_t> version);
    Frame reply_command_frame(std::string_view session, std::string_view in_reply_to,
                              const boost::json::value &result);
    Frame error_command_frame(std::string_view session, std::string_view in_reply_to, std::string_view code,
                              std::string_view message, const std::optional<boost::json::object> &details);

    Envelope envelope(FrameType type, std::optional<std::string_view> session) const;
    std::string uuid();
    std::string short_id();  // a UUID's first 8 characters
    bool validates_output() const { return validate_output_; }

private:
    const base::Clock &clock_;
    bool validate_output_;
    std::mt19937_64 random_;
};

}  // namespace scenehost::protocol
