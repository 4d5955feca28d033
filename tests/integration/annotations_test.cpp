// The example annotations reducer end to end: the real host loads it from an extra --plugin-dir,
// and its scope's writes reach the clients that ask for scenehost's notify.state topic (and no
// others), in seq order, in notify.scene's metadata.scopes and by resume token.
#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

#include "integration/control_fixture.hpp"
#include "support/control_client.hpp"
#include "support/host_process.hpp"

using namespace scenehost::test;

namespace {

// The demo scene (layer-0 3D, layer-1 2D: ndim 3) with the shipped plugins and the example from
// its own directory; the control channel only.
std::vector<std::string> annotations_host_args() {
    return host_args({"--plugin-dir", SCENEHOST_EXAMPLES_PLUGIN_DIR, "--no-render"});
}

struct Joined {
    json::object welcome;
    json::object scene;  // the notify.scene baseline after the welcome
};

// Handshakes, asking for notify.state or not, and reads the notify.scene baseline.
Joined join(ControlClient &c, bool state_topic) {
    if (state_topic) c.set_features({{"notify.state", true}});
    Joined j;
    j.welcome = c.handshake();
    j.scene = c.expect("notify.scene");
    return j;
}

// session.welcome's payload.features["notify.state"] (a copy: payload() returns one).
json::object state_feature(const json::object &welcome) {
    return payload(welcome).at("features").at("notify.state").as_object();
}

uint64_t u64(const json::value &v) { return v.to_number<uint64_t>(); }

// Renames layer-1 to `marker`: a write every client sees on notify.layers, so what a client did
// not get before it is checked by order, not by a timeout.
void send_marker(ControlClient &writer, const char *marker) { writer.update("layer", "layer-1", "name", marker); }

// Every frame before the marker's notify.layers delta.
std::vector<json::object> frames_until_marker(ControlClient &c, const char *marker) {
    std::vector<json::object> before;
    for (;;) {
        json::object f = c.next();
        if (f.at("type") == "notify.layers" && payload(f).at("layer_id") == "layer-1") {
            const json::value *name = payload(f).at("changes").as_object().if_contains("name");
            if (name != nullptr && *name == json::value(marker)) return before;
        }
        before.push_back(std::move(f));
    }
}

std::vector<std::string> types(const std::vector<json::object> &frames) {
    std::vector<std::string> out;
    for (const json::object &f : frames) out.emplace_back(f.at("type").as_string());
    return out;
}

std::vector<json::object> of_type(const std::vector<json::object> &frames, const char *type) {
    std::vector<json::object> out;
    for (const json::object &f : frames) {
        if (f.at("type") == type) out.push_back(f);
    }
    return out;
}

// The actor the host names a session by: its hello's client name, '#', its id's first 8 characters.
std::string actor_of(const ControlClient &c) { return "test-client#" + c.session().substr(0, 8); }

json::object state_payload(std::string_view target, std::string_view key, const json::value &value,
                           const json::value &version, const std::string &actor) {
    return {{"scope", "annotations"},
            {"target", target},
            {"changes", {{key, value}}},
            {"version", version},
            {"actor_id", actor}};
}

}  // namespace

TEST_CASE("notify.state: exact deltas to the sessions that asked for it, none to the others") {
    HostProcess host(annotations_host_args());
    ControlClient a(host.port()), b(host.port()), plain(host.port());
    const Joined ja = join(a, true);
    join(b, true);
    const Joined jp = join(plain, false);

    const json::object feature = state_feature(ja.welcome);
    CHECK(feature.at("enabled") == true);
    CHECK(feature.at("version") == 1);
    CHECK(feature.at("resume") == true);
    REQUIRE(feature.at("resume_state").as_object().contains("seq"));
    CHECK(feature.at("resume_state").at("delta_token").is_string());
    CHECK(state_feature(jp.welcome) == json::object{{"enabled", false}});
    const uint64_t seq0 = u64(feature.at("resume_state").at("seq"));

    // a writes: its ack, then its own copy (with the intent); b's copy has the same seq and token.
    const json::value points = json::array{{1, 2, 3}, {4.5, 5, 6}};
    const std::string frame_id = a.update("annotations", "cell-1", "points", points);
    const json::object ack = a.expect("ack.state");
    CHECK(payload(ack).at("status") == "accepted");
    CHECK(payload(ack).at("in_reply_to") == json::value(frame_id));
    CHECK(payload(ack).at("applied_value") == points);
    const json::object mine = a.expect("notify.state");
    CHECK(mine.at("session") == json::value(a.session()));
    CHECK(mine.at("intent_id") == "intent-1");
    CHECK(u64(mine.at("seq")) == seq0 + 1);
    CHECK(mine.at("delta_token").is_string());
    CHECK(payload(mine) == state_payload("cell-1", "points", points, payload(ack).at("version"), actor_of(a)));
    const json::object theirs = b.expect("notify.state");
    CHECK(theirs.at("session") == json::value(b.session()));
    CHECK_FALSE(theirs.contains("intent_id"));
    CHECK(theirs.at("seq") == mine.at("seq"));
    CHECK(theirs.at("delta_token") == mine.at("delta_token"));
    CHECK(payload(theirs) == payload(mine));

    // b writes a color: stored and published in its canonical form.
    b.update("annotations", "cell-1", "color", "#FF8000");
    const json::object color_ack = b.expect("ack.state");
    CHECK(payload(color_ack).at("applied_value") == "#ff8000ff");
    CHECK(b.expect("notify.state").at("intent_id") == "intent-1");
    const json::object color = a.expect("notify.state");
    CHECK(u64(color.at("seq")) == seq0 + 2);
    CHECK(payload(color) == state_payload("cell-1", "color", "#ff8000ff", payload(color_ack).at("version"), actor_of(b)));

    // The client that did not ask writes too: it gets its ack, the others the delta, it none.
    plain.update("annotations", "cell-1", "label", "from plain");
    send_marker(plain, "marker");
    const std::vector<json::object> seen_by_plain = frames_until_marker(plain, "marker");
    CHECK(types(seen_by_plain) == std::vector<std::string>{"ack.state", "ack.state"});
    CHECK(payload(seen_by_plain[0]).at("status") == "accepted");
    CHECK(payload(seen_by_plain[0]).at("applied_value") == "from plain");
    for (ControlClient *c : {&a, &b}) {
        const std::vector<json::object> seen = frames_until_marker(*c, "marker");
        REQUIRE(types(seen) == std::vector<std::string>{"notify.state"});
        CHECK_FALSE(seen[0].contains("intent_id"));
        CHECK(u64(seen[0].at("seq")) == seq0 + 3);
        CHECK(payload(seen[0]) ==
              state_payload("cell-1", "label", "from plain", payload(seen_by_plain[0]).at("version"),
                            actor_of(plain)));
    }
}

TEST_CASE("notify.state: deltas arrive in write order with seq increasing by one") {
    HostProcess host(annotations_host_args());
    ControlClient a(host.port()), b(host.port());
    join(a, true);
    const uint64_t seq0 = u64(state_feature(join(b, true).welcome).at("resume_state").at("seq"));

    struct Write {
        const char *target, *key;
        json::value value;
    };
    const std::vector<Write> writes = {
        {"cell-1", "points", json::array{{0, 0, 0}}}, {"cell-2", "label", "second"}, {"cell-1", "label", "third"},
        {"cell-3", "color", json::array{0, 0, 1, 1}}, {"cell-2", "points", json::array{}},
    };
    for (const Write &w : writes) a.update("annotations", w.target, w.key, w.value);
    std::vector<std::string> tokens;
    for (size_t i = 0; i < writes.size(); ++i) {
        INFO("write " << i);
        const json::object ack = a.expect("ack.state");
        CHECK(payload(ack).at("status") == "accepted");
        const json::object mine = a.expect("notify.state");
        const json::object delta = b.expect("notify.state");
        CHECK(u64(delta.at("seq")) == seq0 + 1 + i);
        CHECK(delta.at("seq") == mine.at("seq"));
        CHECK(payload(delta).at("target") == writes[i].target);
        CHECK(payload(delta).at("changes").as_object().contains(writes[i].key));
        CHECK(payload(delta).at("version") == payload(ack).at("version"));
        tokens.emplace_back(delta.at("delta_token").as_string());
    }
    CHECK(std::set<std::string>(tokens.begin(), tokens.end()).size() == tokens.size());
}

TEST_CASE("resume: a notify.state token replays the missed deltas as they were, an unknown one gets notify.scene") {
    HostProcess host(annotations_host_args());
    json::object tokens;
    {
        ControlClient a(host.port());
        tokens["notify.scene"] = join(a, true).scene.at("delta_token");
        a.update("annotations", "cell-1", "label", "seen");
        a.expect("ack.state");
        tokens["notify.state"] = a.expect("notify.state").at("delta_token");
        a.update("layer", "layer-0", "opacity", 0.1);
        a.expect("ack.state");
        tokens["notify.layers"] = a.expect("notify.layers").at("delta_token");
        a.ws().close();
    }
    ControlClient b(host.port());
    join(b, true);
    std::vector<json::object> missed;
    for (const char *label : {"one", "two", "three"}) {
        b.update("annotations", "cell-1", "label", label);
        b.expect("ack.state");
        missed.push_back(b.expect("notify.state"));
    }

    ControlClient a(host.port());
    a.set_features({{"notify.state", true}});
    const json::object welcome = a.handshake(tokens);
    CHECK(state_feature(welcome).at("resume_state").at("seq") == missed.back().at("seq"));
    CHECK(state_feature(welcome).at("resume_state").at("delta_token") == missed.back().at("delta_token"));
    send_marker(b, "marker");
    const std::vector<json::object> resumed = frames_until_marker(a, "marker");
    INFO("frames before the marker: " << json::serialize(json::value_from(types(resumed))));
    CHECK(of_type(resumed, "notify.scene").empty());
    CHECK(of_type(resumed, "notify.layers").empty());  // nothing missed there
    const std::vector<json::object> replayed = of_type(resumed, "notify.state");
    REQUIRE(replayed.size() == 3);
    for (size_t i = 0; i < 3; ++i) {
        CHECK(replayed[i].at("seq") == missed[i].at("seq"));  // the original seq and token
        CHECK(replayed[i].at("delta_token") == missed[i].at("delta_token"));
        CHECK(replayed[i].at("session") == json::value(a.session()));
        CHECK(payload(replayed[i]) == payload(missed[i]));
    }
    CHECK(u64(replayed[0].at("seq")) + 2 == u64(replayed[2].at("seq")));

    // A well-formed token this host never issued (the real one with another nonce): a fresh baseline.
    std::string unknown(tokens["notify.state"].as_string());
    unknown.back() = unknown.back() == '0' ? '1' : '0';
    json::object stale = tokens;
    stale["notify.state"] = unknown;
    ControlClient c(host.port());
    c.set_features({{"notify.state", true}});
    c.handshake(stale);
    const json::object scene = c.expect("notify.scene");
    CHECK(scene.at("seq") == 0);
    CHECK(payload(scene).at("metadata").at("scopes").at("annotations").at("cell-1").at("label") == "three");
    send_marker(b, "marker-2");
    CHECK(of_type(frames_until_marker(c, "marker-2"), "notify.state").empty());  // no replay after it
}

TEST_CASE("resume: writes to one scope never reset another topic's resume") {
    HostProcess host(annotations_host_args());
    json::object tokens;
    uint64_t layers_seq = 0, state_seq = 0;
    {
        ControlClient a(host.port());
        tokens["notify.scene"] = join(a, true).scene.at("delta_token");
        a.update("layer", "layer-0", "opacity", 0.3);
        a.expect("ack.state");
        const json::object layers = a.expect("notify.layers");
        a.update("annotations", "cell-1", "points", json::array{{1, 1, 1}});
        a.expect("ack.state");
        const json::object state = a.expect("notify.state");
        tokens["notify.layers"] = layers.at("delta_token");
        tokens["notify.state"] = state.at("delta_token");
        layers_seq = u64(layers.at("seq"));
        state_seq = u64(state.at("seq"));
        a.ws().close();
    }
    // Another client makes one write of each while a is away.
    ControlClient b(host.port());
    join(b, true);
    b.update("annotations", "cell-9", "label", "missed");
    b.expect("ack.state");
    const json::object missed_state = b.expect("notify.state");
    b.update("layer", "layer-0", "opacity", 0.7);
    b.expect("ack.state");
    const json::object missed_layers = b.expect("notify.layers");

    ControlClient a(host.port());
    a.set_features({{"notify.state", true}});
    a.handshake(tokens);
    send_marker(b, "marker");
    const std::vector<json::object> resumed = frames_until_marker(a, "marker");
    INFO("frames before the marker: " << json::serialize(json::value_from(types(resumed))));
    CHECK(of_type(resumed, "notify.scene").empty());
    const std::vector<json::object> layers = of_type(resumed, "notify.layers");
    const std::vector<json::object> state = of_type(resumed, "notify.state");
    REQUIRE(layers.size() == 1);
    REQUIRE(state.size() == 1);
    CHECK(u64(layers[0].at("seq")) == layers_seq + 1);
    CHECK(layers[0].at("delta_token") == missed_layers.at("delta_token"));
    CHECK(payload(layers[0]).at("changes").at("opacity") == 0.7);
    CHECK(u64(state[0].at("seq")) == state_seq + 1);
    CHECK(state[0].at("delta_token") == missed_state.at("delta_token"));
    CHECK(payload(state[0]) == payload(missed_state));
    CHECK(payload(state[0]).at("target") == "cell-9");
}

TEST_CASE("notify.scene carries the annotations under metadata.scopes, for every session") {
    HostProcess host(annotations_host_args());
    ControlClient a(host.port());
    const Joined first = join(a, true);
    const json::object metadata = payload(first.scene).at("metadata").as_object();
    const json::value *scopes = metadata.if_contains("scopes");
    const json::value *none = scopes != nullptr ? scopes->as_object().if_contains("annotations") : nullptr;
    CHECK((none == nullptr || none->as_object().empty()));  // seeding writes nothing

    a.update("annotations", "cell-1", "points", json::array{{1, 2, 3}});
    a.update("annotations", "cell-1", "label", "nucleus");
    a.update("annotations", "cell-1", "color", json::array{1, 0, 0, 1});
    a.update("annotations", "cell-2", "label", "");
    for (int i = 0; i < 4; ++i) {
        CHECK(payload(a.expect("ack.state")).at("status") == "accepted");
        a.expect("notify.state");
    }
    const json::object expected{
        {"cell-1", {{"color", "#ff0000ff"}, {"label", "nucleus"}, {"points", json::array{{1, 2, 3}}}}},
        {"cell-2", {{"label", ""}}},
    };
    for (bool state_topic : {true, false}) {
        INFO("asked for notify.state: " << state_topic);
        ControlClient c(host.port());
        const Joined j = join(c, state_topic);
        CHECK(payload(j.scene).at("metadata").at("scopes").at("annotations") == expected);
    }
}

TEST_CASE("base_version on the annotations scope: a stale one is a conflict and publishes nothing") {
    HostProcess host(annotations_host_args());
    ControlClient a(host.port()), b(host.port());
    join(a, true);
    join(b, true);
    a.update("annotations", "cell-1", "label", "first");
    const uint64_t v1 = u64(payload(a.expect("ack.state")).at("version"));
    a.expect("notify.state");
    a.update("annotations", "cell-1", "label", "second", v1);  // current: accepted
    const json::object second = a.expect("ack.state");
    CHECK(payload(second).at("status") == "accepted");
    const uint64_t v2 = u64(payload(second).at("version"));
    CHECK(v2 > v1);
    a.expect("notify.state");
    a.update("annotations", "cell-1", "label", "third", v1);  // stale
    const json::object conflict = a.expect("ack.state");
    CHECK(payload(conflict).at("status") == "rejected");
    CHECK(payload(conflict).at("error").at("code") == "state.conflict");
    CHECK(payload(conflict).at("error").at("details").at("current_value") == "second");
    CHECK(u64(payload(conflict).at("error").at("details").at("current_version")) == v2);

    send_marker(a, "marker");
    CHECK(types(frames_until_marker(a, "marker")) == std::vector<std::string>{"ack.state"});
    const std::vector<json::object> seen = frames_until_marker(b, "marker");
    REQUIRE(types(seen) == std::vector<std::string>{"notify.state", "notify.state"});
    CHECK(payload(seen[1]).at("changes").at("label") == "second");
}

TEST_CASE("rejected annotation values get the reducer's code and message and publish nothing") {
    HostProcess host(annotations_host_args());
    ControlClient a(host.port()), b(host.port());
    join(a, true);
    join(b, true);
    struct Bad {
        const char *target, *key;
        json::value value;
        const char *code;
        const char *message;
    };
    const std::vector<Bad> bad = {
        {"cell-1", "color", "red", "state.invalid_value",
         R"(annotations.color must be "#rrggbb", "#rrggbbaa" or [r, g, b, a], not "red")"},
        {"cell-1", "color", json::array{0, 0, 2, 1}, "state.out_of_range",
         "annotations.color[2] must be in [0, 1], not 2"},
        {"cell-1", "label", json::string(257, 'x'), "state.out_of_range",
         "annotations.label must be at most 256 bytes, not 257 bytes"},
        {"cell-1", "points", json::array{{1, 2}}, "state.invalid_value",
         "annotations.points[0] must be 3 coordinates long (the scene's ndim), not 2"},
        {"bad id", "label", "x", "state.invalid_value",
         R"(the annotations target (an annotation id) must be 1 to 64 characters of A-Z a-z 0-9 _ . -, not "bad id")"},
        {"cell-1", "size", 3, "state.unknown_key",
         "'size' is not a key of the annotations scope (points, label, color)"},
    };
    for (const Bad &x : bad) a.update("annotations", x.target, x.key, x.value);
    for (const Bad &x : bad) {
        INFO(x.target << " " << x.key << " = " << json::serialize(x.value));
        const json::object ack = a.expect("ack.state");
        CHECK(payload(ack).at("status") == "rejected");
        CHECK(payload(ack).at("error").at("code") == x.code);
        CHECK(payload(ack).at("error").at("message") == x.message);
    }
    send_marker(a, "marker");
    CHECK(types(frames_until_marker(a, "marker")) == std::vector<std::string>{"ack.state"});
    CHECK(frames_until_marker(b, "marker").empty());
}
