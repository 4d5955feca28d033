// Value parsing and rejection helpers shared by the reducer plugins shipped with the host.
// Header-only and built only against the SDK and Boost.JSON, like the plugins themselves.
#pragma once

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scenehost/sdk/reducer.hpp"

namespace scenehost::plugins {

namespace json = boost::json;

inline std::string text(const json::value &v) { return json::serialize(v); }

// JSON for people: like text(), but numbers in their shortest form (0.5, not 5E-1).
inline std::string display(const json::value &v) {
    if (const double *d = v.if_double()) {
        char buf[32];
        const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, *d);
        return ec == std::errc() ? std::string(buf, end) : text(v);
    }
    if (const json::array *a = v.if_array()) {
        std::string out = "[";
        for (const json::value &x : *a) out += (out.size() > 1 ? ", " : "") + display(x);
        return out + "]";
    }
    if (const json::object *o = v.if_object()) {
        std::string out = "{";
        for (const auto &kv : *o) out += (out.size() > 1 ? ", " : "") + text(kv.key()) + ": " + display(kv.value());
        return out + "}";
    }
    return text(v);
}

// A JSON number as a finite double; nothing for other types (booleans are not numbers) and for
// numbers that overflowed to infinity while parsing (1e999).
inline std::optional<double> finite_number(const json::value &v) {
    double x = 0;
    if (v.is_double()) {
        x = v.get_double();
    } else if (v.is_int64()) {
        x = double(v.get_int64());
    } else if (v.is_uint64()) {
        x = double(v.get_uint64());
    } else {
        return std::nullopt;
    }
    if (!std::isfinite(x)) return std::nullopt;
    return x;
}

// The finite number at v[field] when v is an object that has it.
inline std::optional<double> member_number(const json::value &v, std::string_view field) {
    const json::object *o = v.if_object();
    const json::value *x = o != nullptr ? o->if_contains(field) : nullptr;
    if (x == nullptr) return std::nullopt;
    return finite_number(*x);
}

// A JSON integer (not 2.0, not "2").
inline std::optional<int64_t> integer(const json::value &v) {
    if (v.is_int64()) return v.get_int64();
    if (v.is_uint64() && v.get_uint64() <= uint64_t(INT64_MAX)) return int64_t(v.get_uint64());
    return std::nullopt;
}

// An array of exactly `size` finite numbers (any size when size is 0).
inline std::optional<std::vector<double>> finite_numbers(const json::value &v, size_t size = 0) {
    const json::array *a = v.if_array();
    if (a == nullptr || (size != 0 && a->size() != size)) return std::nullopt;
    std::vector<double> out;
    out.reserve(a->size());
    for (const json::value &x : *a) {
        const auto n = finite_number(x);
        if (!n) return std::nullopt;
        out.push_back(*n);
    }
    return out;
}

inline std::optional<std::vector<int64_t>> integers(const json::value &v) {
    const json::array *a = v.if_array();
    if (a == nullptr) return std::nullopt;
    std::vector<int64_t> out;
    out.reserve(a->size());
    for (const json::value &x : *a) {
        const auto n = integer(x);
        if (!n) return std::nullopt;
        out.push_back(*n);
    }
    return out;
}

// Whether UTF-8 text holds a Unicode control character (category Cc: U+0000-U+001F,
// U+007F-U+009F). Names and labels a client gives may not: NUL cuts a string short in every C
// API it reaches (the schema validator's included) and the others have no place in a label.
inline bool has_control_character(std::string_view s) {
    for (size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x20 || c == 0x7f) return true;
        // U+0080-U+009F is 0xC2 then 0x80-0x9F; a continuation byte is never below 0x80.
        if (c == 0xc2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) <= 0x9f) return true;
    }
    return false;
}

// A name or label: a non-empty string without control characters.
inline const json::string *plain_text(const json::value &v) {
    const json::string *s = v.if_string();
    return s != nullptr && !s->empty() && !has_control_character(*s) ? s : nullptr;
}

template <class T>
json::array to_array(const std::vector<T> &values) {
    json::array out;
    out.reserve(values.size());
    for (const T &v : values) out.emplace_back(v);
    return out;
}

inline std::string lower(std::string_view s) {
    std::string out(s);
    for (char &c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// Joins names for messages: "a, b, c".
template <class Range>
std::string join(const Range &names) {
    std::string out;
    for (const auto &n : names) out += (out.empty() ? "" : ", ") + std::string(n);
    return out;
}

// Rejections name the scope, key and, for ranges, the bound; details repeat them for machines.
class Rejector {
public:
    Rejector(const sdk::Outcome &out, std::string_view scope, std::string_view key) : out_(out), scope_(scope), key_(key) {}

    // The value has the wrong type or shape, or is not one of the accepted names.
    std::nullopt_t invalid(std::string_view expected, const json::value &got, json::object details = {}) const {
        details["key"] = key_;
        details["expected"] = expected;
        out_.reject(sdk::RejectCode::invalid_value,
                    name() + " must be " + std::string(expected) + ", not " + display(got), text(details));
        return std::nullopt;
    }

    // The value has the right type but lies outside its bound, named in `bound`.
    std::nullopt_t out_of_range(std::string_view bound, const json::value &got, json::object details = {}) const {
        details["key"] = key_;
        details["bound"] = bound;
        out_.reject(sdk::RejectCode::out_of_range, name() + " must be " + std::string(bound) + ", not " + display(got),
                    text(details));
        return std::nullopt;
    }

    void unknown_key(std::string_view accepted) const {
        out_.reject(sdk::RejectCode::unknown_key,
                    "'" + name() + "' is not a key the " + std::string(scope_) + " scope accepts (" + std::string(accepted) + ")",
                    text(json::object{{"key", key_}}));
    }

    void read_only() const {
        out_.reject(sdk::RejectCode::forbidden, name() + " comes from the data and cannot be changed by a client",
                    text(json::object{{"key", key_}}));
    }

    void unknown_target(std::string_view target, std::string_view expected) const {
        out_.reject(sdk::RejectCode::invalid_value,
                    std::string(scope_) + " target '" + std::string(target) + "' does not exist; expected " +
                        std::string(expected),
                    text(json::object{{"field", "target"}, {"target", target}}));
    }

private:
    std::string name() const { return std::string(scope_) + "." + std::string(key_); }

    const sdk::Outcome &out_;
    std::string_view scope_;
    std::string_view key_;
};

// A broken invariant inside a plugin: say what, then abort (plugins cannot use the host's assert).
[[noreturn]] inline void unreachable(const std::string &what) {
    std::fprintf(stderr, "scenehost plugin invariant broken: %s\n", what.c_str());
    std::abort();
}

// Parses the intent's value; the host hands over JSON text it has already parsed once.
inline json::value parse_value(std::string_view value_json) { return json::parse(value_json); }

// The layers of a scene description (docs/sdk.md), with ids defaulted to "layer-<i>".
struct SceneLayer {
    std::string id;
    const json::object *description;
};

inline std::vector<SceneLayer> scene_layers(const json::value &scene) {
    std::vector<SceneLayer> out;
    const json::array *layers = scene.as_object().contains("layers") ? scene.at("layers").if_array() : nullptr;
    if (layers == nullptr) return out;
    for (size_t i = 0; i < layers->size(); ++i) {
        const json::object *layer = (*layers)[i].if_object();
        if (layer == nullptr) continue;  // the layers reducer rejects such a scene at seed time
        const json::string *id = layer->contains("id") ? layer->at("id").if_string() : nullptr;
        out.push_back({id != nullptr ? std::string(*id) : "layer-" + std::to_string(i), layer});
    }
    return out;
}

// The viewer's steps per axis for a scene, as napari's Dims sees it: layers are aligned on their
// last axes and each axis takes the largest extent (at least two axes).
inline std::vector<int64_t> scene_nsteps(const json::value &scene) {
    std::vector<int64_t> nsteps{1, 1};
    for (const SceneLayer &layer : scene_layers(scene)) {
        const json::object &d = *layer.description;
        const auto shape = d.contains("shape") ? integers(d.at("shape")) : std::nullopt;
        if (!shape) continue;  // the layers reducer refuses such a scene
        if (shape->size() > nsteps.size()) nsteps.insert(nsteps.begin(), shape->size() - nsteps.size(), 1);
        for (size_t i = 0; i < shape->size(); ++i) {
            int64_t &n = nsteps[nsteps.size() - shape->size() + i];
            n = std::max(n, (*shape)[i]);
        }
    }
    return nsteps;
}

// The layers an intent addresses: its target when `scope` holds `probe_key` for it, or every
// target of `scope` for "main". Nothing, after rejecting, when there is no such layer.
inline std::optional<std::vector<std::string>> layer_targets(const sdk::StoreView &store, std::string_view scope,
                                                             std::string_view target, std::string_view probe_key,
                                                             const Rejector &reject) {
    std::vector<std::string> targets;
    if (target == "main") {
        store.for_each_target(scope, [&](std::string_view t) { targets.emplace_back(t); });
        if (targets.empty()) return reject.unknown_target("main", "a layer, but the scene has none"), std::nullopt;
    } else {
        if (!store.get(scope, target, probe_key)) {
            return reject.unknown_target(target, "the id of a layer in the scene"), std::nullopt;
        }
        targets.emplace_back(target);
    }
    return targets;
}

// Reads a stored value through the store view, parsed; nothing when the record does not exist.
inline std::optional<json::value> stored(const sdk::StoreView &store, std::string_view scope, std::string_view target,
                                         std::string_view key) {
    const auto v = store.get(scope, target, key);
    if (!v) return std::nullopt;
    return json::parse(v->value_json);
}

}  // namespace scenehost::plugins
