// The `dims` scope: napari's Dims for the one viewer, stored at target "main": the number of
// steps per axis (from the layers; read-only), the current step, the axis order and the axis
// labels. A client addresses the whole vector at "main" or one axis by its index ("0") or its
// label ("z"), with napari-cuda's per-axis keys `index` (absolute) and `step` (a delta).
// `ndisplay` belongs to the view scope; the displayed axes are the last ndisplay of `order`.
#include <algorithm>
#include <array>
#include <numeric>
#include <set>

#include "reducer_values.hpp"

namespace {

using namespace scenehost::plugins;
using scenehost::sdk::Outcome;

class DimsReducer final : public scenehost::sdk::Reducer {
public:
    static constexpr const char *kScope = "dims";
    static constexpr scenehost_publication kPublication = SCENEHOST_PUBLICATION_NAPARI_DIMS;
    static constexpr std::array<scenehost::sdk::KeyDecl, 4> kKeys = {{
        {"nsteps", R"({"type":"array","minItems":2,"items":{"type":"integer","minimum":1}})"},
        {"current_step", R"({"type":"array","minItems":2,"items":{"type":"integer","minimum":0}})"},
        {"order", R"({"type":"array","minItems":2,"items":{"type":"integer","minimum":0}})"},
        {"axis_labels", R"({"type":"array","minItems":2,"items":{"type":"string","minLength":1}})"},
    }};

    explicit DimsReducer(const scenehost::sdk::Host &) {}

    // napari broadcasts layers against the last axes: nsteps is the largest extent per
    // right-aligned axis; labels come from the layer with the most axes.
    void seed(std::string_view scene_json, const Outcome &out) override {
        const json::value scene = json::parse(scene_json);
        const std::vector<int64_t> nsteps = scene_nsteps(scene);
        json::array labels;
        for (const SceneLayer &layer : scene_layers(scene)) {
            const json::object &d = *layer.description;
            // Labels the layers reducer would refuse (it refuses the scene then) are not copied.
            const json::array *given = d.contains("axis_labels") ? d.at("axis_labels").if_array() : nullptr;
            if (given != nullptr && given->size() == nsteps.size() &&
                std::all_of(given->begin(), given->end(), [](const json::value &l) { return plain_text(l) != nullptr; })) {
                labels = *given;
            }
        }
        if (labels.size() != nsteps.size()) {
            labels.clear();
            for (size_t i = 0; i < nsteps.size(); ++i) labels.emplace_back(std::to_string(i));  // napari's default
        }
        std::vector<int64_t> order(nsteps.size());
        std::iota(order.begin(), order.end(), 0);
        // Sliders start in the middle; the two displayed axes (2D at start) at 0.
        std::vector<int64_t> step(nsteps.size(), 0);
        for (size_t i = 0; i + 2 < nsteps.size(); ++i) step[i] = (nsteps[i] - 1) / 2;
        out.write("main", "nsteps", text(to_array(nsteps)));
        out.write("main", "current_step", text(to_array(step)));
        out.write("main", "order", text(to_array(order)));
        out.write("main", "axis_labels", text(labels));
    }

    void reduce(const scenehost::sdk::Intent &intent, const scenehost::sdk::StoreView &store,
                const Outcome &out) override {
        const std::string key(intent.key());
        const Rejector reject(out, kScope, key);
        const std::vector<int64_t> nsteps = *integers(*stored(store, kScope, "main", "nsteps"));
        const json::array labels = stored(store, kScope, "main", "axis_labels")->as_array();
        const size_t ndim = nsteps.size();

        // "main", or one axis by index or label.
        std::optional<size_t> axis;
        const std::string target(intent.target());
        if (target != "main") {
            for (size_t i = 0; i < ndim; ++i) {
                if (target == std::to_string(i) || target == labels[i].as_string()) axis = i;
            }
            if (!axis) {
                return reject.unknown_target(target, "'main', an axis index in [0, " + std::to_string(ndim - 1) +
                                                         "] or an axis label (" + display(labels) + ")");
            }
        }
        const json::value v = parse_value(intent.value_json());
        if (key == "nsteps") return reject.read_only();

        if (axis && (key == "current_step" || key == "index" || key == "step")) {
            std::vector<int64_t> step = *integers(*stored(store, kScope, "main", "current_step"));
            const auto n = integer(v);
            if (!n) return void(reject.invalid(key == "step" ? "an integer delta" : "an integer step", v));
            const int64_t last = nsteps[*axis] - 1;
            if (key == "step") {  // a relative move stops at the ends, like a slider
                const int64_t at = step[*axis];  // in [0, last], so neither difference overflows
                step[*axis] = *n >= 0 ? (*n > last - at ? last : at + *n) : (*n < -at ? 0 : at + *n);
            } else if (*n < 0 || *n > last) {
                return void(reject.out_of_range("in [0, " + std::to_string(last) + "] on axis " + std::to_string(*axis),
                                                v, {{"axis", *axis}, {"minimum", 0}, {"maximum", last}}));
            } else {
                step[*axis] = *n;
            }
            return out.write("main", "current_step", text(to_array(step)));
        }
        if (axis) {
            return reject.unknown_target(target, "'main': " + key + " is set for all axes at once");
        }
        if (key == "current_step") {
            const auto step = integers(v);
            if (!step || step->size() != ndim) {
                return void(reject.invalid("a list of " + std::to_string(ndim) + " integers", v));
            }
            for (size_t i = 0; i < ndim; ++i) {
                if ((*step)[i] < 0 || (*step)[i] >= nsteps[i]) {
                    return void(reject.out_of_range(
                        "in [0, " + std::to_string(nsteps[i] - 1) + "] on axis " + std::to_string(i), v,
                        {{"axis", i}, {"minimum", 0}, {"maximum", nsteps[i] - 1}}));
                }
            }
            return out.write("main", "current_step", text(to_array(*step)));
        }
        if (key == "order") {
            const auto order = integers(v);
            if (!order || order->size() != ndim || !is_permutation(*order)) {
                return void(reject.invalid("a permutation of 0.." + std::to_string(ndim - 1), v));
            }
            return out.write("main", "order", text(to_array(*order)));
        }
        if (key == "displayed") {
            // The named axes move to the end of the order, in the order given.
            const auto ndisplay = stored(store, "view", "main", "ndisplay");
            const size_t count = ndisplay ? size_t(ndisplay->to_number<int64_t>()) : 2;
            const auto shown = integers(v);
            if (!shown || shown->size() != count ||
                std::any_of(shown->begin(), shown->end(), [&](int64_t a) { return a < 0 || a >= int64_t(ndim); }) ||
                std::set<int64_t>(shown->begin(), shown->end()).size() != count) {
                return void(reject.invalid(std::to_string(count) + " distinct axis indices (ndisplay is " +
                                               std::to_string(count) + ")",
                                           v));
            }
            std::vector<int64_t> order = *integers(*stored(store, kScope, "main", "order"));
            std::erase_if(order, [&](int64_t a) { return std::count(shown->begin(), shown->end(), a) != 0; });
            order.insert(order.end(), shown->begin(), shown->end());
            return out.write("main", "order", text(to_array(order)));
        }
        if (key == "axis_labels") {
            const json::array *given = v.if_array();
            std::set<std::string> unique;
            bool ok = given != nullptr && given->size() == ndim;
            for (size_t i = 0; ok && i < ndim; ++i) {
                const json::string *s = plain_text((*given)[i]);
                ok = s != nullptr && unique.insert(std::string(*s)).second;
            }
            if (!ok) return void(reject.invalid(std::to_string(ndim) + " distinct non-empty strings without control characters", v));
            return out.write("main", "axis_labels", text(*given));
        }
        reject.unknown_key("current_step, index, step, order, displayed, axis_labels");
    }

private:
    static bool is_permutation(const std::vector<int64_t> &order) {
        std::vector<int64_t> sorted = order;
        std::sort(sorted.begin(), sorted.end());
        for (size_t i = 0; i < sorted.size(); ++i) {
            if (sorted[i] != int64_t(i)) return false;
        }
        return true;
    }
};

}  // namespace

SCENEHOST_EXPORT_REDUCER(DimsReducer, "dims", "1.0.0")
