// Envelope reading, the B.2 matrix check, and the envelope writer.
#include "protocol/envelope.hpp"

#include <fmt/format.h>
#include <array>
#include <boost/json/parse.hpp>
#include <boost/json/serializer.hpp>
#include <cmath>
#include <iterator>

#include "base/assert.hpp"
#include "base/json_text.hpp"
#include "protocol/payload_reader.hpp"

namespace scenehost::protocol {
namespace {

namespace json = boost::json;

// Unknown type names are echoed back; a hostile one is cut to this many characters.
constexpr std::size_t kEchoedNameMax = 64;

std::optional<std::string> salvage(const json::object &frame, std::string_view key) {
    const json::value *v = frame.if_contains(key);
    if (v == nullptr || !v->is_string() || v->get_string().empty()) return std::nullopt;
    return std::string(v->get_string());
}

// An identifier worth echoing in a reply: a non-empty string.
std::optional<std::string> usable(const std::optional<std::string> &id) {
    if (!id || id->empty()) return std::nullopt;
    return id;
}

ProtocolError envelope_error(const Envelope &envelope, std::string field, std::string message) {
    return ProtocolError{std::string(kInvalidEnvelope), std::move(message),        std::move(field), envelope.type,
                         usable(envelope.frame_id),     usable(envelope.intent_id)};
}

// A present optional string field must be a string.
std::optional<ProtocolError> read_string(const json::object &frame, std::string_view key,
                                         std::optional<std::string> &out, const Envelope &envelope) {
    const json::value *v = frame.if_contains(key);
    if (v == nullptr) return std::nullopt;
    if (!v->is_string()) {
        return envelope_error(envelope, std::string(key), fmt::format("envelope field '{}' must be a string", key));
    }
    out.emplace(v->get_string());
    return std::nullopt;
}

void append_serialized(std::string &out, json::serializer &serializer) {
    char buffer[4096];
    while (!serializer.done()) {
        const json::string_view chunk = serializer.read(buffer, sizeof buffer);
        out.append(chunk.data(), chunk.size());
    }
}

void append_string_field(std::string &out, json::serializer &serializer, std::string_view key,
                         const std::optional<std::string> &value) {
    if (!value) return;
    out += ",\"";
    out += key;
    out += "\":";
    serializer.reset(json::string_view(*value));
    append_serialized(out, serializer);
}

}  // namespace

std::optional<ProtocolError> check_envelope(const Envelope &envelope, const EnvelopeDialect &dialect) {
    const EnvelopeRules &rules = envelope_rules(envelope.type);
    const std::string_view name = type_name(envelope.type);
    struct Field {
        std::string_view key;
        Presence presence;
        bool present;
        const std::optional<std::string> *text;  // nullptr for seq
    };
    const std::array<Field, 5> fields = {{
        {"session", rules.session, envelope.session.has_value(), &envelope.session},
        {"frame_id", rules.frame_id, envelope.frame_id.has_value(), &envelope.frame_id},
        {"seq", rules.seq, envelope.seq.has_value(), nullptr},
        {"delta_token", rules.seq, envelope.delta_token.has_value(), &envelope.delta_token},
        {"intent_id", rules.intent_id, envelope.intent_id.has_value(), &envelope.intent_id},
    }};
    for (const Field &f : fields) {
        if (f.presence == Presence::required && !f.present) {
            return envelope_error(envelope, std::string(f.key),
                                  fmt::format("envelope field '{}' is required on {}", f.key, name));
        }
        if (f.presence == Presence::forbidden && f.present) {
            return envelope_error(envelope, std::string(f.key),
                                  fmt::format("envelope field '{}' is forbidden on {}", f.key, name));
        }
        if (f.text != nullptr && f.present && (*f.text)->empty()) {
            return envelope_error(envelope, std::string(f.key),
                                  fmt::format("envelope field '{}' must not be empty", f.key));
        }
    }
    if (!std::isfinite(envelope.timestamp) || envelope.timestamp < 0) {
        return envelope_error(envelope, "timestamp",
                              fmt::format("envelope field 'timestamp' must be non-negative Unix seconds on {}", name));
    }
    if (envelope.type == FrameType::notify_scene && envelope.seq != 0u) {
        return envelope_error(envelope, "seq",
                              "envelope field 'seq' must be 0 on notify.scene (a snapshot starts an epoch)");
    }
    if (rules.short_id && !dialect.exactly_one_identifier) {
        if (!envelope.intent_id && !envelope.frame_id) {
            return envelope_error(envelope, "frame_id",
                                  fmt::format("{} needs the triggering intent_id or a frame_id", name));
        }
    } else if (rules.short_id) {
        if (envelope.intent_id && envelope.frame_id) {
            return envelope_error(envelope, "frame_id",
                                  fmt::format("envelope field 'frame_id' is forbidden on {} that carries intent_id "
                                              "(exactly one identifier)",
                                              name));
        }
        if (!envelope.intent_id && !envelope.frame_id) {
            return envelope_error(envelope, "frame_id",
                                  fmt::format("{} needs the triggering intent_id or a short frame_id", name));
        }
        if (envelope.frame_id && envelope.frame_id->size() > kShortFrameIdMax) {
            return envelope_error(
                envelope, "frame_id",
                fmt::format("envelope field 'frame_id' must be at most {} characters on {}", kShortFrameIdMax, name));
        }
    }
    return std::nullopt;
}

std::variant<Envelope, ProtocolError> read_envelope(const json::object &frame, Direction expected,
                                                    const EnvelopeDialect &dialect) {
    Envelope envelope;
    std::optional<std::string> frame_id = salvage(frame, "frame_id");
    std::optional<std::string> intent_id = salvage(frame, "intent_id");
    auto unknown = [&](std::string message, std::optional<FrameType> type) {
        return ProtocolError{std::string(kUnknownType), std::move(message), "type", type, frame_id, intent_id};
    };

    const json::value *type_value = frame.if_contains("type");
    if (type_value == nullptr) return unknown("envelope field 'type' is required", std::nullopt);
    if (!type_value->is_string()) return unknown("envelope field 'type' must be a string", std::nullopt);
    const std::string_view name = type_value->get_string();
    const std::optional<FrameType> type = frame_type_from_name(name);
    if (!type) {
        const bool cut = name.size() > kEchoedNameMax;
        return unknown(fmt::format("unknown frame type '{}{}'", name.substr(0, kEchoedNameMax), cut ? "..." : ""),
                       std::nullopt);
    }
    if (!travels(*type, expected)) {
        return unknown(
            fmt::format("{} is sent by the {} only; the {} may not send it", name, sender_name(direction(*type)),
                        expected == Direction::client_to_server ? "client" : "server"),
            type);
    }
    envelope.type = *type;
    envelope.frame_id = std::move(frame_id);
    envelope.intent_id = std::move(intent_id);

    auto fail = [&](std::string_view key, std::string_view rule) {
        return envelope_error(envelope, std::string(key), fmt::format("envelope field '{}' {} on {}", key, rule, name));
    };
    const json::value *version = frame.if_contains("version");
    if (version == nullptr) return fail("version", "is required");
    if (as_int64(*version) != dialect.version)
        return fail("version", fmt::format("must be the integer {}", dialect.version));
    const json::value *timestamp = frame.if_contains("timestamp");
    if (timestamp == nullptr) return fail("timestamp", "is required");
    if (!timestamp->is_number()) return fail("timestamp", "must be a number (Unix seconds)");
    envelope.timestamp = timestamp->to_number<double>();
    const json::value *payload = frame.if_contains("payload");
    if (payload == nullptr) return fail("payload", "is required");
    if (!payload->is_object()) return fail("payload", "must be an object");

    // Kinds of the optional fields (emptiness and presence are check_envelope's).
    if (auto e = read_string(frame, "frame_id", envelope.frame_id, envelope)) return std::move(*e);
    if (auto e = read_string(frame, "intent_id", envelope.intent_id, envelope)) return std::move(*e);
    if (auto e = read_string(frame, "session", envelope.session, envelope)) return std::move(*e);
    if (auto e = read_string(frame, "delta_token", envelope.delta_token, envelope)) return std::move(*e);
    if (const json::value *seq = frame.if_contains("seq")) {
        if (seq->is_uint64())
            envelope.seq = seq->get_uint64();
        else if (seq->is_int64() && seq->get_int64() >= 0)
            envelope.seq = static_cast<uint64_t>(seq->get_int64());
        else
            return fail("seq", "must be a non-negative integer");
    }
    if (auto e = check_envelope(envelope, dialect)) return std::move(*e);
    return envelope;
}

std::variant<json::object, ProtocolError> parse_frame_object(std::string_view text) {
    json::error_code error;
    json::value document = json::parse(text, error);
    if (error) {
        return ProtocolError{std::string(kInvalidJson), "frame is not valid JSON: " + error.message(), "", {}, {}, {}};
    }
    if (!document.is_object()) {
        return ProtocolError{std::string(kInvalidJson), "frame must be a JSON object", "", {}, {}, {}};
    }
    return std::move(document.get_object());
}

std::string write_frame(const Envelope &envelope, const json::object &payload, int version) {
    std::string out;
    out.reserve(256);
    json::serializer serializer;
    out += "{\"type\":\"";
    out += type_name(envelope.type);  // names are plain ASCII: no escaping needed
    out += "\",\"version\":";
    fmt::format_to(std::back_inserter(out), "{}", version);
    append_string_field(out, serializer, "session", envelope.session);
    append_string_field(out, serializer, "frame_id", envelope.frame_id);
    SCENEHOST_ASSERT(std::isfinite(envelope.timestamp), "timestamps come from the clock");
    fmt::format_to(std::back_inserter(out), ",\"timestamp\":{:.6f}", envelope.timestamp);
    if (envelope.seq) fmt::format_to(std::back_inserter(out), ",\"seq\":{}", *envelope.seq);
    append_string_field(out, serializer, "delta_token", envelope.delta_token);
    append_string_field(out, serializer, "intent_id", envelope.intent_id);
    out += ",\"payload\":";
    base::append_json(out, payload);
    out += '}';
    return out;
}

}  // namespace scenehost::protocol
