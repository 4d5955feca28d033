// The v1 frames a client tool (scenehostctl and its MCP server, host/ctl) sends, built from the
// typed payloads of client_frames.hpp, and the fields it reads out of server frames (checked by
// validate_frame first) and out of the results of the commands it runs.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "protocol/client_frames.hpp"
#include "protocol/dialect.hpp"
#include "protocol/frame.hpp"
#include "protocol/payload_reader.hpp"

namespace scenehost::protocol {

// ---- What the client sends. Each builder asserts that parse_client_frame accepts its frame: the
// caller has checked what came from outside first (non-empty scope, key and command names, and
// no number unsendable_number finds).

// A hello for protocol 1: client {name, version, platform "linux"}, notify.scene, notify.layers
// and notify.stream asked for, then `features` over them, no resume tokens, and a bearer token
// when given. The host names the session's actor after client.name (actor_id "NAME#<session>").
Hello client_hello(std::string name, std::string version, const std::map<std::string, bool, std::less<>> &features,
                   std::optional<std::string> bearer_token);

std::string hello_frame(const Hello &hello, std::string_view frame_id, double timestamp);
// payload {scope, target, key, value, base_version?}.
std::string state_update_frame(std::string_view session, std::string_view frame_id, std::string_view intent_id,
                               double timestamp, const StateUpdate &update);
// payload {command, args, kwargs}.
std::string call_command_frame(std::string_view session, std::string_view frame_id, double timestamp,
                               const CallCommand &call);
// The answer to a session.heartbeat: payload {}.
std::string session_ack_frame(std::string_view session, std::string_view frame_id, double timestamp);
std::string goodbye_frame(std::string_view session, std::string_view frame_id, double timestamp,
                          const Goodbye &goodbye);

// The path ("value[1].zoom") of the first number in `value` that JSON text cannot carry: NaN or
// infinity, which is what a parsed 1e999 becomes. nullopt when every number is finite.
std::optional<std::string> unsendable_number(const boost::json::value &value, std::string_view path);

// ---- What the client reads.

// A server frame that passed validate_frame (v1, server to client).
struct ServerFrame {
    Envelope envelope;
    boost::json::object frame;  // the whole frame
    std::string text;           // as it came

    const boost::json::object &payload() const;
};

// Parses and validates one text frame from the host. The error is validate_frame's (its code and
// the field it names).
std::variant<ServerFrame, ProtocolError> read_server_frame(std::string_view text);

// Typed views of validated frames; each asserts the frame's type.
Welcome read_welcome(const ServerFrame &frame);
Reject read_reject(const ServerFrame &frame);
GoodbyeInfo read_goodbye(const ServerFrame &frame);
ErrorNotice read_error_notice(const ServerFrame &frame);

// ack.state.
struct AckState {
    std::string intent_id;
    std::string in_reply_to;  // the update's frame_id
    bool accepted = false;
    std::optional<boost::json::value> applied_value{};  // accepted only, when the host says it
    std::optional<uint64_t> version{};
    std::optional<StateRejection> error{};  // rejected only, always then
};
AckState read_ack(const ServerFrame &frame);

// error.command's payload, without its envelope.
struct CommandFailure {
    std::string code;
    std::string message;
    std::optional<boost::json::object> details{};
};
// reply.command (the result, null when the host sent none) or error.command.
struct CommandAnswer {
    std::string in_reply_to;  // the call's frame_id
    std::variant<boost::json::value, CommandFailure> outcome;
};
CommandAnswer read_command_answer(const ServerFrame &frame);

// ---- Results of the commands the client runs. Each checks the shape and names the broken field
// (the path starts at "result").

// state.get: {scope, target, key, value, version}.
struct StateRecord {
    std::string scope;
    std::string target;
    std::string key;
    boost::json::value value;
    uint64_t version = 0;
};
std::variant<StateRecord, FieldProblem> read_state_record(const boost::json::value &result);
// The record's value and version under the result's own field names: {value, version}.
boost::json::object record_value_version(const StateRecord &record);

// state.schema: {scopes: {SCOPE: {publication, keys: {KEY: JSON Schema object}}}}.
struct KeyDeclaration {
    std::string key;
    boost::json::object schema;  // as the reducer declared it
};
struct ScopeDeclaration {
    std::string scope;
    std::string publication;  // state, napari_layers, napari_dims, napari_camera or napari_scene
    std::vector<KeyDeclaration> keys;
};
std::variant<std::vector<ScopeDeclaration>, FieldProblem> read_state_schema(const boost::json::value &result);

// scene.screenshot: {format "png", width, height, sequence, captured_us, versions, errors, data}.
// `data` must decode as a PNG whose header says width x height.
struct Screenshot {
    int64_t width = 0;
    int64_t height = 0;
    boost::json::object versions;  // scope -> version the picture shows
    boost::json::array errors;     // layers left out of the picture, {layer_id, message}
    std::string png_base64;        // as sent
    std::string png;               // decoded
};
std::variant<Screenshot, FieldProblem> read_screenshot(const boost::json::value &result);

// The layers of a scene.snapshot result (the notify.scene payload), one per layers[] entry.
struct LayerSummary {
    std::string id;    // layer_id
    std::string type;  // layer_type
    std::string name;
    boost::json::array shape;
    std::string dtype;
    bool visible = false;   // controls.visible
    double opacity = 0;     // controls.opacity
};
std::variant<std::vector<LayerSummary>, FieldProblem> read_layer_summaries(const boost::json::value &snapshot);

}  // namespace scenehost::protocol
