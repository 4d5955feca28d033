// The v1 builders: the shared frames (dialect.cpp) with v1's payloads, asserted valid by the v1
// validator, and the v1 client-frame parser.
#include "protocol/server_frames.hpp"

#include <fmt/format.h>

#include "base/assert.hpp"
#include "protocol/envelope.hpp"
#include "protocol/napari_scene.hpp"

namespace scenehost::protocol {
namespace {

namespace json = boost::json;

template <class T>
json::array to_array(const std::vector<T> &values) {
    return json::array(values.begin(), values.end());
}

}  // namespace

FrameBuilder::FrameBuilder(const base::Clock &clock, bool validate_output) : Dialect(clock, validate_output) {}

ParsedFrame FrameBuilder::parse(std::string_view text) const {
    auto parsed = parse_client_frame(text, kClientV1);
    if (auto *frame = std::get_if<ClientFrame>(&parsed)) return std::move(*frame);
    return std::get<ProtocolError>(std::move(parsed));
}

std::string FrameBuilder::finish(const Frame &f) const {
    if (!validates_output()) return write_frame(f.envelope, f.payload);
    std::optional<ProtocolError> problem = check_envelope(f.envelope);
    if (!problem) problem = validate_payload(f.envelope, f.payload);
    SCENEHOST_ASSERT(!problem, fmt::format("the host builds only valid frames; this {} breaks: {}",
                                           type_name(f.envelope.type), problem->message));
    return write_frame(f.envelope, f.payload);
}

std::string FrameBuilder::welcome(const Welcome &w) {
    return finish(welcome_frame(w));
}

std::string FrameBuilder::reject(const Reject &r) {
    return finish(reject_frame(r));
}

std::string FrameBuilder::heartbeat(std::string_view session) {
    return finish(heartbeat_frame(session));
}

std::string FrameBuilder::goodbye(std::string_view session, const GoodbyeInfo &info) {
    return finish(goodbye_frame(session, info));
}

json::object FrameBuilder::scene_payload(const store::SceneStore &store,
                                         const std::set<std::string, std::less<>> &extension_scopes) const {
    return napari::compose_scene(store, extension_scopes);
}

std::string FrameBuilder::scene(std::string_view session, const json::object &snapshot, std::string_view delta_token,
                                const std::optional<std::string> &intent_id) {
    return finish(scene_frame(session, snapshot, delta_token, intent_id));
}

// The v1 snapshot holds everything; notify.stream follows it directly.
std::vector<std::string> FrameBuilder::scene_followers(std::string_view, const store::SceneStore &,
                                                       const store::Cursor &, const Thumbnails &) {
    return {};
}

std::string FrameBuilder::layers_from_payload(std::string_view session, const json::object &payload, uint64_t seq,
                                              std::string_view delta_token,
                                              const std::optional<std::string> &intent_id) {
    return finish(resumable_frame(FrameType::notify_layers, session, payload, seq, delta_token, intent_id));
}

std::string FrameBuilder::layers(std::string_view session, const LayersDelta &delta, uint64_t seq,
                                 std::string_view delta_token, const std::optional<std::string> &intent_id) {
    return layers_from_payload(session, layers_payload(delta), seq, delta_token, intent_id);
}

std::optional<std::string> FrameBuilder::layers(std::string_view session, const json::object &payload, uint64_t seq,
                                                std::string_view delta_token,
                                                const std::optional<std::string> &intent_id,
                                                const store::SceneStore &) {
    return layers_from_payload(session, payload, seq, delta_token, intent_id);  // the history keeps v1's payload
}

std::string FrameBuilder::stream(std::string_view session, const json::object &payload, uint64_t seq,
                                 std::string_view delta_token) {
    // never an intent_id (App. B.2)
    return finish(resumable_frame(FrameType::notify_stream, session, payload, seq, delta_token, std::nullopt));
}

std::string FrameBuilder::stream(std::string_view session, const StreamConfig &config, uint64_t seq,
                                 std::string_view delta_token) {
    return stream(session, stream_payload(config), seq, delta_token);
}

std::string FrameBuilder::state(std::string_view session, const json::object &payload, uint64_t seq,
                                std::string_view delta_token, const std::optional<std::string> &intent_id) {
    return finish(resumable_frame(FrameType::notify_state, session, payload, seq, delta_token, intent_id));
}

std::string FrameBuilder::dims(std::string_view session, const DimsState &d,
                               const std::optional<std::string> &intent_id) {
    json::object payload{{"current_step", to_array(d.current_step)},
                         {"ndisplay", d.ndisplay},
                         {"mode", d.mode},
                         {"source", d.source},
                         {"version", d.version}};
    if (d.order) payload["order"] = to_array(*d.order);
    if (d.axis_labels) payload["axis_labels"] = to_array(*d.axis_labels);
    if (d.displayed) payload["displayed"] = to_array(*d.displayed);
    if (!d.actor_id.empty()) payload["actor_id"] = d.actor_id;
    return finish(hot_frame(FrameType::notify_dims, session, std::move(payload), intent_id));
}

std::vector<std::string> FrameBuilder::camera(std::string_view session, const CameraUpdate &c,
                                              const std::optional<std::string> &intent_id) {
    json::object payload{{"mode", c.mode}, {"delta", c.delta}, {"origin", c.origin}, {"version", c.version}};
    if (c.state) payload["state"] = *c.state;
    if (!c.actor_id.empty()) payload["actor_id"] = c.actor_id;
    return {finish(hot_frame(FrameType::notify_camera, session, std::move(payload), intent_id))};
}

std::string FrameBuilder::telemetry(std::string_view session, const Telemetry &t) {
    return finish(telemetry_frame(session, t));
}

std::string FrameBuilder::error(std::string_view session, const ErrorNotice &n) {
    return finish(error_frame(session, n));
}

std::string FrameBuilder::ack_accepted(std::string_view session, std::string_view intent_id,
                                       std::string_view in_reply_to, const json::value &applied_value,
                                       uint64_t version) {
    return finish(ack_accepted_frame(session, intent_id, in_reply_to, applied_value, version));
}

std::string FrameBuilder::ack_rejected(std::string_view session, std::string_view intent_id,
                                       std::string_view in_reply_to, const StateRejection &r,
                                       std::optional<uint64_t> version) {
    return finish(ack_rejected_frame(session, intent_id, in_reply_to, r, version));
}

std::string FrameBuilder::reply_command(std::string_view session, std::string_view in_reply_to,
                                        const json::value &result) {
    return finish(reply_command_frame(session, in_reply_to, result));
}

std::string FrameBuilder::error_command(std::string_view session, std::string_view in_reply_to, std::string_view code,
                                        std::string_view message, const std::optional<json::object> &details) {
    return finish(error_command_frame(session, in_reply_to, code, message, details));
}

// Spec §5.3: other sessions get the same notify without the intent.
std::optional<std::string> FrameBuilder::attribution(FrameType, const std::optional<std::string> &intent_id,
                                                     bool to_origin) const {
    if (!to_origin) return std::nullopt;
    return intent_id;
}

}  // namespace scenehost::protocol
