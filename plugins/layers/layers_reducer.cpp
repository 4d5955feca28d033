// The `layer` scope: one target per image layer (its id), holding the layer's controls as in
// napari's Image layer, plus the read-only metadata the data gives it (type, shape, dtype, axis
// labels, multiscale levels). Target "main" applies a control to every layer, as napari-cuda's
// clients do for single-layer scenes. Volume rendering parameters live in the `volume` scope.
#include <algorithm>
#include <array>
#include <limits>
#include <set>

#include "reducer_values.hpp"

namespace {

using namespace scenehost::plugins;
using scenehost::sdk::Outcome;
using scenehost::sdk::RejectCode;

constexpr std::array<std::string_view, 14> kColormaps = {
    "gray", "gray_r", "red", "green", "blue", "cyan", "magenta", "yellow",
    "viridis", "magma", "inferno", "plasma", "turbo", "hsv",
};
constexpr std::array<std::string_view, 5> kBlending = {"opaque", "translucent", "translucent_no_depth", "additive",
                                                       "minimum"};
// The interpolations the renderer draws; napari's other 2D kernels are refused by name.
constexpr std::array<std::string_view, 2> kInterpolation = {"nearest", "linear"};
constexpr std::array<std::string_view, 2> kDepiction = {"volume", "plane"};
constexpr std::array<std::string_view, 3> kDtypes = {"uint8", "uint16", "float32"};
constexpr size_t kMaxNameBytes = 256;

template <size_t N>
bool is_one_of(const std::array<std::string_view, N> &names, std::string_view s) {
    return std::find(names.begin(), names.end(), s) != names.end();
}

// The range of values a dtype can hold; contrast limits must lie inside it.
std::pair<double, double> dtype_range(std::string_view dtype) {
    if (dtype == "uint8") return {0, 255};
    if (dtype == "uint16") return {0, 65535};
    return {-double(std::numeric_limits<float>::max()), double(std::numeric_limits<float>::max())};
}

json::array default_contrast(std::string_view dtype) {
    if (dtype == "float32") return {0.0, 1.0};
    const auto [lo, hi] = dtype_range(dtype);
    return {lo, hi};
}

class LayersReducer final : public scenehost::sdk::Reducer {
public:
    static constexpr const char *kScope = "layer";
    static constexpr scenehost_publication kPublication = SCENEHOST_PUBLICATION_NAPARI_LAYERS;
    static constexpr std::array<scenehost::sdk::KeyDecl, 16> kKeys = {{
        // Metadata from the data, written only at seed time.
        {"layer_type", R"({"enum":["image"]})"},
        {"shape", R"({"type":"array","minItems":2,"items":{"type":"integer","minimum":1}})"},
        {"dtype", R"({"enum":["uint8","uint16","float32"]})"},
        {"axis_labels", R"({"type":"array","minItems":2,"items":{"type":"string","minLength":1}})"},
        {"multiscale.levels",
         R"({"type":"array","minItems":1,"items":{"type":"object","required":["shape","downsample","path"]}})"},
        // Controls.
        {"name", R"({"type":"string","minLength":1,"maxLength":256})"},
        {"visible", R"({"type":"boolean"})"},
        {"opacity", R"({"type":"number","minimum":0,"maximum":1})"},
        {"colormap",
         R"({"enum":["gray","gray_r","red","green","blue","cyan","magenta","yellow","viridis","magma","inferno","plasma","turbo","hsv"]})"},
        {"contrast_limits", R"({"type":"array","minItems":2,"maxItems":2,"items":{"type":"number"}})"},
        {"gamma", R"({"type":"number","exclusiveMinimum":0,"maximum":2})"},
        {"blending", R"({"enum":["opaque","translucent","translucent_no_depth","additive","minimum"]})"},
        {"interpolation2d", R"({"enum":["nearest","linear"]})"},
        {"interpolation3d", R"({"enum":["nearest","linear"]})"},
        {"depiction", R"({"enum":["volume","plane"]})"},
        {"multiscale.level", R"({"type":"integer","minimum":0})"},
    }};

    explicit LayersReducer(const scenehost::sdk::Host &) {}

    void seed(std::string_view scene_json, const Outcome &out) override {
        const json::value scene = json::parse(scene_json);
        const json::array *layers = scene.as_object().contains("layers") ? scene.at("layers").if_array() : nullptr;
        if (layers == nullptr) {
            return out.reject(RejectCode::invalid_value, "the scene has no 'layers' array", R"({"field":"layers"})");
        }
        std::set<std::string> ids;
        for (size_t i = 0; i < layers->size(); ++i) {
            if (!(*layers)[i].is_object()) {
                return out.reject(RejectCode::invalid_value, "scene layer " + std::to_string(i) + " is not an object",
                                  text(json::object{{"field", "layers"}, {"index", i}}));
            }
        }
        // Every layer is checked before anything is written: a refused seed writes nothing.
        std::vector<SeedWrite> writes;
        for (const SceneLayer &layer : scene_layers(scene)) {
            if (std::string why = seed_layer(layer, ids, writes); !why.empty()) {
                return out.reject(RejectCode::invalid_value, "scene layer '" + layer.id + "': " + why,
                                  text(json::object{{"field", "layers"}, {"layer_id", layer.id}}));
            }
        }
        for (const SeedWrite &w : writes) out.write(w.target, w.key, w.value_json);
    }

    void reduce(const scenehost::sdk::Intent &intent, const scenehost::sdk::StoreView &store,
                const Outcome &out) override {
        const std::string key(intent.key());
        const Rejector reject(out, kScope, key);
        const bool known = std::any_of(kKeys.begin(), kKeys.end(), [&](const auto &k) { return k.key == key; }) ||
                           key == "interpolation";
        if (!known) {
            return reject.unknown_key(
                "name, visible, opacity, colormap, contrast_limits, gamma, blending, interpolation, interpolation2d, "
                "interpolation3d, depiction, multiscale.level");
        }
        if (key == "layer_type" || key == "shape" || key == "dtype" || key == "axis_labels" ||
            key == "multiscale.levels") {
            return reject.read_only();
        }

        if (intent.target() == "main" && key == "name") {
            return reject.unknown_target("main", "a layer id: every layer has its own name");
        }
        const auto targets = layer_targets(store, kScope, intent.target(), "shape", reject);
        if (!targets) return;

        const json::value value = parse_value(intent.value_json());
        // Check every target first so that a rejection writes nothing.
        std::vector<std::pair<std::string, std::string>> writes;  // (key, value JSON) per target
        for (const std::string &target : *targets) {
            std::optional<std::pair<std::string, json::value>> w = control(target, key, value, store, reject);
            if (!w) return;  // rejected
            writes.emplace_back(w->first, text(w->second));
        }
        for (size_t i = 0; i < targets->size(); ++i) out.write((*targets)[i], writes[i].first, writes[i].second);
    }

private:
    // Validates one control for one layer: the (key, value) to write, or nothing after rejecting.
    static std::optional<std::pair<std::string, json::value>> control(const std::string &layer, const std::string &key,
                                                                      const json::value &v,
                                                                      const scenehost::sdk::StoreView &store,
                                                                      const Rejector &reject) {
        using Write = std::pair<std::string, json::value>;
        if (key == "name") {
            const json::string *s = plain_text(v);
            if (s == nullptr) return reject.invalid("a non-empty string without control characters", v);
            if (s->size() > kMaxNameBytes) return reject.out_of_range("at most 256 bytes long", v);
            return Write{key, v};
        }
        if (key == "visible") {
            if (!v.is_bool()) return reject.invalid("true or false", v);
            return Write{key, v};
        }
        if (key == "opacity") {
            const auto x = finite_number(v);
            if (!x) return reject.invalid("a finite number", v);
            if (*x < 0 || *x > 1) {
                return reject.out_of_range("in [0, 1]", v, {{"minimum", 0}, {"maximum", 1}});
            }
            return Write{key, *x};
        }
        if (key == "gamma") {
            const auto x = finite_number(v);
            if (!x) return reject.invalid("a finite number", v);
            if (*x <= 0 || *x > 2) {
                return reject.out_of_range("in (0, 2]", v, {{"exclusiveMinimum", 0}, {"maximum", 2}});
            }
            return Write{key, *x};
        }
        if (key == "colormap") {
            const json::string *s = v.if_string();
            const std::string name = s != nullptr ? lower(*s) : std::string();
            if (!is_one_of(kColormaps, name)) {
                return reject.invalid("one of " + join(kColormaps), v, {{"allowed", to_array(names(kColormaps))}});
            }
            return Write{key, json::string(name)};
        }
        if (key == "blending" || key == "depiction") {
            const json::string *s = v.if_string();
            const std::string name = s != nullptr ? lower(*s) : std::string();
            const bool ok = key == "blending" ? is_one_of(kBlending, name) : is_one_of(kDepiction, name);
            if (!ok) {
                const auto allowed = key == "blending" ? names(kBlending) : names(kDepiction);
                return reject.invalid("one of " + join(allowed), v, {{"allowed", to_array(allowed)}});
            }
            return Write{key, json::string(name)};
        }
        if (key == "interpolation" || key == "interpolation2d" || key == "interpolation3d") {
            const json::string *s = v.if_string();
            const std::string name = s != nullptr ? lower(*s) : std::string();
            if (!is_one_of(kInterpolation, name)) {
                return reject.invalid("one of nearest, linear (the interpolations this renderer draws)", v,
                                      {{"allowed", to_array(names(kInterpolation))}});
            }
            std::string stored_key = key;
            if (key == "interpolation") {  // napari's alias for the one of the current ndisplay
                const auto ndisplay = stored(store, "view", "main", "ndisplay");
                stored_key = ndisplay && *ndisplay == 3 ? "interpolation3d" : "interpolation2d";
            }
            return Write{stored_key, json::string(name)};
        }
        if (key == "contrast_limits") {
            std::optional<std::vector<double>> pair = finite_numbers(v, 2);
            if (const json::object *o = v.if_object(); o && o->size() == 2 && o->contains("lo") && o->contains("hi")) {
                pair = finite_numbers(json::array{o->at("lo"), o->at("hi")}, 2);
            }
            if (!pair) return reject.invalid("[lo, hi] (or {lo, hi}) of finite numbers", v);
            // Compared as the renderer's 32-bit floats: limits that meet there would divide by zero.
            if (float((*pair)[0]) >= float((*pair)[1])) return reject.out_of_range("lo < hi (as 32-bit floats)", v);
            const std::string dtype(json::parse(store.get(kScope, layer, "dtype")->value_json).as_string());
            const auto [min, max] = dtype_range(dtype);
            if ((*pair)[0] < min || (*pair)[1] > max) {
                return reject.out_of_range("within the " + dtype + " range [" + display(min) + ", " + display(max) + "]", v,
                                           {{"minimum", min}, {"maximum", max}, {"layer_id", layer}});
            }
            return Write{key, to_array(*pair)};
        }
        if (key == "multiscale.level") {
            std::optional<int64_t> level = integer(v);
            if (const json::string *s = v.if_string(); s && !s->empty() &&
                                                       s->find_first_not_of("0123456789") == std::string::npos &&
                                                       s->size() < 10) {
                level = std::stoll(std::string(*s));  // napari-cuda's clients may send "1"
            }
            if (!level) return reject.invalid("an integer level index", v);
            const int64_t count = int64_t(stored(store, kScope, layer, "multiscale.levels")->as_array().size());
            if (*level < 0 || *level >= count) {
                return reject.out_of_range("in [0, " + std::to_string(count - 1) + "] (the levels of " + layer + ")", v,
                                           {{"minimum", 0}, {"maximum", count - 1}, {"layer_id", layer}});
            }
            return Write{key, *level};
        }
        unreachable("layers reducer: no validator for key " + key);
    }

    template <size_t N>
    static std::vector<std::string> names(const std::array<std::string_view, N> &a) {
        return {a.begin(), a.end()};
    }

    // Writes one layer's metadata and default controls; returns why the description is unusable.
    struct SeedWrite {
        std::string target;
        const char *key;
        std::string value_json;
    };

    static std::string seed_layer(const SceneLayer &layer, std::set<std::string> &ids, std::vector<SeedWrite> &out) {
        const json::object &d = *layer.description;
        if (layer.id.empty() || layer.id == "main") return "a layer id must be non-empty and not 'main'";
        if (!ids.insert(layer.id).second) return "the id appears twice";
        const auto shape = d.contains("shape") ? integers(d.at("shape")) : std::nullopt;
        if (!shape || shape->size() < 2 || std::any_of(shape->begin(), shape->end(), [](int64_t n) { return n < 1; })) {
            return "'shape' must list at least two positive integers";
        }
        const json::string *dtype = d.contains("dtype") ? d.at("dtype").if_string() : nullptr;
        if (dtype == nullptr || !is_one_of(kDtypes, *dtype)) return "'dtype' must be one of uint8, uint16, float32";

        json::array labels;
        if (d.contains("axis_labels")) {
            const json::array *given = d.at("axis_labels").if_array();
            if (given == nullptr || given->size() != shape->size() ||
                std::any_of(given->begin(), given->end(), [](const json::value &l) { return plain_text(l) == nullptr; })) {
                return "'axis_labels' must hold one non-empty string without control characters per axis";
            }
            labels = *given;
        } else {
            for (size_t i = 0; i < shape->size(); ++i) labels.emplace_back(std::to_string(i));  // napari's default
        }

        json::array levels;
        if (d.contains("multiscale")) {
            const json::array *given = d.at("multiscale").if_array();
            if (given == nullptr || given->empty()) return "'multiscale' must be a non-empty array of levels";
            for (size_t i = 0; i < given->size(); ++i) {
                const json::object *level = (*given)[i].if_object();
                const auto level_shape = level && level->contains("shape") ? integers(level->at("shape")) : std::nullopt;
                if (!level_shape || level_shape->size() != shape->size() ||
                    std::any_of(level_shape->begin(), level_shape->end(), [](int64_t n) { return n < 1; })) {
                    return "multiscale level " + std::to_string(i) + " needs a 'shape' of " +
                           std::to_string(shape->size()) + " positive integers";
                }
                json::value downsample = level->contains("downsample") ? level->at("downsample") : json::value();
                if (!finite_numbers(downsample, shape->size())) {
                    json::array ratio;
                    for (size_t a = 0; a < shape->size(); ++a) ratio.emplace_back(double((*shape)[a]) / double((*level_shape)[a]));
                    downsample = std::move(ratio);
                }
                json::value path = level->contains("path") ? level->at("path") : json::value(std::to_string(i));
                levels.push_back(json::object{{"shape", to_array(*level_shape)}, {"downsample", downsample}, {"path", path}});
            }
        } else {
            json::array ones;
            for (size_t a = 0; a < shape->size(); ++a) ones.emplace_back(1);
            levels.push_back(json::object{{"shape", to_array(*shape)}, {"downsample", ones}, {"path", "0"}});
        }

        json::value contrast = default_contrast(*dtype);
        if (d.contains("contrast_limits")) {
            const auto given = finite_numbers(d.at("contrast_limits"), 2);
            const auto [min, max] = dtype_range(*dtype);
            if (!given || (*given)[0] >= (*given)[1] || (*given)[0] < min || (*given)[1] > max) {
                return "'contrast_limits' must be [lo, hi] with lo < hi inside the dtype's range";
            }
            contrast = to_array(*given);
        }
        std::string colormap = "gray";
        if (d.contains("colormap")) {
            const json::string *c = d.at("colormap").if_string();
            if (c == nullptr || !is_one_of(kColormaps, lower(*c))) return "'colormap' is not a known colormap";
            colormap = lower(*c);
        }
        json::value opacity = 1;
        if (d.contains("opacity")) {
            const auto given = finite_numbers(json::array{d.at("opacity")}, 1);
            if (!given || (*given)[0] < 0 || (*given)[0] > 1) return "'opacity' must be a number in [0, 1]";
            opacity = (*given)[0];
        }
        std::string blending = "translucent";
        if (d.contains("blending")) {
            const json::string *b = d.at("blending").if_string();
            if (b == nullptr || !is_one_of(kBlending, *b)) return "'blending' is not a known blending";
            blending = std::string(*b);
        }
        std::string name = layer.id;
        if (d.contains("name")) {
            const json::string *n = plain_text(d.at("name"));
            if (n == nullptr || n->size() > kMaxNameBytes) {
                return "'name' must be a non-empty string of at most 256 bytes without control characters";
            }
            name = std::string(*n);
        }

        const std::string &id = layer.id;
        out.push_back({id, "layer_type", R"("image")"});
        out.push_back({id, "shape", text(to_array(*shape))});
        out.push_back({id, "dtype", text(json::string(*dtype))});
        out.push_back({id, "axis_labels", text(labels)});
        out.push_back({id, "multiscale.levels", text(levels)});
        out.push_back({id, "name", text(json::string(name))});
        out.push_back({id, "visible", "true"});
        out.push_back({id, "opacity", text(opacity)});
        out.push_back({id, "colormap", text(json::string(colormap))});
        out.push_back({id, "contrast_limits", text(contrast)});
        out.push_back({id, "gamma", "1"});
        out.push_back({id, "blending", text(json::string(blending))});
        out.push_back({id, "interpolation2d", R"("nearest")"});
        out.push_back({id, "interpolation3d", R"("linear")"});
        out.push_back({id, "depiction", R"("volume")"});
        out.push_back({id, "multiscale.level", "0"});
        return {};
    }
};

}  // namespace

SCENEHOST_EXPORT_REDUCER(LayersReducer, "layers", "1.0.0")
