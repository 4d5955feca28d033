// The `volume` scope: how each layer is drawn as a volume when the view is 3D, one target per
// layer id (target "main" sets every layer, as napari-cuda's clients do). napari calls the mode
// `rendering`; napari-cuda calls it `render_mode`; both are accepted as aliases of `mode`. The
// host publishes these records on notify.layers as namespaced keys (`volume.mode`, ...).
#include <algorithm>
#include <array>
#include <limits>

#include "reducer_values.hpp"

namespace {

using namespace scenehost::plugins;
using scenehost::sdk::Outcome;

constexpr std::array<std::string_view, 7> kModes = {"mip",         "minip",   "attenuated_mip", "iso",
                                                    "translucent", "average", "additive"};
constexpr double kMinSampleStep = 0.1;  // in voxels; finer steps cost time without adding detail
constexpr double kMaxSampleStep = 4.0;
constexpr double kMaxAttenuation = 1.0;
constexpr double kMaxFloat = std::numeric_limits<float>::max();  // the iso threshold is a float uniform

class VolumeReducer final : public scenehost::sdk::Reducer {
public:
    static constexpr const char *kScope = "volume";
    static constexpr scenehost_publication kPublication = SCENEHOST_PUBLICATION_NAPARI_LAYERS;
    static constexpr std::array<scenehost::sdk::KeyDecl, 4> kKeys = {{
        {"mode", R"({"enum":["mip","minip","attenuated_mip","iso","translucent","average","additive"]})"},
        {"iso_threshold", R"({"type":"number","minimum":-3.4028234663852886e38,"maximum":3.4028234663852886e38})"},
        {"attenuation", R"({"type":"number","minimum":0,"maximum":1})"},
        {"sample_step", R"({"type":"number","minimum":0.1,"maximum":4})"},
    }};

    explicit VolumeReducer(const scenehost::sdk::Host &) {}

    // napari's defaults: mip, attenuation 0.05, and an iso threshold in the middle of the
    // layer's contrast range.
    void seed(std::string_view scene_json, const Outcome &out) override {
        const json::value scene = json::parse(scene_json);
        for (const SceneLayer &layer : scene_layers(scene)) {
            out.write(layer.id, "mode", R"("mip")");
            out.write(layer.id, "iso_threshold", text(default_iso(*layer.description)));
            out.write(layer.id, "attenuation", "0.05");
            out.write(layer.id, "sample_step", "1");
        }
    }

    void reduce(const scenehost::sdk::Intent &intent, const scenehost::sdk::StoreView &store,
                const Outcome &out) override {
        std::string key(intent.key());
        if (key == "rendering" || key == "render_mode") key = "mode";
        const Rejector reject(out, kScope, intent.key());
        if (std::none_of(kKeys.begin(), kKeys.end(), [&](const auto &k) { return k.key == key; })) {
            return reject.unknown_key("mode (alias rendering, render_mode), iso_threshold, attenuation, sample_step");
        }
        const auto targets = layer_targets(store, kScope, intent.target(), "mode", reject);
        if (!targets) return;
        const json::value v = parse_value(intent.value_json());
        const std::optional<json::value> value = check(key, v, reject);
        if (!value) return;
        for (const std::string &t : *targets) out.write(t, key, text(*value));
    }

private:
    static std::optional<json::value> check(const std::string &key, const json::value &v, const Rejector &reject) {
        if (key == "mode") {
            const json::string *s = v.if_string();
            const std::string mode = s != nullptr ? lower(*s) : std::string();
            if (std::find(kModes.begin(), kModes.end(), mode) == kModes.end()) {
                return reject.invalid("one of " + join(kModes), v,
                                      {{"allowed", to_array(std::vector<std::string>(kModes.begin(), kModes.end()))}});
            }
            return json::string(mode);
        }
        const auto x = finite_number(v);
        if (!x) return reject.invalid("a finite number", v);
        if (key == "attenuation" && (*x < 0 || *x > kMaxAttenuation)) {
            return reject.out_of_range("in [0, 1]", v, {{"minimum", 0}, {"maximum", kMaxAttenuation}});
        }
        if (key == "iso_threshold" && std::abs(*x) > kMaxFloat) {
            return reject.out_of_range("within the 32-bit float range the renderer compares in", v,
                                       {{"minimum", -kMaxFloat}, {"maximum", kMaxFloat}});
        }
        if (key == "sample_step" && (*x < kMinSampleStep || *x > kMaxSampleStep)) {
            return reject.out_of_range("in [0.1, 4] voxels", v, {{"minimum", kMinSampleStep}, {"maximum", kMaxSampleStep}});
        }
        return json::value(*x);
    }

    static double default_iso(const json::object &layer) {
        if (layer.contains("contrast_limits")) {
            // Halves first: (lo + hi) / 2 overflows for limits near the double range.
            const auto clim = finite_numbers(layer.at("contrast_limits"), 2);
            if (clim && std::abs((*clim)[0]) <= kMaxFloat && std::abs((*clim)[1]) <= kMaxFloat) return (*clim)[0] / 2 + (*clim)[1] / 2;
        }
        const json::string *dtype = layer.contains("dtype") ? layer.at("dtype").if_string() : nullptr;
        if (dtype != nullptr && *dtype == "uint8") return 127.5;
        if (dtype != nullptr && *dtype == "uint16") return 32767.5;
        return 0.5;
    }
};

}  // namespace

SCENEHOST_EXPORT_REDUCER(VolumeReducer, "volume", "1.0.0")
