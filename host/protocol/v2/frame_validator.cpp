// v2 payload rules where they differ from v1 (notify.layers, notify.dims, notify.camera, an
// accepted ack.state's version, welcome's protocol_version); the rest are v1's.
#include "protocol/v2/frame_validator.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>

#include "protocol/client_frames.hpp"
#include "protocol/envelope.hpp"
#include "protocol/frame_validator.hpp"
#include "protocol/payload_reader.hpp"

namespace scenehost::protocol::v2 {
namespace {

namespace json = boost::json;
constexpr Need kRequired = Need::required;
constexpr Need kOptional = Need::optional;

bool integers(const json::array &a) {
    return std::all_of(a.begin(), a.end(), [](const json::value &v) { return as_int64(v).has_value(); });
}

void int_list(PayloadReader &r, std::string_view key, Need need) {
    if (const json::array *a = r.array(key, need); a && !integers(*a)) r.fail(key, "must hold only integers");
}

void check_layers(PayloadReader &r, const json::object &p) {
    r.only({"layer_id", "controls", "metadata", "data", "thumbnail", "removed"}, "notify.layers");
    r.nonempty("layer_id", kRequired);
    bool any = false;
    for (std::string_view section : {"controls", "metadata", "data", "thumbnail"}) {
        any = any || p.contains(section);
        if (const json::object *o = r.object(section, kOptional); o && o->empty()) {
            r.fail(section, "must not be empty when present (napari-cuda's builder drops empty sections)");
        }
    }
    if (auto removed = r.boolean("removed", kOptional)) {
        any = true;
        if (!*removed) r.fail("removed", "is only ever true");
        if (p.size() != 2) r.fail("removed", "stands alone beside layer_id");
    }
    if (const json::object *t = r.object("thumbnail", kOptional)) {
        PayloadReader thumbnail = r.nested(*t, "thumbnail");
        thumbnail.only({"array", "shape", "dtype", "generated_at"}, "notify.layers thumbnail");
        const json::array *rows = thumbnail.array("array", kRequired);
        const json::array *shape = thumbnail.array("shape", kRequired);
        if (shape && (shape->size() != 3 || !integers(*shape) || (*shape)[2] != 4)) {
            thumbnail.fail("shape", "must be [rows, columns, 4]");
        } else if (rows && shape && as_int64((*shape)[0]) != int64_t(rows->size())) {
            thumbnail.fail("array", "must hold shape[0] rows");
        }
        if (auto dtype = thumbnail.string("dtype", kRequired); dtype && *dtype != "float32") {
            thumbnail.fail("dtype", "is always float32");
        }
        thumbnail.number("generated_at", kRequired);
    }
    if (!any) r.fail("layer_id", "needs at least one of controls, metadata, data, thumbnail or removed beside it");
}

void check_dims(PayloadReader &r) {
    r.only({"step", "current_step", "levels", "current_level", "mode", "ndisplay", "level_shapes", "downgraded",
            "axis_labels", "order", "displayed", "labels"},
           "notify.dims");
    int_list(r, "step", kRequired);
    int_list(r, "current_step", kOptional);
    if (const json::array *levels = r.array("levels", kRequired)) {
        for (const json::value &level : *levels) {
            if (!level.is_object()) return r.fail("levels", "must hold only objects");
        }
    }
    const auto current = r.integer("current_level", kRequired);
    r.one_of("mode", kRequired, {"plane", "volume"});
    if (auto n = r.integer("ndisplay", kRequired); n && *n != 2 && *n != 3) r.fail("ndisplay", "must be 2 or 3");
    if (const json::array *shapes = r.array("level_shapes", kRequired)) {
        for (const json::value &shape : *shapes) {
            if (!shape.is_array() || !integers(shape.get_array())) {
                return r.fail("level_shapes", "must hold arrays of integers");
            }
        }
        // napari-cuda's dims mirror asserts it.
        if (current && (*current < 0 || size_t(*current) >= shapes->size())) {
            r.fail("current_level", "must index level_shapes");
        }
    }
    r.boolean("downgraded", kOptional);
    for (std::string_view key : {"axis_labels", "labels"}) {
        if (const json::array *a = r.array(key, kOptional)) {
            for (const json::value &v : *a) {
                if (!v.is_string()) return r.fail(key, "must hold only strings");
            }
        }
    }
    int_list(r, "order", kOptional);
    int_list(r, "displayed", kOptional);
}

void check_camera(PayloadReader &r, const json::object &p) {
    r.only({"mode", "origin", "delta", "state"}, "notify.camera");
    r.nonempty("mode", kRequired);
    r.nonempty("origin", kRequired);
    r.object("delta", kOptional);
    r.object("state", kOptional);
    if (!p.contains("delta") && !p.contains("state")) r.fail("mode", "needs delta or state beside it");
}

}  // namespace

std::optional<ProtocolError> validate_payload(const Envelope &envelope, const json::object &payload) {
    std::optional<FieldProblem> problem;
    PayloadReader r(payload, "payload", problem);
    switch (envelope.type) {
        case FrameType::session_welcome: return protocol::validate_payload(envelope, payload, 2);
        case FrameType::notify_layers: check_layers(r, payload); break;
        case FrameType::notify_dims: check_dims(r); break;
        case FrameType::notify_camera: check_camera(r, payload); break;
        case FrameType::notify_stream:
            if (payload.contains("encoder")) r.fail("encoder", "is not a key napari-cuda's parser knows");
            if (!problem) return protocol::validate_payload(envelope, payload);
            break;
        case FrameType::ack_state:
            if (auto problem = protocol::validate_payload(envelope, payload)) return problem;
            // napari-cuda's client refuses an accepted ack without an integer version.
            if (payload.at("status") == "accepted") r.integer("version", kRequired);
            break;
        default:
            if (direction(envelope.type) == Direction::client_to_server) {
                auto read = read_client_payload(envelope.type, payload, kClientV2);
                if (auto *bad = std::get_if<FieldProblem>(&read)) problem = std::move(*bad);
                break;
            }
            return protocol::validate_payload(envelope, payload);  // the same as v1's
    }
    if (!problem) return std::nullopt;
    return ProtocolError{std::string(kInvalidPayload), std::move(problem->message), std::move(problem->field),
                         envelope.type,                envelope.frame_id,           envelope.intent_id};
}

std::optional<ProtocolError> validate_frame(const json::object &frame, Direction expected) {
    auto envelope = read_envelope(frame, expected, kEnvelopeV2);
    if (auto *problem = std::get_if<ProtocolError>(&envelope)) return std::move(*problem);
    return v2::validate_payload(std::get<Envelope>(envelope), frame.find("payload")->value().get_object());
}

std::optional<ProtocolError> validate_frame(std::string_view text, Direction expected) {
    json::error_code error;
    const json::value document = json::parse(text, error);
    if (error) {
        return ProtocolError{std::string(kInvalidJson), "frame is not valid JSON: " + error.message(), "", {}, {}, {}};
    }
    if (!document.is_object()) {
        return ProtocolError{std::string(kInvalidJson), "frame must be a JSON object", "", {}, {}, {}};
    }
    return v2::validate_frame(document.get_object(), expected);
}

}  // namespace scenehost::protocol::v2
