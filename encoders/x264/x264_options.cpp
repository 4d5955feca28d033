// Strict options_json parsing for the x264 plugin (Boost.JSON; nothing of it leaves the plugin).
#include "x264_options.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <span>
#include <x264.h>

namespace scenehost::encoders {

namespace {

namespace json = boost::json;

// x264's NULL-terminated name lists as spans.
std::span<const char *const> names(const char *const *list) {
    size_t n = 0;
    while (list[n] != nullptr) ++n;
    return {list, n};
}

std::string joined(std::span<const char *const> values) {
    std::string out;
    for (const char *v : values) out += (out.empty() ? "" : ", ") + std::string(v);
    return out;
}

// Reads key's string into out when it is one of allowed; else returns why.
std::string read_choice(const json::value &value, std::string_view key, std::span<const char *const> allowed,
                        std::string &out) {
    const json::string *s = value.if_string();
    const bool known = s != nullptr && std::ranges::any_of(allowed, [&](const char *a) { return *s == a; });
    if (!known) {
        return "options_json: \"" + std::string(key) + "\" must be one of " + joined(allowed) + ", not " +
               json::serialize(value);
    }
    out = std::string(*s);
    return {};
}

constexpr const char *kProfiles[] = {"baseline", "main", "high"};

}  // namespace

std::string X264Options::tune_with_zerolatency() const {
    return tune.empty() || tune == "zerolatency" ? "zerolatency" : tune + ",zerolatency";
}

std::variant<X264Options, std::string> parse_x264_options(std::string_view options_json) {
    boost::system::error_code ec;
    const json::value root = json::parse(options_json, ec);
    if (ec) return "options_json is not valid JSON (" + ec.message() + ")";
    const json::object *object = root.if_object();
    if (object == nullptr) return "options_json must be a JSON object, not " + json::serialize(root);
    X264Options options;
    for (const auto &[key, value] : *object) {
        std::string why;
        if (key == "preset") {
            why = read_choice(value, key, names(x264_preset_names), options.preset);
        } else if (key == "tune") {
            why = read_choice(value, key, names(x264_tune_names), options.tune);
        } else if (key == "profile") {
            why = read_choice(value, key, kProfiles, options.profile);
        } else {
            why = "options_json: unknown key \"" + std::string(key) + "\" (x264 takes preset, tune, profile)";
        }
        if (!why.empty()) return why;
    }
    return options;
}

}  // namespace scenehost::encoders
