// The `view` scope: display settings of the one viewer (target "main"): ndisplay (2D/3D),
// canvas size, fps target and background colour. Values follow napari's viewer model.
#include <array>

#include "reducer_values.hpp"

namespace {

using namespace scenehost::plugins;
using scenehost::sdk::Outcome;
using scenehost::sdk::RejectCode;

constexpr int kMinCanvasPx = 16;
constexpr int kMaxCanvasPx = 8192;
constexpr double kMaxFps = 240.0;

class SettingsReducer final : public scenehost::sdk::Reducer {
public:
    static constexpr const char *kScope = "view";
    static constexpr scenehost_publication kPublication = SCENEHOST_PUBLICATION_NAPARI_SCENE;
    static constexpr std::array<scenehost::sdk::KeyDecl, 4> kKeys = {{
        {"ndisplay", R"({"enum":[2,3]})"},
        {"canvas_size",
         R"({"type":"array","items":{"type":"integer","minimum":16,"maximum":8192},"minItems":2,"maxItems":2})"},
        {"fps_target", R"({"type":"number","exclusiveMinimum":0,"maximum":240})"},
        {"background",
         R"({"type":"array","items":{"type":"number","minimum":0,"maximum":1},"minItems":4,"maxItems":4})"},
    }};

    explicit SettingsReducer(const scenehost::sdk::Host &) {}

    void seed(std::string_view scene_json, const Outcome &out) override {
        const json::value scene = json::parse(scene_json);  // the host hands over valid JSON
        json::array canvas{1280, 720};
        if (const json::value *size = scene.as_object().if_contains("canvas_size")) canvas = size->as_array();
        out.write("main", "ndisplay", "2");
        out.write("main", "canvas_size", text(canvas));
        out.write("main", "fps_target", "60");
        out.write("main", "background", "[0,0,0,1]");
    }

    void reduce(const scenehost::sdk::Intent &intent, const scenehost::sdk::StoreView &,
                const Outcome &out) override {
        if (intent.target() != "main") {
            return out.reject(RejectCode::invalid_value,
                              "view target '" + std::string(intent.target()) + "' does not exist; the view is 'main'",
                              R"({"field":"target","allowed":["main"]})");
        }
        json::error_code error;
        const json::value value = json::parse(intent.value_json(), error);
        const std::string_view key = intent.key();
        if (key == "ndisplay") return ndisplay(value, out);
        if (key == "canvas_size") return canvas_size(value, out);
        if (key == "fps_target") return fps_target(value, out);
        if (key == "background") return background(value, out);
        out.reject(RejectCode::unknown_key,
                   "view key '" + std::string(key) + "' is not one of ndisplay, canvas_size, fps_target, background",
                   json::serialize(json::object{{"key", key}}));
    }

private:
    static void ndisplay(const json::value &v, const Outcome &out) {
        const auto n = finite_number(v);
        if (!n || *n != std::floor(*n)) {
            return out.reject(RejectCode::invalid_value, "view.ndisplay must be the integer 2 or 3",
                              R"({"key":"ndisplay"})");
        }
        if (*n != 2 && *n != 3) {
            return out.reject(RejectCode::out_of_range, "view.ndisplay must be 2 or 3, not " + text(v),
                              R"({"key":"ndisplay","allowed":[2,3]})");
        }
        out.write("main", "ndisplay", *n == 2 ? "2" : "3");
    }

    static void canvas_size(const json::value &v, const Outcome &out) {
        const json::array *size = v.if_array();
        if (size == nullptr || size->size() != 2 || !(*size)[0].is_int64() || !(*size)[1].is_int64()) {
            return out.reject(RejectCode::invalid_value, "view.canvas_size must be [width, height] in whole pixels",
                              R"({"key":"canvas_size"})");
        }
        for (const json::value &px : *size) {
            if (px.get_int64() < kMinCanvasPx || px.get_int64() > kMaxCanvasPx) {
                return out.reject(RejectCode::out_of_range,
                                  "view.canvas_size sides must lie in [16, 8192] pixels, got " + text(v),
                                  R"({"key":"canvas_size","minimum":16,"maximum":8192})");
            }
        }
        out.write("main", "canvas_size", text(v));
    }

    static void fps_target(const json::value &v, const Outcome &out) {
        const auto fps = finite_number(v);
        if (!fps) return out.reject(RejectCode::invalid_value, "view.fps_target must be a number", R"({"key":"fps_target"})");
        if (*fps <= 0 || *fps > kMaxFps) {
            return out.reject(RejectCode::out_of_range, "view.fps_target must lie in (0, 240], got " + text(v),
                              R"({"key":"fps_target","exclusiveMinimum":0,"maximum":240})");
        }
        out.write("main", "fps_target", text(v));
    }

    // napari accepts a hex string (#rgb, #rrggbb, #rrggbbaa) or 3/4 floats in [0,1]; stored as RGBA.
    static void background(const json::value &v, const Outcome &out) {
        json::array rgba;
        if (const json::string *hex = v.if_string()) {
            std::string s(*hex);
            if (s.size() == 4 && s[0] == '#') s = {'#', s[1], s[1], s[2], s[2], s[3], s[3]};
            const bool ok = s.size() >= 7 && s.size() % 2 == 1 && s.size() <= 9 && s[0] == '#' &&
                            s.find_first_not_of("0123456789abcdefABCDEF", 1) == std::string::npos;
            if (!ok) {
                return out.reject(RejectCode::invalid_value,
                                  "view.background must be #rgb, #rrggbb, #rrggbbaa or [r, g, b(, a)], not " + text(v),
                                  R"({"key":"background"})");
            }
            for (size_t i = 1; i < s.size(); i += 2) rgba.push_back(std::stoi(s.substr(i, 2), nullptr, 16) / 255.0);
        } else if (const json::array *channels = v.if_array(); channels && (channels->size() == 3 || channels->size() == 4)) {
            for (const json::value &c : *channels) {
                const auto x = finite_number(c);
                if (!x) return out.reject(RejectCode::invalid_value, "view.background channels must be numbers", R"({"key":"background"})");
                if (*x < 0 || *x > 1) {
                    return out.reject(RejectCode::out_of_range, "view.background channels must lie in [0, 1], got " + text(v),
                                      R"({"key":"background","minimum":0,"maximum":1})");
                }
                rgba.push_back(*x);
            }
        } else {
            return out.reject(RejectCode::invalid_value,
                              "view.background must be #rgb, #rrggbb, #rrggbbaa or [r, g, b(, a)], not " + text(v),
                              R"({"key":"background"})");
        }
        if (rgba.size() == 3) rgba.push_back(1.0);
        out.write("main", "background", text(rgba));
    }
};

}  // namespace

SCENEHOST_EXPORT_REDUCER(SettingsReducer, "settings", "1.0.0")
