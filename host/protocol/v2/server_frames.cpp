// The v2 builders: the shared frames (dialect.cpp) with napari-cuda's payloads and codes,
// asserted valid by the v2 validator, and the v2 client-frame parser.
#include "protocol/v2/server_frames.hpp"

#include <algorithm>
#include <cmath>
#include <array>
#include <boost/json/parse.hpp>
#include <charconv>
#include <fmt/format.h>
#include <utility>

#include "base/assert.hpp"
#include "protocol/envelope.hpp"
#include "protocol/napari_scene.hpp"
#include "protocol/v2/frame_validator.hpp"
#include "protocol/v2/scene.hpp"

namespace scenehost::protocol::v2 {
namespace {

namespace json = boost::json;

template <class T>
json::array to_array(const std::vector<T> &values) {
    return json::array(values.begin(), values.end());
}

// internal code -> napari-cuda's handshake code (src/napari_cuda/server/control/protocol/handshake.py).
constexpr std::array<std::pair<std::string_view, std::string_view>, 8> kRejectCodes = {{
    {kInvalidJson, "invalid_json"},
    {kInvalidEnvelope, "invalid_payload"},
    {kInvalidPayload, "invalid_payload"},
    {kUnknownType, "unexpected_message"},
    {"session.unexpected_message", "unexpected_message"},
    {"session.timeout", "timeout"},
    {"session.unsupported_client", "unsupported_client"},
    {"session.invalid_resume_token", "invalid_resume_token"},
}};

// napari-cuda's client reads its own keepalive back as nothing: exactly {"type":"ping"}.
bool is_keepalive(std::string_view text) {
    json::error_code error;
    const json::value v = json::parse(text, error);
    return !error && v.is_object() && v.get_object().size() == 1 && v.get_object().contains("type") &&
           v.get_object().at("type") == "ping";
}

// An ack or command error in napari-cuda's vocabulary keeps scenehost's own code in its details.
std::optional<json::object> with_code(const std::optional<json::object> &details, std::string_view internal,
                                      std::string_view wire) {
    if (internal == wire) return details;
    json::object out = details.value_or(json::object{});
    out["scenehost_code"] = internal;
    return out;
}

}  // namespace

std::string_view reject_code(std::string_view code) {
    for (const auto &[internal, wire] : kRejectCodes) {
        if (internal == code) return wire;
    }
    return code;
}

std::string_view state_code(std::string_view code) {
    if (code == "state.not_recorded") return "state.error";
    constexpr std::array<std::string_view, 4> kInvalid = {"state.unknown_scope", "state.unknown_key",
                                                          "state.invalid_value", "state.out_of_range"};
    if (code.starts_with("protocol.") || std::find(kInvalid.begin(), kInvalid.end(), code) != kInvalid.end()) {
        return "state.invalid";
    }
    return code;
}

FrameBuilder::FrameBuilder(const base::Clock &clock, bool validate_output) : Dialect(clock, validate_output) {}

ParsedFrame FrameBuilder::parse(std::string_view text) const {
    auto parsed = parse_client_frame(text, kClientV2);
    if (auto *frame = std::get_if<ClientFrame>(&parsed)) return std::move(*frame);
    if (is_keepalive(text)) return Keepalive{};
    return std::get<ProtocolError>(std::move(parsed));
}

std::string FrameBuilder::finish(const Frame &f) const {
    if (validates_output()) {
        std::optional<ProtocolError> problem = check_envelope(f.envelope, kEnvelopeV2);
        if (!problem) problem = v2::validate_payload(f.envelope, f.payload);
        SCENEHOST_ASSERT(!problem, fmt::format("the host builds only valid v2 frames; this {} breaks: {}",
                                               type_name(f.envelope.type), problem->message));
    }
    return write_frame(f.envelope, f.payload, version());
}

std::string FrameBuilder::welcome(const Welcome &w) { return finish(welcome_frame(w)); }

std::string FrameBuilder::reject(const Reject &r) {
    return finish(reject_frame({std::string(reject_code(r.code)), r.message, r.details}));
}

std::string FrameBuilder::heartbeat(std::string_view session) { return finish(heartbeat_frame(session)); }

std::string FrameBuilder::goodbye(std::string_view session, const GoodbyeInfo &info) {
    return finish(goodbye_frame(session, info));
}

json::object FrameBuilder::scene_payload(const store::SceneStore &store,
                                         const std::set<std::string, std::less<>> &extension_scopes) const {
    return compose_scene(store, extension_scopes);
}

std::string FrameBuilder::scene(std::string_view session, const json::object &snapshot, std::string_view delta_token,
                                const std::optional<std::string> &intent_id) {
    return finish(scene_frame(session, snapshot, delta_token, intent_id));
}

namespace {

// napari-cuda's thumbnail array: rows flipped as its server sends them, each RGBA value k/255
// rounded to 3 decimals (enough to recover k; a tenth of the text of a full double).
json::array thumbnail_rows(const LayerThumbnail &t) {
    json::array rows;
    for (int y = t.side - 1; y >= 0; --y) {
        json::array row;
        for (int x = 0; x < t.side; ++x) {
            json::array pixel;
            for (int c = 0; c < 4; ++c) {
                pixel.push_back(std::round(t.rgba[size_t((y * t.side + x) * 4 + c)] / 255.0 * 1000.0) / 1000.0);
            }
            row.push_back(std::move(pixel));
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

}  // namespace

std::vector<std::string> FrameBuilder::scene_followers(std::string_view session, const store::SceneStore &store,
                                                       const store::Cursor &layers, const Thumbnails &thumbnails) {
    std::vector<std::string> frames;
    if (auto state = napari::dims_state(store, "baseline")) frames.push_back(dims(session, *state, std::nullopt));
    for (std::string_view id : store.targets("layer")) {
        json::object payload = layer_baseline(store, id);
        // napari-cuda's baseline carries the thumbnail it has as the layer's metadata.
        if (const auto thumbnail = thumbnails.find(id); thumbnail != thumbnails.end()) {
            payload["metadata"] = {{"thumbnail", thumbnail_rows(thumbnail->second)}};
        }
        if (payload.empty()) continue;
        payload.emplace("layer_id", id);
        frames.push_back(finish(resumable_frame(FrameType::notify_layers, session, std::move(payload), layers.seq,
                                                layers.delta_token, std::nullopt)));
    }
    return frames;
}

std::optional<std::string> FrameBuilder::layer_removed(std::string_view session, std::string_view layer_id,
                                                       const store::Cursor &layers) {
    return finish(resumable_frame(FrameType::notify_layers, session, {{"layer_id", layer_id}, {"removed", true}},
                                  layers.seq, layers.delta_token, std::nullopt));
}

std::optional<std::string> FrameBuilder::layer_thumbnail(std::string_view session, const LayerThumbnail &thumbnail,
                                                         const store::Cursor &layers) {
    SCENEHOST_ASSERT(thumbnail.rgba.size() == size_t(thumbnail.side * thumbnail.side * 4), "a thumbnail is side² RGBA");
    json::object section{{"array", thumbnail_rows(thumbnail)},
                         {"shape", {thumbnail.side, thumbnail.side, 4}},
                         {"dtype", "float32"},
                         {"generated_at", thumbnail.generated_at_s}};
    return finish(resumable_frame(FrameType::notify_layers, session,
                                  {{"layer_id", thumbnail.layer_id}, {"thumbnail", std::move(section)}}, layers.seq,
                                  layers.delta_token, std::nullopt));
}

std::optional<std::string> FrameBuilder::layers(std::string_view session, const json::object &payload, uint64_t seq,
                                                std::string_view delta_token,
                                                const std::optional<std::string> &intent_id,
                                                const store::SceneStore &store) {
    json::object sections = layer_sections(payload.at("changes").as_object(), napari::ndisplay(store));
    if (sections.empty()) return std::nullopt;
    sections.emplace("layer_id", payload.at("layer_id"));
    return finish(resumable_frame(FrameType::notify_layers, session, std::move(sections), seq, delta_token, intent_id));
}

std::string FrameBuilder::stream(std::string_view session, const json::object &payload, uint64_t seq,
                                 std::string_view delta_token) {
    json::object napari = payload;
    napari.erase("encoder");  // napari-cuda's parser refuses any key it does not know
    return finish(resumable_frame(FrameType::notify_stream, session, std::move(napari), seq, delta_token, std::nullopt));
}

std::string FrameBuilder::state(std::string_view session, const json::object &payload, uint64_t seq,
                                std::string_view delta_token, const std::optional<std::string> &intent_id) {
    return finish(resumable_frame(FrameType::notify_state, session, payload, seq, delta_token, intent_id));
}

std::string FrameBuilder::dims(std::string_view session, const DimsState &d,
                               const std::optional<std::string> &intent_id) {
    json::array shapes;
    for (const auto &shape : d.level_shapes) shapes.push_back(to_array(shape));
    json::object payload{{"step", to_array(d.current_step)},
                         {"current_step", to_array(d.current_step)},
                         {"levels", d.levels},
                         {"current_level", 0},  // scenehost's sliders move in the finest level's index space
                         {"mode", d.mode},
                         {"ndisplay", d.ndisplay},
                         {"level_shapes", std::move(shapes)}};
    if (d.axis_labels) payload["axis_labels"] = to_array(*d.axis_labels);
    if (d.order) payload["order"] = to_array(*d.order);
    if (d.displayed) payload["displayed"] = to_array(*d.displayed);
    return finish(hot_frame(FrameType::notify_dims, session, std::move(payload), intent_id));
}

std::vector<std::string> FrameBuilder::camera(std::string_view session, const CameraUpdate &c,
                                              const std::optional<std::string> &intent_id) {
    std::vector<std::string> frames;
    if (c.origin != kCameraBaseline) {
        // napari-cuda acks and notifies a reset as {reason}.
        json::value delta = c.delta;
        if (!delta.is_object()) {
            delta = json::object{{"reason", delta.is_string() ? delta : json::value(kCameraFromIntent)}};
        }
        frames.push_back(finish(hot_frame(FrameType::notify_camera, session,
                                          {{"mode", c.mode}, {"origin", kCameraFromIntent}, {"delta", delta}},
                                          intent_id)));
    }
    if (c.state) {
        frames.push_back(finish(hot_frame(FrameType::notify_camera, session,
                                          {{"mode", "pose"}, {"origin", "worker.state.camera"}, {"state", *c.state}},
                                          std::nullopt)));
    }
    return frames;
}

std::string FrameBuilder::telemetry(std::string_view session, const Telemetry &t) {
    return finish(telemetry_frame(session, t));
}

std::string FrameBuilder::error(std::string_view session, const ErrorNotice &n) {
    ErrorNotice notice = n;
    notice.code = reject_code(n.code);
    return finish(error_frame(session, notice));
}

json::value FrameBuilder::ack_value(const IntentAddress &address, const json::value &requested,
                                   const json::value &applied, const store::SceneStore &store) const {
    if (address.scope == "dims" && (address.key == "index" || address.key == "step") && applied.is_array()) {
        // The target is an axis index or label (the reducer accepted it, so it names an axis).
        const json::array &steps = applied.get_array();
        std::optional<size_t> axis;
        size_t n = 0;
        if (std::from_chars(address.target.data(), address.target.data() + address.target.size(), n).ec == std::errc() &&
            n < steps.size()) {
            axis = n;
        } else if (const store::Record *labels = store.find("dims", "main", "axis_labels"); labels != nullptr) {
            const json::array &names = labels->value.as_array();
            const auto it = std::find(names.begin(), names.end(), json::value(address.target));
            if (it != names.end()) axis = size_t(it - names.begin());
        }
        if (axis && *axis < steps.size()) return steps[*axis];
        return applied;
    }
    if (address.scope != "camera") return applied;
    if (address.key == "pan" || address.key == "orbit" || address.key == "set" ||
        (address.key == "zoom" && requested.is_object())) {
        return requested;
    }
    if (address.key == "reset" || address.key == "fit") {
        if (requested.is_object() && requested.get_object().contains("reason")) return requested;
        return json::object{{"reason", requested.is_string() ? requested : json::value(kCameraFromIntent)}};
    }
    return applied;
}

std::string FrameBuilder::ack_accepted(std::string_view session, std::string_view intent_id,
                                       std::string_view in_reply_to, const json::value &applied_value,
                                       uint64_t version) {
    return finish(ack_accepted_frame(session, intent_id, in_reply_to, applied_value, version));
}

std::string FrameBuilder::ack_rejected(std::string_view session, std::string_view intent_id,
                                       std::string_view in_reply_to, const StateRejection &r,
                                       std::optional<uint64_t> version) {
    const std::string_view wire = state_code(r.code);
    return finish(ack_rejected_frame(session, intent_id, in_reply_to,
                                     {std::string(wire), r.message, with_code(r.details, r.code, wire)}, version));
}

std::string FrameBuilder::reply_command(std::string_view session, std::string_view in_reply_to,
                                        const json::value &result) {
    return finish(reply_command_frame(session, in_reply_to, result));
}

std::string FrameBuilder::error_command(std::string_view session, std::string_view in_reply_to, std::string_view code,
                                        std::string_view message, const std::optional<json::object> &details) {
    // napari-cuda answers a call it cannot parse with command.forbidden.
    const std::string_view wire = code.starts_with("protocol.") ? std::string_view("command.forbidden") : code;
    return finish(error_command_frame(session, in_reply_to, wire, message, with_code(details, code, wire)));
}

// napari-cuda's server puts the originator's intent_id on notify.layers and on the camera
// operation for every session (its layer and camera topics); its dims mirror never sets one.
std::optional<std::string> FrameBuilder::attribution(FrameType type, const std::optional<std::string> &intent_id,
                                                     bool to_origin) const {
    switch (type) {
        case FrameType::notify_layers:
        case FrameType::notify_camera: return intent_id;
        case FrameType::notify_state: return to_origin ? intent_id : std::nullopt;
        default: return std::nullopt;
    }
}

}  // namespace scenehost::protocol::v2
