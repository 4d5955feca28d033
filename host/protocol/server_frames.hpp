// The v1 dialect (greenfield spec): frames the host sends, built from typed payloads, each
// asserted to pass validate_frame's rules before it leaves, and the v1 client-frame parser.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.hpp"
#include "protocol/dialect.hpp"
#include "protocol/frame.hpp"
#include "protocol/frame_validator.hpp"

namespace scenehost::protocol {

// v1 frames: version 1, the spec's payloads (notify.layers {layer_id, changes, version}, the
// snapshot of napari_scene), intent_id only on the originating session's notifies (§5.3), the
// internal error codes as they are. On notify.dims / notify.camera without an intent, the frame
// carries the first 8 characters of a UUID as its frame_id.
class FrameBuilder final : public Dialect {
public:
    explicit FrameBuilder(const base::Clock &clock, bool validate_output = true);

    int version() const override { return 1; }
    ParsedFrame parse(std::string_view text) const override;

    std::string welcome(const Welcome &welcome) override;
    std::string reject(const Reject &reject) override;
    std::string heartbeat(std::string_view session) override;
    std::string goodbye(std::string_view session, const GoodbyeInfo &info) override;

    boost::json::object scene_payload(const store::SceneStore &store,
                                      const std::set<std::string, std::less<>> &extension_scopes) const override;
    std::string scene(std::string_view session, const boost::json::object &snapshot, std::string_view delta_token,
                      const std::optional<std::string> &intent_id) override;
    std::vector<std::string> scene_followers(std::string_view session, const store::SceneStore &store,
                                             const store::Cursor &layers, const Thumbnails &thumbnails) override;
    // v1 has no removal or thumbnail section: its next notify.scene shows the layers there are.
    std::optional<std::string> layer_removed(std::string_view, std::string_view, const store::Cursor &) override {
        return std::nullopt;
    }
    std::optional<std::string> layer_thumbnail(std::string_view, const LayerThumbnail &, const store::Cursor &) override {
        return std::nullopt;
    }
    std::optional<std::string> layers(std::string_view session, const boost::json::object &payload, uint64_t seq,
                                      std::string_view delta_token, const std::optional<std::string> &intent_id,
                                      const store::SceneStore &store) override;
    std::string stream(std::string_view session, const boost::json::object &payload, uint64_t seq,
                       std::string_view delta_token) override;
    std::string state(std::string_view session, const boost::json::object &payload, uint64_t seq,
                      std::string_view delta_token, const std::optional<std::string> &intent_id) override;
    std::string dims(std::string_view session, const DimsState &dims,
                     const std::optional<std::string> &intent_id) override;
    std::vector<std::string> camera(std::string_view session, const CameraUpdate &camera,
                                    const std::optional<std::string> &intent_id) override;
    std::string telemetry(std::string_view session, const Telemetry &telemetry) override;
    std::string error(std::string_view session, const ErrorNotice &notice) override;

    // The value as stored (after the reducer normalised it).
    boost::json::value ack_value(const IntentAddress &, const boost::json::value &, const boost::json::value &applied,
                                 const store::SceneStore &) const override {
        return applied;
    }
    std::string ack_accepted(std::string_view session, std::string_view intent_id, std::string_view in_reply_to,
                             const boost::json::value &applied_value, uint64_t version) override;
    std::string ack_rejected(std::string_view session, std::string_view intent_id, std::string_view in_reply_to,
                             const StateRejection &rejection, std::optional<uint64_t> version) override;
    std::string reply_command(std::string_view session, std::string_view in_reply_to,
                              const boost::json::value &result) override;
    std::string error_command(std::string_view session, std::string_view in_reply_to, std::string_view code,
                              std::string_view message, const std::optional<boost::json::object> &details) override;

    bool refuses_malformed_tokens() const override { return true; }  // App. C
    std::optional<std::string> attribution(FrameType type, const std::optional<std::string> &intent_id,
                                           bool to_origin) const override;

    // The same frames from typed payloads (tests, tools).
    std::string layers(std::string_view session, const LayersDelta &delta, uint64_t seq, std::string_view delta_token,
                       const std::optional<std::string> &intent_id);
    std::string layers_from_payload(std::string_view session, const boost::json::object &payload, uint64_t seq,
                                    std::string_view delta_token, const std::optional<std::string> &intent_id);
    std::string stream(std::string_view session, const StreamConfig &config, uint64_t seq,
                       std::string_view delta_token);

private:
    std::string finish(const Frame &frame) const;
};

}  // namespace scenehost::protocol
