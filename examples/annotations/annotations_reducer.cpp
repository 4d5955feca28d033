// An example third-party reducer plugin: the `annotations` scope, one target per annotation id,
// each holding its points, label and color. Built against the SDK and Boost.JSON only, and
// published on the generic resumable notify.state topic (SDK 1.2). See README.md.
#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>

#include "scenehost/sdk/reducer.hpp"

namespace {

namespace json = boost::json;
using scenehost::sdk::Outcome;
using scenehost::sdk::RejectCode;

constexpr size_t kMaxPoints = 4096;
constexpr size_t kMaxLabelBytes = 256;
constexpr size_t kMaxTargetBytes = 64;
constexpr size_t kMinFreeNdim = 2;  // the coordinates per point allowed in a scene without layers
constexpr size_t kMaxFreeNdim = 8;
constexpr size_t kMaxEchoBytes = 64;  // longer client strings are described, never echoed

// A client's value for a message: short scalars as JSON, anything else by kind and size, so a
// rejection never echoes a large value back.
std::string describe(const json::value &v) {
    if (const double *d = v.if_double()) {
        if (!std::isfinite(*d)) return std::isnan(*d) ? "NaN" : *d > 0 ? "infinity" : "-infinity";
        char buf[32];  // the shortest form (0.5, where Boost.JSON writes 5E-1)
        return std::string(buf, std::to_chars(buf, buf + sizeof buf, *d).ptr);
    }
    if (const json::string *s = v.if_string(); s && s->size() > kMaxEchoBytes) {
        return "a string of " + std::to_string(s->size()) + " bytes";
    }
    if (const json::array *a = v.if_array()) return "an array of " + std::to_string(a->size()) + " items";
    if (v.is_object()) return "an object";
    return json::serialize(v);
}

bool is_finite_number(const json::value &v) {
    return v.is_int64() || v.is_uint64() || (v.is_double() && std::isfinite(v.get_double()));
}

bool is_hex(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

bool is_valid_target(std::string_view id) {
    return !id.empty() && id.size() <= kMaxTargetBytes && std::all_of(id.begin(), id.end(), [](char c) {
               return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.' || c == '-';
           });
}

// Rejects with "<what> must be <bound>, not <got>"; details name the key and the bound again.
void reject(const Outcome &out, RejectCode code, std::string_view key, const std::string &what,
            const std::string &bound, const std::string &got, json::object details = {}) {
    details["key"] = key;
    details["bound"] = bound;
    out.reject(code, what + " must be " + bound + ", not " + got, json::serialize(details));
}

class AnnotationsReducer final : public scenehost::sdk::Reducer {
public:
    static constexpr const char *kScope = "annotations";
    static constexpr scenehost_publication kPublication = SCENEHOST_PUBLICATION_STATE;
    // The schemas state what every stored value looks like; the host checks each write against them.
    static constexpr std::array<scenehost::sdk::KeyDecl, 3> kKeys = {{
        {"points",
         R"({"type":"array","maxItems":4096,"items":{"type":"array","minItems":2,"items":{"type":"number"}}})"},
        {"label", R"({"type":"string","maxLength":256})"},
        {"color", R"({"type":"string","pattern":"^#[0-9a-f]{8}$"})"},
    }};

    explicit AnnotationsReducer(const scenehost::sdk::Host &) {}

    // Writes nothing: a scene starts without annotations. Remembers the scene's ndim (the most
    // axes of any layer), which every point must then have; 0 when the scene has no layers.
    void seed(std::string_view scene_json, const Outcome &out) override {
        const json::value scene = json::parse(scene_json);  // the host hands over valid JSON
        ndim_ = 0;
        const json::object *root = scene.if_object();
        if (root == nullptr) {
            return out.reject(RejectCode::invalid_value, "the scene description must be an object", "{}");
        }
        const json::value *layers = root->if_contains("layers");
        if (layers == nullptr) return;
        if (!layers->is_array()) {
            return out.reject(RejectCode::invalid_value, "the scene's 'layers' must be an array",
                              R"({"field":"layers"})");
        }
        for (size_t i = 0; i < layers->get_array().size(); ++i) {
            const json::object *layer = layers->get_array()[i].if_object();
            const json::value *shape = layer != nullptr ? layer->if_contains("shape") : nullptr;
            if (shape == nullptr || !shape->is_array() || shape->get_array().size() < 2) {
                return out.reject(RejectCode::invalid_value,
                                  "scene layer " + std::to_string(i) + " needs a 'shape' of at least two axes",
                                  json::serialize(json::object{{"field", "layers"}, {"index", i}}));
            }
            ndim_ = std::max(ndim_, shape->get_array().size());
        }
    }

    void reduce(const scenehost::sdk::Intent &intent, const scenehost::sdk::StoreView &, const Outcome &out) override {
        const std::string_view target = intent.target();
        if (!is_valid_target(target)) {
            const std::string bound = "1 to 64 characters of A-Z a-z 0-9 _ . -";
            json::object details{{"field", "target"}, {"bound", bound}};
            if (target.size() <= kMaxEchoBytes) details["target"] = target;
            return out.reject(RejectCode::invalid_value,
                              "the annotations target (an annotation id) must be " + bound + ", not " +
                                  describe(json::string(target)),
                              json::serialize(details));
        }
        const std::string_view key = intent.key();
        const json::value value = json::parse(intent.value_json());  // valid JSON; 1e999 arrives as infinity
        if (key == "points") return points(target, value, out);
        if (key == "label") return label(target, value, out);
        if (key == "color") return color(target, value, out);
        json::object details{{"allowed", {"points", "label", "color"}}};
        std::string shown = "a key of " + std::to_string(key.size()) + " bytes";
        if (key.size() <= kMaxEchoBytes) {
            details["key"] = key;
            shown = "'" + std::string(key) + "'";
        }
        out.reject(RejectCode::unknown_key, shown + " is not a key of the annotations scope (points, label, color)",
                   json::serialize(details));
    }

private:
    // A list of at most 4096 points, each an array of finite numbers of the scene's ndim (or,
    // without layers, of 2 to 8 numbers, the same for every point). Stored as given.
    void points(std::string_view target, const json::value &v, const Outcome &out) const {
        const json::array *list = v.if_array();
        if (list == nullptr) {
            return reject(out, RejectCode::invalid_value, "points", "annotations.points", "a list of points",
                          describe(v));
        }
        if (list->size() > kMaxPoints) {
            return reject(out, RejectCode::out_of_range, "points", "annotations.points", "at most 4096 points",
                          std::to_string(list->size()), {{"maximum", kMaxPoints}});
        }
        for (size_t i = 0; i < list->size(); ++i) {
            const std::string name = "annotations.points[" + std::to_string(i) + "]";
            const json::array *point = (*list)[i].if_array();
            if (point == nullptr) {
                return reject(out, RejectCode::invalid_value, "points", name, "a point (an array of numbers)",
                              describe((*list)[i]), {{"index", i}});
            }
            // With layers every point has the scene's ndim; without, points[0] (2 to 8 long) sets it.
            if (ndim_ == 0 && i == 0 && (point->size() < kMinFreeNdim || point->size() > kMaxFreeNdim)) {
                return reject(out, RejectCode::out_of_range, "points", name,
                              "2 to 8 coordinates long (the scene has no layers)", std::to_string(point->size()),
                              {{"index", i}, {"minimum", kMinFreeNdim}, {"maximum", kMaxFreeNdim}});
            }
            const size_t want = ndim_ != 0 ? ndim_ : (*list)[0].get_array().size();
            if (point->size() != want) {
                const std::string why = ndim_ != 0 ? " (the scene's ndim)" : " (as long as points[0])";
                return reject(out, RejectCode::invalid_value, "points", name,
                              std::to_string(want) + " coordinates long" + why, std::to_string(point->size()),
                              {{"index", i}, {"length", want}});
            }
            for (size_t j = 0; j < point->size(); ++j) {
                if (!is_finite_number((*point)[j])) {
                    return reject(out, RejectCode::invalid_value, "points", name + "[" + std::to_string(j) + "]",
                                  "a finite number", describe((*point)[j]), {{"index", i}, {"coordinate", j}});
                }
            }
        }
        out.write(target, "points", json::serialize(v));
    }

    // Any string of at most 256 bytes; "" clears it.
    static void label(std::string_view target, const json::value &v, const Outcome &out) {
        const json::string *s = v.if_string();
        if (s == nullptr) {
            return reject(out, RejectCode::invalid_value, "label", "annotations.label", "a string", describe(v));
        }
        if (s->size() > kMaxLabelBytes) {
            return reject(out, RejectCode::out_of_range, "label", "annotations.label", "at most 256 bytes",
                          std::to_string(s->size()) + " bytes", {{"maximum", kMaxLabelBytes}});
        }
        out.write(target, "label", json::serialize(v));
    }

    // "#rrggbb" or "#rrggbbaa" (any case) or [r, g, b, a] in [0, 1]; stored as lower-case
    // "#rrggbbaa", each channel of an array rounded to the nearest of 256 steps.
    static void color(std::string_view target, const json::value &v, const Outcome &out) {
        const std::string forms = R"("#rrggbb", "#rrggbbaa" or [r, g, b, a])";
        if (const json::string *s = v.if_string()) {
            const std::string_view hex = *s;
            if ((hex.size() != 7 && hex.size() != 9) || hex[0] != '#' || !is_hex(hex.substr(1))) {
                return reject(out, RejectCode::invalid_value, "color", "annotations.color", forms, describe(v));
            }
            std::string canonical(hex);
            for (char &c : canonical) c = char(std::tolower(static_cast<unsigned char>(c)));
            if (canonical.size() == 7) canonical += "ff";
            return out.write(target, "color", json::serialize(json::string(canonical)));
        }
        const json::array *rgba = v.if_array();
        if (rgba == nullptr || rgba->size() != 4 || !std::all_of(rgba->begin(), rgba->end(), is_finite_number)) {
            return reject(out, RejectCode::invalid_value, "color", "annotations.color", forms, describe(v));
        }
        std::string canonical = "#";
        for (size_t i = 0; i < 4; ++i) {
            const double channel = (*rgba)[i].to_number<double>();
            if (channel < 0 || channel > 1) {
                return reject(out, RejectCode::out_of_range, "color", "annotations.color[" + std::to_string(i) + "]",
                              "in [0, 1]", describe((*rgba)[i]), {{"index", i}, {"minimum", 0}, {"maximum", 1}});
            }
            char byte[3];
            std::snprintf(byte, sizeof byte, "%02x", unsigned(std::lround(channel * 255)));
            canonical += byte;
        }
        out.write(target, "color", json::serialize(json::string(canonical)));
    }

    size_t ndim_ = 0;  // the scene's ndim, set by seed; 0: no layers, points take 2 to 8 coordinates
};

}  // namespace

SCENEHOST_EXPORT_REDUCER(AnnotationsReducer, "annotations", "1.0.0")
