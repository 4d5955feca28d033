// Parsers for session.hello, session.ack, session.goodbye, state.update and call.command.
#include "protocol/client_frames.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <fmt/format.h>

#include "protocol/envelope.hpp"

namespace scenehost::protocol {
namespace {

namespace json = boost::json;

// Reads fields of one payload object and remembers the first problem.
class Reader {
public:
    Reader(const json::object &object, std::string path) : object_(object), path_(std::move(path)) {}

    const std::optional<std::string> &problem() const { return problem_; }
    const std::string &field() const { return field_; }

    std::optional<std::string> string(std::string_view key, bool required) {
        const json::value *v = get(key, required);
        if (v == nullptr) return std::nullopt;
        if (!v->is_string()) return fail(key, "must be a string"), std::nullopt;
        return std::string(v->get_string());
    }
    const json::object *object(std::string_view key, bool required) {
        const json::value *v = get(key, required);
        if (v == nullptr) return nullptr;
        if (!v->is_object()) return fail(key, "must be an object"), nullptr;
        return &v->get_object();
    }
    const json::array *array(std::string_view key, bool required) {
        const json::value *v = get(key, required);
        if (v == nullptr) return nullptr;
        if (!v->is_array()) return fail(key, "must be an array"), nullptr;
        return &v->get_array();
    }
    const json::value *any(std::string_view key, bool required) { return get(key, required); }
    // Every key of the object must be one of allowed.
    void only(std::initializer_list<std::string_view> allowed) {
        for (const auto &[key, value] : object_) {
            if (std::find(allowed.begin(), allowed.end(), std::string_view(key)) == allowed.end()) {
                return fail(key, "is not a known field");
            }
        }
    }
    void fail(std::string_view key, std::string_view rule) {
        if (problem_) return;
        field_ = key.empty() ? path_ : path_ + "." + std::string(key);
        problem_ = fmt::format("{} {}", field_, rule);
    }

private:
    const json::value *get(std::string_view key, bool required) {
        const json::value *v = object_.if_contains(key);
        if (v == nullptr && required) fail(key, "is required");
        return v;
    }

    const json::object &object_;
    std::string path_;
    std::optional<std::string> problem_;
    std::string field_;
};

std::variant<Hello, std::pair<std::string, std::string>> read_hello(const json::object &payload) {
    Hello hello;
    Reader r(payload, "payload");
    r.only({"protocols", "client", "features", "resume_tokens", "auth"});
    if (const json::array *protocols = r.array("protocols", true)) {
        if (protocols->empty()) r.fail("protocols", "must list at least one protocol version");
        for (const json::value &p : *protocols) {
            if (!p.is_int64()) r.fail("protocols", "must hold integers");
            else hello.protocols.push_back(p.get_int64());
        }
    }
    if (const json::object *client = r.object("client", true)) {
        Reader c(*client, "payload.client");
        c.only({"name", "version", "platform"});
        hello.client = {c.string("name", true).value_or(""), c.string("version", true).value_or(""),
                        c.string("platform", true).value_or("")};
        if (c.problem()) return std::pair{c.field(), *c.problem()};
    }
    if (const json::object *features = r.object("features", true)) {
        for (const auto &[topic, enabled] : *features) {
            if (!enabled.is_bool()) r.fail("features." + std::string(topic), "must be true or false");
            else hello.features.emplace(topic, enabled.get_bool());
        }
    }
    if (const json::object *tokens = r.object("resume_tokens", true)) {
        for (const auto &[topic, token] : *tokens) {
            if (token.is_null()) hello.resume_tokens.emplace(topic, std::nullopt);
            else if (token.is_string()) hello.resume_tokens.emplace(topic, std::string(token.get_string()));
            else r.fail("resume_tokens." + std::string(topic), "must be a string or null");
        }
    }
    if (const json::object *auth = r.object("auth", false)) {
        Reader a(*auth, "payload.auth");
        a.only({"type", "token"});
        hello.auth_type = a.string("type", true);
        hello.auth_token = a.string("token", false);
        if (hello.auth_type && *hello.auth_type != "bearer" && *hello.auth_type != "mtls") {
            a.fail("type", "must be \"bearer\" or \"mtls\"");
        }
        if (a.problem()) return std::pair{a.field(), *a.problem()};
    }
    if (r.problem()) return std::pair{r.field(), *r.problem()};
    return hello;
}

std::variant<StateUpdate, std::pair<std::string, std::string>> read_state_update(const json::object &payload) {
    StateUpdate update;
    Reader r(payload, "payload");
    update.scope = r.string("scope", true).value_or("");
    update.target = r.string("target", true).value_or("");
    update.key = r.string("key", true).value_or("");
    if (const json::value *value = r.any("value", true)) update.value = *value;
    if (const json::value *base = r.any("base_version", false)) {
        if (base->is_uint64() || (base->is_int64() && base->get_int64() >= 0)) {
            update.base_version = base->to_number<uint64_t>();
        } else {
            r.fail("base_version", "must be an integer >= 0");
        }
    }
    if (!r.problem() && update.scope.empty()) r.fail("scope", "must not be empty");
    if (!r.problem() && update.key.empty()) r.fail("key", "must not be empty");
    if (r.problem()) return std::pair{r.field(), *r.problem()};
    return update;
}

std::variant<CallCommand, std::pair<std::string, std::string>> read_call_command(const json::object &payload) {
    CallCommand call;
    Reader r(payload, "payload");
    call.command = r.string("command", true).value_or("");
    if (const json::array *args = r.array("args", false)) call.args = *args;
    if (const json::object *kwargs = r.object("kwargs", false)) call.kwargs = *kwargs;
    call.origin = r.string("origin", false);
    if (!r.problem() && call.command.empty()) r.fail("command", "must not be empty");
    if (r.problem()) return std::pair{r.field(), *r.problem()};
    return call;
}

std::variant<Goodbye, std::pair<std::string, std::string>> read_goodbye(const json::object &payload) {
    Reader r(payload, "payload");
    r.only({"code", "message", "reason"});
    Goodbye goodbye{r.string("code", false), r.string("message", false), r.string("reason", false)};
    if (r.problem()) return std::pair{r.field(), *r.problem()};
    return goodbye;
}

// Runs the payload reader of a client frame type.
std::variant<ClientPayload, std::pair<std::string, std::string>> read_payload(FrameType type,
                                                                             const json::object &payload) {
    auto lift = [](auto result) -> std::variant<ClientPayload, std::pair<std::string, std::string>> {
        if (auto *problem = std::get_if<std::pair<std::string, std::string>>(&result)) return *problem;
        return ClientPayload(std::move(std::get<0>(result)));
    };
    switch (type) {
        case FrameType::session_hello: return lift(read_hello(payload));
        case FrameType::state_update: return lift(read_state_update(payload));
        case FrameType::call_command: return lift(read_call_command(payload));
        case FrameType::session_goodbye: return lift(read_goodbye(payload));
        case FrameType::session_ack:
            if (!payload.empty()) return std::pair<std::string, std::string>{"payload", "payload must be {}"};
            return ClientPayload(SessionAck{});
        default: break;
    }
    return std::pair<std::string, std::string>{"type", "not a client frame"};
}

}  // namespace

std::optional<ProtocolError> check_client_payload(FrameType type, const json::object &payload) {
    auto result = read_payload(type, payload);
    if (auto *problem = std::get_if<std::pair<std::string, std::string>>(&result)) {
        return ProtocolError{std::string(kInvalidPayload), problem->second, problem->first, type, {}, {}};
    }
    return std::nullopt;
}

std::variant<ClientFrame, ProtocolError> parse_client_frame(std::string_view text) {
    json::error_code error;
    json::value value = json::parse(text, error);
    if (error) {
        return ProtocolError{std::string(kInvalidJson), "frame is not valid JSON: " + error.message(), "", {}, {}, {}};
    }
    if (!value.is_object()) {
        return ProtocolError{std::string(kInvalidJson), "frame must be a JSON object", "", {}, {}, {}};
    }
    const json::object &frame = value.get_object();
    auto envelope = read_envelope(frame);
    if (auto *problem = std::get_if<ProtocolError>(&envelope)) return std::move(*problem);
    Envelope &env = std::get<Envelope>(envelope);
    if (direction(env.type) == Direction::server_to_client) {
        return ProtocolError{std::string(kUnknownType),
                             fmt::format("{} is sent by the server only", type_name(env.type)), "type", env.type,
                             env.frame_id, env.intent_id};
    }
    auto payload = read_payload(env.type, frame.at("payload").get_object());
    if (auto *problem = std::get_if<std::pair<std::string, std::string>>(&payload)) {
        return ProtocolError{std::string(kInvalidPayload), problem->second, problem->first, env.type, env.frame_id,
                             env.intent_id};
    }
    return ClientFrame{std::move(env), std::move(std::get<ClientPayload>(payload))};
}

}  // namespace scenehost::protocol
