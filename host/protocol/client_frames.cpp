// The client-frame parser: JSON, envelope (App. B.2), then the payload rules of the frame type.
#include "protocol/client_frames.hpp"

#include <boost/json/parse.hpp>

#include "base/assert.hpp"
#include "protocol/envelope.hpp"

namespace scenehost::protocol {
namespace {

namespace json = boost::json;
constexpr Need kRequired = Need::required;
constexpr Need kOptional = Need::optional;

std::optional<std::string> owned(std::optional<std::string_view> text) {
    if (!text) return std::nullopt;
    return std::string(*text);
}

Hello read_hello(PayloadReader &r) {
    Hello hello;
    r.only({"protocols", "client", "features", "resume_tokens", "auth"}, "session.hello");
    if (const json::array *protocols = r.array("protocols", kRequired)) {
        if (protocols->empty()) r.fail("protocols", "must list at least one protocol version");
        hello.protocols.reserve(protocols->size());
        for (const json::value &p : *protocols) {
            const auto version = as_int64(p);
            if (!version)
                r.fail("protocols", "must hold only integers");
            else
                hello.protocols.push_back(*version);
        }
    }
    if (const json::object *client = r.object("client", kRequired)) {
        PayloadReader c = r.nested(*client, "client");
        c.only({"name", "version", "platform"}, "session.hello");
        hello.client.name = c.nonempty("name", kRequired).value_or("");
        hello.client.version = c.string("version", kRequired).value_or("");
        hello.client.platform = c.string("platform", kRequired).value_or("");
    }
    if (const json::object *features = r.object("features", kRequired)) {
        for (const auto &entry : *features) {
            if (!entry.value().is_bool())
                r.nested(*features, "features").fail(entry.key(), "must be true or false");
            else
                hello.features.emplace(entry.key(), entry.value().get_bool());
        }
    }
    if (const json::object *tokens = r.object("resume_tokens", kRequired)) {
        for (const auto &entry : *tokens) {
            const json::value &token = entry.value();
            if (token.is_null())
                hello.resume_tokens.emplace(entry.key(), std::nullopt);
            else if (token.is_string())
                hello.resume_tokens.emplace(entry.key(), std::string(token.get_string()));
            else
                r.nested(*tokens, "resume_tokens").fail(entry.key(), "must be a string or null");
        }
    }
    if (const json::object *auth = r.object("auth", kOptional)) {
        PayloadReader a = r.nested(*auth, "auth");
        a.only({"type", "token"}, "session.hello");
        hello.auth_type = owned(a.one_of("type", kRequired, {"bearer", "mtls"}));
        hello.auth_token = owned(a.string("token", kOptional));
    }
    return hello;
}

StateUpdate read_state_update(PayloadReader &r) {
    StateUpdate update;
    update.scope = r.nonempty("scope", kRequired).value_or("");
    update.target = r.string("target", kRequired).value_or("");
    update.key = r.nonempty("key", kRequired).value_or("");
    r.any("value", kRequired);
    update.base_version = r.count("base_version", kOptional);
    return update;
}

CallCommand read_call_command(PayloadReader &r, const ClientRules &rules) {
    CallCommand call;
    call.command = r.nonempty("command", kRequired).value_or("");
    r.array("args", rules.command_args_required ? kRequired : kOptional);
    r.object("kwargs", rules.command_args_required ? kRequired : kOptional);
    call.origin = owned(r.string("origin", kOptional));
    return call;
}

Goodbye read_goodbye(PayloadReader &r) {
    r.only({"code", "message", "reason"}, "session.goodbye");
    return Goodbye{owned(r.string("code", kOptional)), owned(r.string("message", kOptional)),
                   owned(r.string("reason", kOptional))};
}

ClientPayload read_payload(FrameType type, PayloadReader &r, const ClientRules &rules) {
    switch (type) {
        case FrameType::session_hello: return read_hello(r);
        case FrameType::state_update: return read_state_update(r);
        case FrameType::call_command: return read_call_command(r, rules);
        case FrameType::session_goodbye: return read_goodbye(r);
        case FrameType::session_ack: r.empty_object(); return SessionAck{};
        default: break;
    }
    SCENEHOST_ASSERT(false, "only client frame types reach the client payload readers");
    return SessionAck{};
}

}  // namespace

std::variant<ClientPayload, FieldProblem> read_client_payload(FrameType type, const json::object &payload,
                                                              const ClientRules &rules) {
    std::optional<FieldProblem> problem;
    PayloadReader reader(payload, "payload", problem);
    ClientPayload result = read_payload(type, reader, rules);
    if (problem) return std::move(*problem);
    return result;
}

std::variant<ClientFrame, ProtocolError> parse_client_frame(std::string_view text, const ClientRules &rules) {
    auto parsed = parse_frame_object(text);
    if (auto *problem = std::get_if<ProtocolError>(&parsed)) return std::move(*problem);
    json::object &object = std::get<json::object>(parsed);
    json::object &frame = object;
    auto envelope = read_envelope(frame, Direction::client_to_server, rules.envelope);
    if (auto *problem = std::get_if<ProtocolError>(&envelope)) return std::move(*problem);
    Envelope &env = std::get<Envelope>(envelope);

    json::object &payload = frame.find("payload")->value().get_object();  // read_envelope checked it
    auto read = read_client_payload(env.type, payload, rules);
    if (auto *problem = std::get_if<FieldProblem>(&read)) {
        return ProtocolError{std::string(kInvalidPayload), std::move(problem->message),
                             std::move(problem->field),    env.type,
                             std::move(env.frame_id),      std::move(env.intent_id)};
    }
    ClientPayload &body = std::get<ClientPayload>(read);
    // Move the JSON-valued members out of the document (same allocator: no copy).
    if (auto *update = std::get_if<StateUpdate>(&body)) {
        update->value = std::move(payload.find("value")->value());
    } else if (auto *call = std::get_if<CallCommand>(&body)) {
        if (auto *args = payload.if_contains("args")) call->args = std::move(args->get_array());
        if (auto *kwargs = payload.if_contains("kwargs")) call->kwargs = std::move(kwargs->get_object());
    }
    return ClientFrame{std::move(env), std::move(body)};
}

}  // namespace scenehost::protocol
