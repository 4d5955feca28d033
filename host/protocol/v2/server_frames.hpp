// The v2 dialect: napari-cuda's shipping code (its Python server and client, protocol version 2),
// beside v1 for the sessions that negotiate it. Its frames differ from v1's where that code
// decides (docs/protocol.md, "The v2 dialect"): envelope version 2; notify.layers in sections;
// notify.dims with the pyramid; notify.camera as the operation, then the pose; the originator's
// intent_id on notify.layers and notify.camera to every session; napari-cuda's reject and error
// codes; call.command args/kwargs optional; its client's literal {"type":"ping"} read as a
// keepalive.
#pragma once

#include "protocol/dialect.hpp"

namespace scenehost::protocol::v2 {

// The wire spelling of an internal code in a session.reject or notify.error of v2.
std::string_view reject_code(std::string_view code);
// ... in an ack.state error of v2 (napari-cuda's state.invalid / state.error).
std::string_view state_code(std::string_view code);

class FrameBuilder final : public Dialect {
public:
    explicit FrameBuilder(const base::Clock &clock, bool validate_output = true);

    int version() const override { return 2; }
    ParsedFrame parse(std::string_view text) const override;

    std::string welcome(const Welcome &welcome) override;
    std::string reject(const Reject &reject) override;
    std::string heartbeat(std::string_view session) override;
    std::string goodbye(std::string_view session, const GoodbyeInfo &info) override;

    boost::json::object scene_payload(const store::SceneStore &store,
                                      const std::set<std::string, std::less<>> &extension_scopes) const override;
    std::string scene(std::string_view session, const boost::json::object &snapshot, std::string_view delta_token,
                      const std::optional<std::string> &intent_id) override;
    // notify.dims, then one notify.layers per layer with its whole state (napari-cuda's baseline
    // order), each at the current notify.layers cursor.
    std::vector<std::string> scene_followers(std::string_view session, const store::SceneStore &store,
                                             const store::Cursor &layers, const Thumbnails &thumbnails) override;
    // {layer_id, removed: true}, alone.
    std::optional<std::string> layer_removed(std::string_view session, std::string_view layer_id,
                                             const store::Cursor &layers) override;
    // {layer_id, thumbnail: {array, shape, dtype "float32", generated_at}}: napari-cuda's
    // worker's capture, rows flipped as it sends them, values k/255 rounded to 3 decimals.
    std::optional<std::string> layer_thumbnail(std::string_view session, const LayerThumbnail &thumbnail,
                                               const store::Cursor &layers) override;
    std::optional<std::string> layers(std::string_view session, const boost::json::object &payload, uint64_t seq,
                                      std::string_view delta_token, const std::optional<std::string> &intent_id,
                                      const store::SceneStore &store) override;
    std::string stream(std::string_view session, const boost::json::object &payload, uint64_t seq,
                       std::string_view delta_token) override;
    std::string state(std::string_view session, const boost::json::object &payload, uint64_t seq,
                      std::string_view delta_token, const std::optional<std::string> &intent_id) override;
    std::string dims(std::string_view session, const DimsState &dims,
                     const std::optional<std::string> &intent_id) override;
    // The operation {mode, delta, origin "state.update"} (not for a baseline), then
    // {mode "pose", state, origin "worker.state.camera"} with no intent, as napari-cuda's worker
    // reports the pose it applied.
    std::vector<std::string> camera(std::string_view session, const CameraUpdate &camera,
                                    const std::optional<std::string> &intent_id) override;
    std::string telemetry(std::string_view session, const Telemetry &telemetry) override;
    std::string error(std::string_view session, const ErrorNotice &notice) override;

    // napari-cuda acks what its client's ledger records for the address it wrote: a camera
    // operation (pan, orbit, an anchored zoom, set) as given, a reset as {reason}, a dims
    // index or step as the axis's new index; anything else as stored.
    boost::json::value ack_value(const IntentAddress &address, const boost::json::value &requested,
                                 const boost::json::value &applied, const store::SceneStore &store) const override;
    std::string ack_accepted(std::string_view session, std::string_view intent_id, std::string_view in_reply_to,
                             const boost::json::value &applied_value, uint64_t version) override;
    std::string ack_rejected(std::string_view session, std::string_view intent_id, std::string_view in_reply_to,
                             const StateRejection &rejection, std::optional<uint64_t> version) override;
    std::string reply_command(std::string_view session, std::string_view in_reply_to,
                              const boost::json::value &result) override;
    std::string error_command(std::string_view session, std::string_view in_reply_to, std::string_view code,
                              std::string_view message, const std::optional<boost::json::object> &details) override;

    // napari-cuda's hello reads every token as a string and resets on one it does not know; its
    // client, refused, would wait out its reconnect delay with nothing gained.
    bool refuses_malformed_tokens() const override { return false; }
    std::optional<std::string> attribution(FrameType type, const std::optional<std::string> &intent_id,
                                           bool to_origin) const override;

private:
    std::string finish(const Frame &frame) const;
};

}  // namespace scenehost::protocol::v2
