// A reducer plugin template: the `notes` scope, one target per note id, each holding a text.
// Rename the scope, the plugin and the key to yours; see README.md and, for a larger example,
// examples/annotations in the scenehost sources. Built against scenehost-dev and Boost.JSON only.
#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cctype>
#include <string>
#include <string_view>

#include "scenehost/sdk/reducer.hpp"

namespace {

namespace json = boost::json;
using scenehost::sdk::Outcome;
using scenehost::sdk::RejectCode;

constexpr size_t kMaxTargetBytes = 64;
constexpr size_t kMaxTextBytes = 1024;
constexpr size_t kMaxEchoBytes = 64;

bool is_valid_target(std::string_view id) {
    return !id.empty() && id.size() <= kMaxTargetBytes && std::all_of(id.begin(), id.end(), [](char c) {
               return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.' || c == '-';
           });
}

class NotesReducer final : public scenehost::sdk::Reducer {
public:
    // A scope no other loaded reducer owns; its changes go out on scenehost's notify.state topic.
    static constexpr const char *kScope = "notes";
    static constexpr scenehost_publication kPublication = SCENEHOST_PUBLICATION_STATE;
    // Every key the reducer writes, with the JSON Schema every written value satisfies.
    static constexpr std::array<scenehost::sdk::KeyDecl, 1> kKeys = {{
        {"text", R"({"type":"string","maxLength":1024})"},
    }};

    explicit NotesReducer(const scenehost::sdk::Host &) {}

    // A scene starts without notes.
    void seed(std::string_view, const Outcome &) override {}

    // Checks target, then key, then value; writes, or rejects naming what was broken.
    void reduce(const scenehost::sdk::Intent &intent, const scenehost::sdk::StoreView &, const Outcome &out) override {
        if (!is_valid_target(intent.target())) {
            return out.reject(RejectCode::invalid_value,
                              "the notes target (a note id) must be 1 to 64 characters of A-Z a-z 0-9 _ . -",
                              R"({"field":"target","bound":"1 to 64 characters of A-Z a-z 0-9 _ . -"})");
        }
        const std::string_view key = intent.key();
        if (key != "text") {
            // Named back only when short: a rejection never echoes a large client value.
            json::object details{{"allowed", {"text"}}};
            std::string shown = "a key of " + std::to_string(key.size()) + " bytes";
            if (key.size() <= kMaxEchoBytes) {
                details["key"] = key;
                shown = std::string("'").append(key).append("'");
            }
            return out.reject(RejectCode::unknown_key, shown + " is not a key of the notes scope (text)",
                              json::serialize(details));
        }
        const json::value value = json::parse(intent.value_json());  // the host hands over valid JSON
        const json::string *text = value.if_string();
        if (text == nullptr) {
            return out.reject(RejectCode::invalid_value, "notes.text must be a string",
                              R"({"key":"text","bound":"a string"})");
        }
        if (text->size() > kMaxTextBytes) {
            return out.reject(RejectCode::out_of_range,
                              "notes.text must be at most 1024 bytes, not " + std::to_string(text->size()),
                              R"({"key":"text","bound":"at most 1024 bytes","maximum":1024})");
        }
        out.write(intent.target(), "text", json::serialize(value));
    }
};

}  // namespace

// The plugin's name and its own version; the SDK version is recorded by the macro.
SCENEHOST_EXPORT_REDUCER(NotesReducer, "notes", "0.1.0")
