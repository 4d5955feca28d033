// The client side of v1: frames built from typed payloads (asserted through the client-frame
// parser the host uses), typed reads of validated server frames, and command-result readers.
#include "protocol/client_requests.hpp"

#include <array>
#include <boost/json/parse.hpp>
#include <cmath>
#include <fmt/format.h>

#include "base/assert.hpp"
#include "base/base64.hpp"
#include "protocol/envelope.hpp"
#include "protocol/frame_validator.hpp"

namespace scenehost::protocol {
namespace {

namespace json = boost::json;
constexpr Need kRequired = Need::required;
constexpr Need kOptional = Need::optional;

// A client frame as text, asserted to be what the host's parser accepts.
std::string finish(Envelope envelope, const json::object &payload) {
    std::string text = write_frame(envelope, payload, kProtocolVersion);
    const auto parsed = parse_client_frame(text);
    if (const auto *problem = std::get_if<ProtocolError>(&parsed)) {
        SCENEHOST_ASSERT(false, fmt::format("client frames are built valid; '{}' breaks {}: {}", type_name(envelope.type),
                                            problem->code, problem->message));
    }
    return text;
}

Envelope client_envelope(FrameType type, std::optional<std::string_view> session, std::string_view frame_id,
                         double timestamp) {
    Envelope envelope;
    envelope.type = type;
    if (session) envelope.session = std::string(*session);
    envelope.frame_id = std::string(frame_id);
    envelope.timestamp = timestamp;
    return envelope;
}

// A count (integer >= 0) the validator already accepted.
uint64_t count_of(const json::value &v) {
    if (v.is_uint64()) return v.get_uint64();
    SCENEHOST_ASSERT(v.is_int64() && v.get_int64() >= 0, "the validator accepted a count here");
    return static_cast<uint64_t>(v.get_int64());
}

std::optional<uint64_t> optional_count(const json::object &o, std::string_view key) {
    const json::value *v = o.if_contains(key);
    if (v == nullptr) return std::nullopt;
    return count_of(*v);
}

std::optional<std::string> optional_string(const json::object &o, std::string_view key) {
    const json::value *v = o.if_contains(key);
    if (v == nullptr) return std::nullopt;
    return std::string(v->as_string());
}

std::optional<json::object> optional_object(const json::object &o, std::string_view key) {
    const json::value *v = o.if_contains(key);
    if (v == nullptr) return std::nullopt;
    return v->as_object();
}

std::string string_at(const json::object &o, std::string_view key) { return std::string(o.at(key).as_string()); }

void require_type(const ServerFrame &frame, FrameType type) {
    SCENEHOST_ASSERT(frame.envelope.type == type, fmt::format("a {} reader was handed a {}", type_name(type),
                                                              type_name(frame.envelope.type)));
}

// The width and height in a PNG's IHDR chunk, which must come first after the signature.
std::optional<std::pair<uint32_t, uint32_t>> png_size(std::string_view png) {
    constexpr std::string_view kSignature("\x89PNG\r\n\x1a\n", 8);
    if (png.size() < 24 || png.substr(0, 8) != kSignature || png.substr(12, 4) != "IHDR") return std::nullopt;
    auto be32 = [&](size_t at) {
        return uint32_t(uint8_t(png[at])) << 24 | uint32_t(uint8_t(png[at + 1])) << 16 |
               uint32_t(uint8_t(png[at + 2])) << 8 | uint32_t(uint8_t(png[at + 3]));
    };
    if (be32(8) != 13) return std::nullopt;
    return std::pair{be32(16), be32(20)};
}

// Reads a command's result, which must be an object, with read(reader): read returns what it
// built, or nothing once the reader has failed. The first problem found wins.
template <typename T, typename Read>
std::variant<T, FieldProblem> read_result(const json::value &result, Read read) {
    if (!result.is_object()) return FieldProblem{"result", "result must be an object"};
    std::optional<FieldProblem> problem;
    PayloadReader reader(result.get_object(), "result", problem);
    std::optional<T> value = read(reader);
    if (problem) return std::move(*problem);
    SCENEHOST_ASSERT(value.has_value(), "a result reader returns a value unless it failed");
    return std::move(*value);
}

}  // namespace

Hello client_hello(std::string name, std::string version, const std::map<std::string, bool, std::less<>> &features,
                   std::optional<std::string> bearer_token) {
    Hello hello;
    hello.protocols = {kProtocolVersion};
    hello.client = {std::move(name), std::move(version), "linux"};
    hello.features = {{"notify.scene", true}, {"notify.layers", true}, {"notify.stream", true}};
    for (const auto &[topic, wanted] : features) hello.features[topic] = wanted;
    if (bearer_token) {
        hello.auth_type = "bearer";
        hello.auth_token = std::move(bearer_token);
    }
    return hello;
}

std::string hello_frame(const Hello &hello, std::string_view frame_id, double timestamp) {
    json::array protocols;
    for (int64_t p : hello.protocols) protocols.push_back(p);
    json::object features;
    for (const auto &[topic, wanted] : hello.features) features[topic] = wanted;
    json::object tokens;
    for (const auto &[topic, token] : hello.resume_tokens) {
        tokens[topic] = token ? json::value(*token) : json::value(nullptr);
    }
    json::object payload{{"protocols", std::move(protocols)},
                         {"client",
                          {{"name", hello.client.name},
                           {"version", hello.client.version},
                           {"platform", hello.client.platform}}},
                         {"features", std::move(features)},
                         {"resume_tokens", std::move(tokens)}};
    if (hello.auth_type) {
        json::object auth{{"type", *hello.auth_type}};
        if (hello.auth_token) auth["token"] = *hello.auth_token;
        payload["auth"] = std::move(auth);
    }
    return finish(client_envelope(FrameType::session_hello, std::nullopt, frame_id, timestamp), payload);
}

std::string state_update_frame(std::string_view session, std::string_view frame_id, std::string_view intent_id,
                               double timestamp, const StateUpdate &update) {
    Envelope envelope = client_envelope(FrameType::state_update, session, frame_id, timestamp);
    envelope.intent_id = std::string(intent_id);
    json::object payload{
        {"scope", update.scope}, {"target", update.target}, {"key", update.key}, {"value", update.value}};
    if (update.base_version) payload["base_version"] = *update.base_version;
    return finish(std::move(envelope), payload);
}

std::string call_command_frame(std::string_view session, std::string_view frame_id, double timestamp,
                               const CallCommand &call) {
    json::object payload{{"command", call.command}, {"args", call.args}, {"kwargs", call.kwargs}};
    if (call.origin) payload["origin"] = *call.origin;
    return finish(client_envelope(FrameType::call_command, session, frame_id, timestamp), payload);
}

std::string session_ack_frame(std::string_view session, std::string_view frame_id, double timestamp) {
    return finish(client_envelope(FrameType::session_ack, session, frame_id, timestamp), json::object{});
}

std::string goodbye_frame(std::string_view session, std::string_view frame_id, double timestamp,
                          const Goodbye &goodbye) {
    json::object payload;
    if (goodbye.code) payload["code"] = *goodbye.code;
    if (goodbye.message) payload["message"] = *goodbye.message;
    if (goodbye.reason) payload["reason"] = *goodbye.reason;
    return finish(client_envelope(FrameType::session_goodbye, session, frame_id, timestamp), payload);
}

std::optional<std::string> unsendable_number(const json::value &value, std::string_view path) {
    switch (value.kind()) {
        case json::kind::double_:
            if (!std::isfinite(value.get_double())) return std::string(path);
            return std::nullopt;
        case json::kind::array: {
            const json::array &a = value.get_array();
            for (size_t i = 0; i < a.size(); ++i) {
                if (auto bad = unsendable_number(a[i], fmt::format("{}[{}]", path, i))) return bad;
            }
            return std::nullopt;
        }
        case json::kind::object:
            for (const auto &kv : value.get_object()) {
                if (auto bad = unsendable_number(kv.value(), fmt::format("{}.{}", path, std::string_view(kv.key())))) {
                    return bad;
                }
            }
            return std::nullopt;
        default: return std::nullopt;
    }
}

const json::object &ServerFrame::payload() const { return frame.at("payload").as_object(); }

std::variant<ServerFrame, ProtocolError> read_server_frame(std::string_view text) {
    auto parsed = parse_frame_object(text);
    if (auto *problem = std::get_if<ProtocolError>(&parsed)) return std::move(*problem);
    json::object &object = std::get<json::object>(parsed);
    if (auto problem = validate_frame(object, Direction::server_to_client)) return std::move(*problem);
    auto envelope = read_envelope(object, Direction::server_to_client);
    SCENEHOST_ASSERT(std::holds_alternative<Envelope>(envelope), "validate_frame read this envelope already");
    return ServerFrame{std::move(std::get<Envelope>(envelope)), std::move(object), std::string(text)};
}

Welcome read_welcome(const ServerFrame &frame) {
    require_type(frame, FrameType::session_welcome);
    const json::object &p = frame.payload();
    const json::object &session = p.at("session").as_object();
    Welcome welcome;
    welcome.session_id = string_at(session, "id");
    welcome.heartbeat_s = session.at("heartbeat_s").to_number<double>();
    if (const json::value *ack = session.if_contains("ack_timeout_ms")) welcome.ack_timeout_ms = *as_int64(*ack);
    for (const auto &entry : p.at("features").as_object()) {
        const json::object &f = entry.value().as_object();
        FeatureState state;
        state.enabled = f.at("enabled").as_bool();
        if (const json::value *v = f.if_contains("version")) state.version = static_cast<int>(*as_int64(*v));
        if (const json::value *v = f.if_contains("resume")) state.resume = v->as_bool();
        if (const json::value *v = f.if_contains("commands")) {
            std::vector<std::string> commands;
            for (const json::value &c : v->as_array()) commands.emplace_back(c.as_string());
            state.commands = std::move(commands);
        }
        if (const json::value *v = f.if_contains("resume_state")) {
            const json::object &rs = v->as_object();
            state.resume_state = ResumeState{count_of(rs.at("seq")), string_at(rs, "delta_token")};
        }
        welcome.features.emplace(std::string(entry.key()), std::move(state));
    }
    return welcome;
}

Reject read_reject(const ServerFrame &frame) {
    require_type(frame, FrameType::session_reject);
    const json::object &p = frame.payload();
    return Reject{string_at(p, "code"), string_at(p, "message"), optional_object(p, "details")};
}

GoodbyeInfo read_goodbye(const ServerFrame &frame) {
    require_type(frame, FrameType::session_goodbye);
    const json::object &p = frame.payload();
    return GoodbyeInfo{optional_string(p, "code"), optional_string(p, "message"), optional_string(p, "reason")};
}

ErrorNotice read_error_notice(const ServerFrame &frame) {
    require_type(frame, FrameType::notify_error);
    const json::object &p = frame.payload();
    return ErrorNotice{string_at(p, "domain"), string_at(p, "code"), string_at(p, "message"), string_at(p, "severity"),
                       optional_object(p, "context")};
}

AckState read_ack(const ServerFrame &frame) {
    require_type(frame, FrameType::ack_state);
    const json::object &p = frame.payload();
    AckState ack;
    ack.intent_id = string_at(p, "intent_id");
    ack.in_reply_to = string_at(p, "in_reply_to");
    ack.accepted = p.at("status") == "accepted";
    if (const json::value *v = p.if_contains("applied_value")) ack.applied_value = *v;
    ack.version = optional_count(p, "version");
    if (const json::value *e = p.if_contains("error")) {
        const json::object &error = e->as_object();
        ack.error = StateRejection{string_at(error, "code"), string_at(error, "message"),
                                   optional_object(error, "details")};
    }
    SCENEHOST_ASSERT(ack.accepted != ack.error.has_value(), "the validator requires an error exactly on a rejection");
    return ack;
}

CommandAnswer read_command_answer(const ServerFrame &frame) {
    const json::object &p = frame.payload();
    if (frame.envelope.type == FrameType::reply_command) {
        const json::value *result = p.if_contains("result");
        return CommandAnswer{string_at(p, "in_reply_to"), result ? *result : json::value(nullptr)};
    }
    require_type(frame, FrameType::error_command);
    return CommandAnswer{string_at(p, "in_reply_to"),
                         CommandFailure{string_at(p, "code"), string_at(p, "message"), optional_object(p, "details")}};
}

std::variant<StateRecord, FieldProblem> read_state_record(const json::value &result) {
    return read_result<StateRecord>(result, [](PayloadReader &r) -> std::optional<StateRecord> {
        StateRecord record;
        record.scope = r.nonempty("scope", kRequired).value_or("");
        record.target = r.string("target", kRequired).value_or("");
        record.key = r.nonempty("key", kRequired).value_or("");
        const json::value *value = r.any("value", kRequired);
        record.version = r.count("version", kRequired).value_or(0);
        if (r.failed()) return std::nullopt;
        record.value = *value;
        return record;
    });
}

json::object record_value_version(const StateRecord &record) {
    return {{"value", record.value}, {"version", record.version}};
}

std::variant<std::vector<ScopeDeclaration>, FieldProblem> read_state_schema(const json::value &result) {
    return read_result<std::vector<ScopeDeclaration>>(result, [](PayloadReader &r) -> std::optional<std::vector<ScopeDeclaration>> {
        const json::object *all = r.object("scopes", kRequired);
        if (all == nullptr) return std::nullopt;
        std::vector<ScopeDeclaration> scopes;
        PayloadReader each_scope = r.nested(*all, "scopes");
        for (const auto &entry : *all) {
            if (entry.key().empty()) {
                r.fail("scopes", "must not hold an empty scope name");
                return std::nullopt;
            }
            if (!entry.value().is_object()) {
                each_scope.fail(entry.key(), "must be an object {publication, keys}");
                return std::nullopt;
            }
            PayloadReader s = each_scope.nested(entry.value().get_object(), entry.key());
            ScopeDeclaration scope;
            scope.scope = entry.key();
            scope.publication = s.one_of("publication", kRequired,
                                         {"state", "napari_layers", "napari_dims", "napari_camera", "napari_scene"})
                                    .value_or("");
            const json::object *keys = s.object("keys", kRequired);
            if (keys == nullptr) return std::nullopt;
            PayloadReader k = s.nested(*keys, "keys");
            for (const auto &key : *keys) {
                if (key.key().empty()) {
                    s.fail("keys", "must not hold an empty key name");
                    return std::nullopt;
                }
                if (!key.value().is_object()) {
                    k.fail(key.key(), "must be a JSON Schema object");
                    return std::nullopt;
                }
                scope.keys.push_back({std::string(key.key()), key.value().get_object()});
            }
            if (r.failed()) return std::nullopt;
            scopes.push_back(std::move(scope));
        }
        return scopes;
    });
}

std::variant<Screenshot, FieldProblem> read_screenshot(const json::value &result) {
    return read_result<Screenshot>(result, [](PayloadReader &r) -> std::optional<Screenshot> {
        Screenshot shot;
        r.one_of("format", kRequired, {"png"});
        shot.width = r.integer("width", kRequired).value_or(0);
        shot.height = r.integer("height", kRequired).value_or(0);
        if (!r.failed() && shot.width <= 0) r.fail("width", "must be > 0");
        if (!r.failed() && shot.height <= 0) r.fail("height", "must be > 0");
        r.count("sequence", kRequired);
        r.integer("captured_us", kRequired);
        const json::object *versions = r.object("versions", kRequired);
        if (versions != nullptr) {
            for (const auto &v : *versions) {
                if (!v.value().is_uint64() && !(v.value().is_int64() && v.value().get_int64() >= 0)) {
                    r.nested(*versions, "versions").fail(v.key(), "must be a version (an integer >= 0)");
                    break;
                }
            }
        }
        const json::array *errors = r.array("errors", kRequired);
        const auto data = r.nonempty("data", kRequired);
        if (r.failed()) return std::nullopt;
        for (size_t i = 0; i < errors->size(); ++i) {
            if (!(*errors)[i].is_object()) {
                r.fail(fmt::format("errors[{}]", i), "must be an object {layer_id, message}");
                return std::nullopt;
            }
        }
        auto png = base::decode_base64(*data);
        if (!png) {
            r.fail("data", "must be base64 (RFC 4648, padded)");
            return std::nullopt;
        }
        const auto size = png_size(*png);
        if (!size) {
            r.fail("data", "must decode to a PNG (signature, then the IHDR chunk)");
            return std::nullopt;
        }
        if (int64_t(size->first) != shot.width || int64_t(size->second) != shot.height) {
            r.fail("data", fmt::format("is a {}x{} PNG, not the {}x{} that width and height say", size->first,
                                       size->second, shot.width, shot.height));
            return std::nullopt;
        }
        shot.versions = *versions;
        shot.errors = *errors;
        shot.png_base64 = std::string(*data);
        shot.png = std::move(*png);
        return shot;
    });
}

std::variant<std::vector<LayerSummary>, FieldProblem> read_layer_summaries(const json::value &snapshot) {
    return read_result<std::vector<LayerSummary>>(snapshot, [](PayloadReader &r) -> std::optional<std::vector<LayerSummary>> {
        const json::array *layers = r.array("layers", kRequired);
        if (layers == nullptr) return std::nullopt;
        std::vector<LayerSummary> out;
        for (size_t i = 0; i < layers->size(); ++i) {
            const std::string key = fmt::format("layers[{}]", i);
            if (!(*layers)[i].is_object()) {
                r.fail(key, "must be an object");
                return std::nullopt;
            }
            PayloadReader l = r.nested((*layers)[i].get_object(), key);
            LayerSummary layer;
            layer.id = l.nonempty("layer_id", kRequired).value_or("");
            layer.type = l.nonempty("layer_type", kRequired).value_or("");
            layer.name = l.string("name", kRequired).value_or("");
            if (const json::array *shape = l.array("shape", kRequired)) layer.shape = *shape;
            layer.dtype = l.nonempty("dtype", kRequired).value_or("");
            if (const json::object *controls = l.object("controls", kRequired)) {
                PayloadReader c = l.nested(*controls, "controls");
                layer.visible = c.boolean("visible", kRequired).value_or(false);
                layer.opacity = c.number("opacity", kRequired).value_or(0);
            }
            if (r.failed()) return std::nullopt;
            out.push_back(std::move(layer));
        }
        return out;
    });
}

}  // namespace scenehost::protocol
