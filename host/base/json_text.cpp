#include "base/json_text.hpp"

#include <charconv>
#include <cmath>
#include <fmt/format.h>

#include "base/assert.hpp"

namespace scenehost::base {
namespace {

void append_string(std::string &out, std::string_view s) {
    out += '"';
    for (const char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<unsigned>(c));
                } else {
                    out += c;  // UTF-8 passes through: the parser only lets valid text in
                }
        }
    }
    out += '"';
}

void append_double(std::string &out, double d) {
    SCENEHOST_ASSERT(std::isfinite(d), "JSON has no NaN or infinity; the engine refuses them at the boundary");
    char buffer[32];
    const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, d);
    SCENEHOST_ASSERT(error == std::errc(), "32 characters hold any double");
    const std::string_view text(buffer, size_t(end - buffer));
    out += text;
    if (text.find_first_of(".e") == std::string_view::npos) out += ".0";
}

}  // namespace

void append_json(std::string &out, const boost::json::value &value) {
    switch (value.kind()) {
        case boost::json::kind::null: out += "null"; return;
        case boost::json::kind::bool_: out += value.get_bool() ? "true" : "false"; return;
        case boost::json::kind::int64: fmt::format_to(std::back_inserter(out), "{}", value.get_int64()); return;
        case boost::json::kind::uint64: fmt::format_to(std::back_inserter(out), "{}", value.get_uint64()); return;
        case boost::json::kind::double_: append_double(out, value.get_double()); return;
        case boost::json::kind::string: append_string(out, value.get_string()); return;
        case boost::json::kind::array: {
            out += '[';
            bool first = true;
            for (const boost::json::value &v : value.get_array()) {
                if (!first) out += ',';
                first = false;
                append_json(out, v);
            }
            out += ']';
            return;
        }
        case boost::json::kind::object: {
            out += '{';
            bool first = true;
            for (const auto &kv : value.get_object()) {
                if (!first) out += ',';
                first = false;
                append_string(out, kv.key());
                out += ':';
                append_json(out, kv.value());
            }
            out += '}';
            return;
        }
    }
}

std::string to_json(const boost::json::value &value) {
    std::string out;
    append_json(out, value);
    return out;
}

std::optional<std::string_view> unholdable(const boost::json::value &v) {
    if (const double *d = v.if_double(); d && !std::isfinite(*d)) return "holds a number outside the range of a double";
    if (const auto *s = v.if_string(); s && s->find('\0') != boost::json::string::npos) {
        return "holds U+0000 (NUL) in a string";
    }
    if (const auto *a = v.if_array()) {
        for (const auto &x : *a) {
            if (auto why = unholdable(x)) return why;
        }
    }
    if (const auto *o = v.if_object()) {
        for (const auto &kv : *o) {
            if (kv.key().find('\0') != std::string_view::npos) return "holds U+0000 (NUL) in an object key";
            if (auto why = unholdable(kv.value())) return why;
        }
    }
    return std::nullopt;
}

}  // namespace scenehost::base
