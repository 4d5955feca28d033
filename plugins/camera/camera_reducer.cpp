// The `camera` scope: napari's Camera for the one viewer (target "main"; "" is accepted as
// napari-cuda's clients send it). The store holds only absolute state: `center`, `zoom`,
// `angles`, `perspective`. napari-cuda's relative operations (pan, orbit, zoom about an anchor,
// reset, set) are turned into absolute writes here, reading the canvas size, the dims and the
// view's ndisplay from the store. The conventions are in docs/scene.md:
// - world space is the displayed axes in `dims.order`; `center` is [c0, c1, c2] over the last
//   three displayed axes (in 2D only c1 = row and c2 = column are used);
// - `zoom` is screen pixels per data pixel;
// - `angles` [a, b, g] in degrees rotate the camera by R = Rz(g) Ry(b) Rx(a) in (x = c2,
//   y = c1, z = c0) space; at [0, 0, 0] the 3D view looks down c0 like the 2D view does;
// - screen x goes right and screen y goes down; at angles 0 they follow c2 and c1.
// Every stored value is finite and inside the bounds below, so the arithmetic on them stays
// finite: absolute writes outside a bound are refused (state.out_of_range), relative moves (pan,
// zoom by a factor, orbit) saturate at the bound.
#include <array>
#include <numbers>

#include "reducer_values.hpp"

namespace {

using namespace scenehost::plugins;
using scenehost::sdk::Outcome;
using scenehost::sdk::RejectCode;
using Vec3 = std::array<double, 3>;
using Mat3 = std::array<Vec3, 3>;  // row-major

constexpr double kFitMargin = 0.95;  // napari leaves a 5 % margin when it fits the view
constexpr double kMaxPerspective = 179.0;
constexpr double kDeg = std::numbers::pi / 180.0;
// Bounds of the stored pose, repeated in the key schemas below. A zoom of 1e-6 still shows 1e9
// data pixels across a canvas; a center beyond 1e12 is no data anyone has.
constexpr double kMinZoom = 1e-6;
constexpr double kMaxZoom = 1e6;
constexpr double kMaxCoordinate = 1e12;
// One pan event moves at most this many screen pixels (a drag across a million pixels is no
// gesture): with kMinZoom that keeps every shift below kMaxCoordinate.
constexpr double kMaxPanPx = 1e6;

Mat3 multiply(const Mat3 &a, const Mat3 &b) {
    Mat3 out{};
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j)
            for (int k = 0; k < 3; ++k) out[i][j] += a[i][k] * b[k][j];
    return out;
}

Mat3 rotation_x(double deg) {
    const double c = std::cos(deg * kDeg), s = std::sin(deg * kDeg);
    return {{{1, 0, 0}, {0, c, -s}, {0, s, c}}};
}
Mat3 rotation_y(double deg) {
    const double c = std::cos(deg * kDeg), s = std::sin(deg * kDeg);
    return {{{c, 0, s}, {0, 1, 0}, {-s, 0, c}}};
}
Mat3 rotation_z(double deg) {
    const double c = std::cos(deg * kDeg), s = std::sin(deg * kDeg);
    return {{{c, -s, 0}, {s, c, 0}, {0, 0, 1}}};
}

Mat3 from_angles(const Vec3 &a) { return multiply(rotation_z(a[2]), multiply(rotation_y(a[1]), rotation_x(a[0]))); }

// Wraps degrees into (-180, 180].
double wrap(double deg) {
    double w = std::fmod(deg, 360.0);
    if (w <= -180) w += 360;
    if (w > 180) w -= 360;
    return w;
}

// The inverse of from_angles, with b in [-90, 90] and a, g in (-180, 180].
Vec3 to_angles(const Mat3 &r) {
    const double b = std::asin(std::clamp(-r[2][0], -1.0, 1.0));
    double a = 0, g = 0;
    if (std::abs(r[2][0]) < 1 - 1e-12) {
        a = std::atan2(r[2][1], r[2][2]);
        g = std::atan2(r[1][0], r[0][0]);
    } else {  // gimbal lock: fold the roll into g
        g = std::atan2(-r[0][1], r[1][1]);
    }
    // Wrapped because pi / kDeg may round to just above 180.
    return {wrap(a / kDeg), b / kDeg, wrap(g / kDeg)};
}

struct Pose {
    Vec3 center{};  // c0, c1, c2
    double zoom = 1;
    Vec3 angles{};
    double perspective = 0;
};

// What the camera needs from the rest of the scene.
struct Viewport {
    double width = 1280, height = 720;  // canvas pixels
    int ndisplay = 2;
    Vec3 extent{1, 1, 1};  // steps along the last three displayed axes (c0, c1, c2)
};

Vec3 column(const Mat3 &r, int j) { return {r[0][j], r[1][j], r[2][j]}; }

// The world displacement (in c0, c1, c2) of a screen offset in pixels at the current pose.
Vec3 screen_to_world(const Pose &pose, const Viewport &view, double dx_px, double dy_px) {
    Vec3 right{1, 0, 0}, down{0, 1, 0};  // in (x, y, z)
    if (view.ndisplay == 3) {
        const Mat3 r = from_angles(pose.angles);
        right = column(r, 0);
        down = column(r, 1);
    }
    const Vec3 xyz{(dx_px * right[0] + dy_px * down[0]) / pose.zoom, (dx_px * right[1] + dy_px * down[1]) / pose.zoom,
                   (dx_px * right[2] + dy_px * down[2]) / pose.zoom};
    return {xyz[2], xyz[1], xyz[0]};
}

bool within(double x, double lo, double hi) { return x >= lo && x <= hi; }  // false for NaN
bool within_coordinates(const Vec3 &c) {
    return std::all_of(c.begin(), c.end(), [](double x) { return within(x, -kMaxCoordinate, kMaxCoordinate); });
}
Vec3 saturated(const Vec3 &c) {
    Vec3 out{};
    for (int i = 0; i < 3; ++i) out[i] = std::clamp(c[i], -kMaxCoordinate, kMaxCoordinate);
    return out;
}

// napari's reset_view: center on the data, fit it with a margin, face it square on. Data beyond
// the pose bounds (more than 1e9 pixels a side) is fitted as far as they allow.
Pose fitted(const Viewport &view, double perspective) {
    Pose pose;
    for (int i = 0; i < 3; ++i) pose.center[i] = std::min((view.extent[i] - 1) / 2, kMaxCoordinate);
    if (view.ndisplay == 2) {
        pose.center[0] = 0;
        pose.zoom = kFitMargin * std::min(view.width / view.extent[2], view.height / view.extent[1]);
    } else {
        const double largest = std::max({view.extent[0], view.extent[1], view.extent[2]});
        pose.zoom = kFitMargin * std::min(view.width, view.height) / largest;
    }
    pose.zoom = std::clamp(pose.zoom, kMinZoom, kMaxZoom);
    pose.perspective = perspective;
    return pose;
}

json::array vec(const Vec3 &v) { return {v[0], v[1], v[2]}; }

class CameraReducer final : public scenehost::sdk::Reducer {
public:
    static constexpr const char *kScope = "camera";
    static constexpr scenehost_publication kPublication = SCENEHOST_PUBLICATION_NAPARI_CAMERA;
    static constexpr std::array<scenehost::sdk::KeyDecl, 4> kKeys = {{
        {"center", R"({"type":"array","minItems":3,"maxItems":3,"items":{"type":"number","minimum":-1e12,"maximum":1e12}})"},
        {"zoom", R"({"type":"number","minimum":1e-6,"maximum":1e6})"},
        {"angles", R"({"type":"array","minItems":3,"maxItems":3,"items":{"type":"number","minimum":-180,"maximum":180}})"},
        {"perspective", R"({"type":"number","minimum":0,"maximum":179})"},
    }};

    explicit CameraReducer(const scenehost::sdk::Host &) {}

    void seed(std::string_view scene_json, const Outcome &out) override {
        const json::value scene = json::parse(scene_json);
        Viewport view;
        if (const json::value *canvas = scene.as_object().if_contains("canvas_size")) {
            if (const auto size = finite_numbers(*canvas, 2)) view.width = (*size)[0], view.height = (*size)[1];
        }
        const std::vector<int64_t> nsteps = scene_nsteps(scene);
        for (size_t i = 0; i < 3 && i < nsteps.size(); ++i) view.extent[2 - i] = double(nsteps[nsteps.size() - 1 - i]);
        write_all(fitted(view, 0), out);
    }

    void reduce(const scenehost::sdk::Intent &intent, const scenehost::sdk::StoreView &store,
                const Outcome &out) override {
        const std::string key(intent.key());
        const Rejector reject(out, kScope, key);
        if (intent.target() != "main" && !intent.target().empty()) {
            return reject.unknown_target(intent.target(), "'main'");
        }
        const json::value v = parse_value(intent.value_json());
        const Pose pose = current(store);
        const Viewport view = viewport(store);

        if (key == "center") {
            const auto c = finite_numbers(v);
            if (!c || (c->size() != 2 && c->size() != 3)) return void(reject.invalid("[c1, c2] or [c0, c1, c2] of finite numbers", v));
            const Vec3 center = c->size() == 3 ? Vec3{(*c)[0], (*c)[1], (*c)[2]} : Vec3{pose.center[0], (*c)[0], (*c)[1]};
            if (!within_coordinates(center)) return void(reject_coordinates(reject, v));
            return out.write("main", "center", text(vec(center)));
        }
        if (key == "zoom" && !v.is_object()) {
            const auto z = finite_number(v);
            if (!z) return void(reject.invalid("a finite number (or {factor, anchor_px})", v));
            if (!within(*z, kMinZoom, kMaxZoom)) return void(reject_zoom(reject, v));
            return out.write("main", "zoom", text(*z));
        }
        if (key == "angles") {
            const auto a = finite_numbers(v, 3);
            if (!a) return void(reject.invalid("[a, b, g] in degrees", v));
            return out.write("main", "angles", text(vec({wrap((*a)[0]), wrap((*a)[1]), wrap((*a)[2])})));
        }
        if (key == "perspective") {
            const auto p = finite_number(v);
            if (!p) return void(reject.invalid("a finite number of degrees", v));
            if (*p < 0 || *p > kMaxPerspective) {
                return void(reject.out_of_range("in [0, 179] degrees", v, {{"minimum", 0}, {"maximum", kMaxPerspective}}));
            }
            return out.write("main", "perspective", text(*p));
        }
        if (key == "zoom") return zoom_about(v, pose, view, reject, out);
        if (key == "pan") {
            const auto dx = member_number(v, "dx_px");
            const auto dy = member_number(v, "dy_px");
            if (!dx || !dy) return void(reject.invalid("{dx_px, dy_px} of finite numbers", v));
            // Dragging moves the picture with the pointer, so the center moves the other way.
            const Vec3 shift = screen_to_world(pose, view, std::clamp(*dx, -kMaxPanPx, kMaxPanPx),
                                               std::clamp(*dy, -kMaxPanPx, kMaxPanPx));
            return out.write("main", "center", text(vec(saturated({pose.center[0] - shift[0], pose.center[1] - shift[1],
                                                                    pose.center[2] - shift[2]}))));
        }
        if (key == "orbit") {
            const auto az = member_number(v, "d_az_deg");
            const auto el = member_number(v, "d_el_deg");
            if (!az || !el) return void(reject.invalid("{d_az_deg, d_el_deg} of finite numbers", v));
            if (view.ndisplay != 3) {
                return out.reject(RejectCode::forbidden, "camera.orbit needs the 3D view (view.ndisplay is 2)",
                                  R"({"key":"orbit","requires":{"scope":"view","key":"ndisplay","value":3}})");
            }
            // Azimuth turns about the world's vertical (y) axis, elevation about the camera's own
            // right axis, so each undoes its opposite exactly.
            const Mat3 r = multiply(rotation_y(*az), multiply(from_angles(pose.angles), rotation_x(*el)));
            return out.write("main", "angles", text(vec(to_angles(r))));
        }
        if (key == "reset" || key == "fit") {
            const bool ok = v.is_null() || v.is_string() || (v.is_object() && (v.as_object().empty() ||
                                                                           (v.as_object().size() == 1 && v.as_object().contains("reason"))));
            if (!ok) return void(reject.invalid("null, a reason string or {reason}", v));
            return write_all(fitted(view, pose.perspective), out);
        }
        if (key == "set") return set(v, pose, view, reject, out);
        reject.unknown_key("center, zoom, angles, perspective, pan, orbit, zoom {factor, anchor_px}, reset, set");
    }

private:
    static void reject_zoom(const Rejector &reject, const json::value &v, std::string_view field = "zoom") {
        reject.out_of_range(std::string(field) + " in [1e-06, 1e+06] screen pixels per data pixel", v,
                            {{"field", field}, {"minimum", kMinZoom}, {"maximum", kMaxZoom}});
    }
    static void reject_coordinates(const Rejector &reject, const json::value &v, std::string_view field = "center") {
        reject.out_of_range(std::string(field) + " coordinates in [-1e+12, 1e+12]", v,
                            {{"field", field}, {"minimum", -kMaxCoordinate}, {"maximum", kMaxCoordinate}});
    }

    static void write_all(const Pose &pose, const Outcome &out) {
        out.write("main", "center", text(vec(pose.center)));
        out.write("main", "zoom", text(pose.zoom));
        out.write("main", "angles", text(vec(pose.angles)));
        out.write("main", "perspective", text(pose.perspective));
    }

    // Zooms by a factor keeping the data point under anchor_px (canvas pixels from the top
    // left) where it is on screen. A relative move: the zoom saturates at its bounds, and an
    // anchor off the canvas is taken at the canvas edge.
    static void zoom_about(const json::value &v, const Pose &pose, const Viewport &view, const Rejector &reject,
                           const Outcome &out) {
        const json::object &o = v.as_object();
        const auto factor = member_number(v, "factor");
        const auto anchor = o.contains("anchor_px") ? finite_numbers(o.at("anchor_px"), 2) : std::nullopt;
        if (!factor || !anchor || o.size() != 2) {
            return void(reject.invalid("{factor, anchor_px: [x, y]} of finite numbers", v));
        }
        if (*factor <= 0) return void(reject.out_of_range("factor > 0", v, {{"field", "factor"}, {"exclusiveMinimum", 0}}));
        const double ox = std::clamp((*anchor)[0], 0.0, view.width) - view.width / 2;
        const double oy = std::clamp((*anchor)[1], 0.0, view.height) - view.height / 2;
        Pose after = pose;
        // Clamped factor first: pose.zoom * factor must not overflow before the zoom clamp.
        after.zoom = std::clamp(pose.zoom * std::clamp(*factor, kMinZoom / kMaxZoom, kMaxZoom / kMinZoom), kMinZoom, kMaxZoom);
        const Vec3 before_offset = screen_to_world(pose, view, ox, oy);
        const Vec3 after_offset = screen_to_world(after, view, ox, oy);
        for (int i = 0; i < 3; ++i) after.center[i] = pose.center[i] + before_offset[i] - after_offset[i];
        after.center = saturated(after.center);
        out.write("main", "zoom", text(after.zoom));
        out.write("main", "center", text(vec(after.center)));
    }

    // napari-cuda's camera.set: any of center, zoom, angles, perspective, and rect [x, y, w, h]
    // (the data rectangle to show, 2D), applied together.
    static void set(const json::value &v, const Pose &pose, const Viewport &view, const Rejector &reject,
                    const Outcome &out) {
        const json::object *o = v.if_object();
        if (o == nullptr || o->empty()) return void(reject.invalid("an object with center, zoom, angles, perspective or rect", v));
        Pose after = pose;
        for (const auto &[field, x] : *o) {
            if (field == "center") {
                const auto c = finite_numbers(x);
                if (!c || (c->size() != 2 && c->size() != 3)) return void(reject.invalid("set.center: 2 or 3 finite numbers", v));
                after.center = c->size() == 3 ? Vec3{(*c)[0], (*c)[1], (*c)[2]} : Vec3{pose.center[0], (*c)[0], (*c)[1]};
                if (!within_coordinates(after.center)) return void(reject_coordinates(reject, v, "set.center"));
            } else if (field == "zoom") {
                const auto z = finite_number(x);
                if (!z) return void(reject.invalid("set.zoom: a finite number", v));
                if (!within(*z, kMinZoom, kMaxZoom)) return void(reject_zoom(reject, v, "set.zoom"));
                after.zoom = *z;
            } else if (field == "angles") {
                const auto a = finite_numbers(x, 3);
                if (!a) return void(reject.invalid("set.angles: three finite numbers", v));
                after.angles = {wrap((*a)[0]), wrap((*a)[1]), wrap((*a)[2])};
            } else if (field == "perspective") {
                const auto p = finite_number(x);
                if (!p) return void(reject.invalid("set.perspective: a finite number", v));
                if (*p < 0 || *p > kMaxPerspective) return void(reject.out_of_range("set.perspective in [0, 179]", v));
                after.perspective = *p;
            } else if (field == "rect") {
                const auto r = finite_numbers(x, 4);
                if (!r) return void(reject.invalid("set.rect: [x, y, width, height]", v));
                if ((*r)[2] <= 0 || (*r)[3] <= 0) return void(reject.out_of_range("set.rect width and height > 0", v));
                // Overflow and underflow end outside the bounds, so the checks catch them too.
                after.center[2] = (*r)[0] + (*r)[2] / 2;
                after.center[1] = (*r)[1] + (*r)[3] / 2;
                after.zoom = std::min(view.width / (*r)[2], view.height / (*r)[3]);
                if (!within_coordinates(after.center)) return void(reject_coordinates(reject, v, "set.rect center"));
                if (!within(after.zoom, kMinZoom, kMaxZoom)) return void(reject_zoom(reject, v, "set.rect zoom"));
            } else {
                return void(reject.invalid("an object with only center, zoom, angles, perspective, rect", v,
                                           {{"field", field}}));
            }
        }
        write_all(after, out);
    }

    static Pose current(const scenehost::sdk::StoreView &store) {
        Pose pose;
        const auto center = *finite_numbers(*stored(store, kScope, "main", "center"), 3);
        const auto angles = *finite_numbers(*stored(store, kScope, "main", "angles"), 3);
        pose.center = {center[0], center[1], center[2]};
        pose.angles = {angles[0], angles[1], angles[2]};
        pose.zoom = stored(store, kScope, "main", "zoom")->to_number<double>();
        pose.perspective = stored(store, kScope, "main", "perspective")->to_number<double>();
        return pose;
    }

    // The canvas, ndisplay and the extent of the displayed axes, read from the other scopes
    // (each has a default for hosts that run without that reducer).
    static Viewport viewport(const scenehost::sdk::StoreView &store) {
        Viewport view;
        if (const auto canvas = stored(store, "view", "main", "canvas_size")) {
            const auto size = *finite_numbers(*canvas, 2);
            view.width = size[0];
            view.height = size[1];
        }
        if (const auto ndisplay = stored(store, "view", "main", "ndisplay")) view.ndisplay = int(ndisplay->to_number<int64_t>());
        const auto nsteps = stored(store, "dims", "main", "nsteps");
        const auto order = stored(store, "dims", "main", "order");
        if (nsteps && order) {
            const auto steps = *integers(*nsteps);
            const auto axes = *integers(*order);
            for (size_t i = 0; i < 3 && i < axes.size(); ++i) view.extent[2 - i] = double(steps[size_t(axes[axes.size() - 1 - i])]);
        }
        return view;
    }
};

}  // namespace

SCENEHOST_EXPORT_REDUCER(CameraReducer, "camera", "1.0.0")
