// The Broadcaster over fake recipients, without sockets or reducers: which frames each declared
// lane produces, who gets them, what the history keeps, and how a join resumes per topic.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <deque>

#include "broadcast/broadcaster.hpp"
#include "protocol/frame_validator.hpp"
#include "protocol/handshake.hpp"
#include "protocol/v2/frame_validator.hpp"

using namespace scenehost;
namespace json = boost::json;
using plugin::Publication;
using store::Topic;

namespace {

struct Sent {
    json::object frame;
    transport::SendClass send_class;
    std::string coalesce_key;
};

class FakeRecipient final : public broadcast::Recipient {
public:
    FakeRecipient(std::string id, protocol::Dialect &dialect) : id_(std::move(id)), dialect_(&dialect) {}
    const std::string &id() const override { return id_; }
    protocol::Dialect &dialect() const override { return *dialect_; }
    void send(std::string text, transport::SendClass send_class, std::string coalesce_key) override {
        const auto problem =
            dialect_->version() == 2 ? protocol::v2::validate_frame(text) : protocol::validate_frame(text);
        INFO(text);
        CHECK_FALSE(problem.has_value());
        queued += text.size();
        sent.push_back({json::parse(text).as_object(), send_class, std::move(coalesce_key)});
    }
    size_t queued_bytes() const override { return queued; }

    json::object expect(std::string_view type) {
        REQUIRE_FALSE(sent.empty());
        Sent s = std::move(sent.front());
        sent.pop_front();
        INFO(json::serialize(s.frame));
        REQUIRE(s.frame.at("type").as_string() == type);
        return s.frame;
    }
    std::vector<std::string> types() const {
        std::vector<std::string> out;
        for (const Sent &s : sent) out.emplace_back(s.frame.at("type").as_string());
        return out;
    }

    std::deque<Sent> sent;
    size_t queued = 0;

private:
    std::string id_;
    protocol::Dialect *dialect_;
};

const json::object &payload(const json::object &frame) { return frame.at("payload").as_object(); }

struct Fixture {
    base::ManualClock clock;
    store::SceneStore store{clock};
    protocol::Dialects dialects{clock, true};
    std::optional<broadcast::Broadcaster> broadcaster;
    std::deque<FakeRecipient> recipients;

    explicit Fixture(size_t replay_budget_bytes = 1 << 20) {
        write("layer", "l1", "opacity", 1.0);
        write("dims", "main", "current_step", json::array{0, 0});
        write("dims", "main", "order", json::array{0, 1});
        write("view", "main", "ndisplay", 2);
        write("camera", "main", "zoom", 1.0);
        write("notes", "n1", "label", "first");
        broadcaster.emplace(store,
                            broadcast::Lanes{{"layer", Publication::napari_layers},
                                             {"volume", Publication::napari_layers},
                                             {"dims", Publication::napari_dims},
                                             {"camera", Publication::napari_camera},
                                             {"view", Publication::napari_scene},
                                             {"notes", Publication::state}},
                            clock, replay_budget_bytes);
    }
    ~Fixture() {
        for (const FakeRecipient &r : recipients) broadcaster->leave(r);
    }

    store::ChangeSet write(std::string_view scope, std::string target, std::string key, json::value value) {
        const store::Write w{std::move(target), std::move(key), std::move(value)};
        return store.apply(scope, std::span(&w, 1), {"tester", "state.update"});
    }
    // A new recipient; it drops its baseline unless told to keep it.
    FakeRecipient &join(broadcast::Subscription subscription = {}, bool keep_baseline = false, int version = 1) {
        FakeRecipient &r = recipients.emplace_back("s" + std::to_string(recipients.size()),
                                                   version == 2 ? dialects.v2() : dialects.v1());
        broadcaster->join(r, subscription);
        if (!keep_baseline) r.sent.clear();
        return r;
    }
    void publish(const store::ChangeSet &changes, const FakeRecipient *origin, std::string intent = "i-1",
                 std::string_view key = {}, const json::value *value = nullptr) {
        broadcaster->publish(changes, {origin, intent, key, value});
    }
};

}  // namespace

TEST_CASE("layers lane: one notify.layers per target, namespaced keys, the intent on the origin's copy only") {
    Fixture f;
    FakeRecipient &a = f.join();
    FakeRecipient &b = f.join();
    const store::Write writes[] = {{"l1", "opacity", 0.5}, {"l2", "gamma", 1.5}, {"l1", "visible", false}};
    f.publish(f.store.apply("layer", writes, {"tester", "state.update"}), &a);
    for (FakeRecipient *r : {&a, &b}) {
        const json::object l1 = r->expect("notify.layers");
        CHECK(payload(l1).at("layer_id") == "l1");
        CHECK(payload(l1).at("changes") == json::object{{"opacity", 0.5}, {"visible", false}});
        CHECK(payload(l1).at("actor_id") == "tester");  // who changed it, for every member
        CHECK(l1.contains("intent_id") == (r == &a));
        const json::object l2 = r->expect("notify.layers");
        CHECK(payload(l2).at("changes") == json::object{{"gamma", 1.5}});
        CHECK(l2.at("seq").to_number<uint64_t>() == l1.at("seq").to_number<uint64_t>() + 1);
        CHECK(r->sent.empty());
    }
    CHECK(f.broadcaster->history().size(Topic::layers) == 2);

    // A layer-like scope's keys are namespaced on the layer topic.
    f.publish(f.write("volume", "l1", "mode", "iso"), nullptr);
    CHECK(payload(a.expect("notify.layers")).at("changes") == json::object{{"volume.mode", "iso"}});
}

TEST_CASE("state lane: notify.state only to recipients that asked for it, resumable with its own seq") {
    Fixture f;
    FakeRecipient &wants = f.join({.state_topic = true, .tokens = {}});
    FakeRecipient &not_asked = f.join();
    f.publish(f.write("notes", "n1", "label", "second"), &wants);
    const json::object delta = wants.expect("notify.state");
    CHECK(delta.at("intent_id") == "i-1");
    CHECK(delta.at("seq") == 1);
    CHECK(payload(delta) == json::object{{"scope", "notes"},
                                         {"target", "n1"},
                                         {"changes", {{"label", "second"}}},
                                         {"version", f.store.scope_version("notes")}, {"actor_id", "tester"}});
    CHECK(not_asked.sent.empty());
    CHECK(f.broadcaster->history().size(Topic::state) == 1);
    CHECK(f.broadcaster->history().size(Topic::layers) == 0);

    // The snapshot carries the topic's scopes as an extension.
    CHECK(f.broadcaster->scene().at("metadata").at("scopes").at("notes").at("n1").at("label") == "second");
}

TEST_CASE("a write to one scope never resets another topic: a resume replays each missed topic, no baseline") {
    Fixture f;
    FakeRecipient &writer = f.join();
    FakeRecipient &reader = f.join({.state_topic = true, .tokens = {}}, true);
    const std::string scene_token(reader.expect("notify.scene").at("delta_token").as_string());
    f.publish(f.write("layer", "l1", "opacity", 0.4), &writer);
    f.publish(f.write("notes", "n1", "label", "x"), &writer);
    broadcast::Subscription seen{.state_topic = true,
                                 .tokens = {{Topic::scene, scene_token},
                                            {Topic::layers, std::string(reader.expect("notify.layers").at("delta_token").as_string())},
                                            {Topic::state, std::string(reader.expect("notify.state").at("delta_token").as_string())}}};
    f.broadcaster->leave(reader);
    f.recipients.erase(f.recipients.begin() + 1);

    // Missed while away: one layer write and one notes write, and a dims change.
    f.publish(f.write("notes", "n1", "label", "y"), &writer);
    f.publish(f.write("layer", "l1", "opacity", 0.3), &writer);
    f.publish(f.write("dims", "main", "current_step", json::array{4, 0}), &writer);

    FakeRecipient &back = f.recipients.emplace_back("back", f.dialects.v1());
    CHECK(f.broadcaster->join(back, seen));
    CHECK(back.types() == std::vector<std::string>{"notify.layers", "notify.state", "notify.dims", "notify.camera"});
    const json::object layers = back.expect("notify.layers");
    CHECK(layers.at("seq") == 2);
    CHECK(payload(layers).at("changes").at("opacity") == 0.3);
    const json::object state = back.expect("notify.state");
    CHECK(state.at("seq") == 2);
    CHECK(payload(state).at("changes").at("label") == "y");
    CHECK(payload(back.expect("notify.dims")).at("current_step") == json::array{4, 0});
    CHECK(payload(back.expect("notify.camera")).at("origin") == "baseline");
}

TEST_CASE("a resume without a token for every topic it takes gets the composed scene") {
    Fixture f;
    FakeRecipient &first = f.join({}, true);
    const std::string scene_token(first.expect("notify.scene").at("delta_token").as_string());
    f.publish(f.write("layer", "l1", "opacity", 0.2), &first);
    const std::string layers_token(first.expect("notify.layers").at("delta_token").as_string());
    FakeRecipient &r = f.recipients.emplace_back("r", f.dialects.v1());
    // It asks for notify.state now but has no token for it.
    CHECK_FALSE(f.broadcaster->join(r, {.state_topic = true, .tokens = {{Topic::scene, scene_token}, {Topic::layers, layers_token}}}));
    CHECK(r.types() == std::vector<std::string>{"notify.scene"});
}

TEST_CASE("a malformed token is told apart before anyone joins") {
    Fixture f;
    const auto bad = f.broadcaster->check_tokens({.state_topic = true, .tokens = {{Topic::state, "tok_state_1"}}});
    REQUIRE(bad.has_value());
    CHECK(bad->topic == Topic::state);
    CHECK_FALSE(f.broadcaster->check_tokens({.state_topic = false, .tokens = {}}).has_value());
}

TEST_CASE("hot lanes: notify.dims and notify.camera are coalescible under their own keys") {
    Fixture f;
    FakeRecipient &a = f.join();
    FakeRecipient &b = f.join();
    f.publish(f.write("dims", "main", "current_step", json::array{2, 0}), &a);
    const json::value pan = json::object{{"dx_px", 3.0}, {"dy_px", 0.0}};
    f.publish(f.write("camera", "main", "center", json::array{1.0, 2.0}), &a, "i-2", "pan", &pan);
    for (FakeRecipient *r : {&a, &b}) {
        REQUIRE(r->sent.size() == 2);
        CHECK(r->sent[0].send_class == transport::SendClass::coalescible);
        CHECK(r->sent[0].coalesce_key == "notify.dims");
        CHECK(r->sent[1].coalesce_key == "notify.camera");
        const json::object dims = r->expect("notify.dims");
        CHECK(payload(dims).at("current_step") == json::array{2, 0});
        CHECK(payload(dims).at("actor_id") == "tester");  // the writer, for every member
        CHECK(dims.contains("intent_id") == (r == &a));
        const json::object camera = r->expect("notify.camera");
        CHECK(payload(camera).at("mode") == "pan");  // a relative operation keeps its mode
        CHECK(payload(camera).at("actor_id") == "tester");
        CHECK(payload(camera).at("delta") == pan);
        CHECK(payload(camera).at("state").at("center") == json::array{1.0, 2.0});
    }
    // Hot lanes leave the resumable history alone.
    CHECK(f.broadcaster->history().size(Topic::layers) == 0);
}

TEST_CASE("scene lane: a new notify.scene, with notify.dims first only when what it shows changed") {
    Fixture f;
    FakeRecipient &a = f.join({}, true);
    const std::string first_token(a.expect("notify.scene").at("delta_token").as_string());
    f.publish(f.write("layer", "l1", "opacity", 0.7), &a);
    const std::string layers_token(a.expect("notify.layers").at("delta_token").as_string());

    f.publish(f.write("view", "main", "fps_target", 30), &a);  // notify.dims does not show it
    CHECK(a.types() == std::vector<std::string>{"notify.scene"});
    const json::object scene = a.expect("notify.scene");
    CHECK(scene.at("intent_id") == "i-1");
    CHECK(scene.at("delta_token") != json::value(first_token));

    f.publish(f.write("view", "main", "ndisplay", 3), &a);  // notify.dims shows ndisplay
    CHECK(a.types() == std::vector<std::string>{"notify.dims", "notify.scene"});
    CHECK(payload(a.expect("notify.dims")).at("mode") == "volume");
    a.expect("notify.scene");

    // The snapshot started a new epoch of notify.scene only: the layers token still replays.
    const auto replay = f.broadcaster->history().replay_since(Topic::layers, layers_token);
    CHECK(std::holds_alternative<store::Replay>(replay));
    CHECK(std::holds_alternative<store::BaselineNeeded>(f.broadcaster->history().replay_since(Topic::scene, first_token)));
}

TEST_CASE("a paced replay skips live deltas of its topic and delivers them from the history") {
    Fixture f(700);  // about one notify.layers frame at a time
    FakeRecipient &writer = f.join();
    FakeRecipient &reader = f.join({}, true);
    const std::string scene_token(reader.expect("notify.scene").at("delta_token").as_string());
    f.publish(f.write("layer", "l1", "opacity", 0.01), &writer);
    const std::string from(reader.expect("notify.layers").at("delta_token").as_string());
    for (int i = 2; i <= 6; ++i) f.publish(f.write("layer", "l1", "opacity", i / 100.0), &writer);

    FakeRecipient &back = f.recipients.emplace_back("back", f.dialects.v1());
    f.broadcaster->join(back, {.state_topic = false, .tokens = {{Topic::scene, scene_token}, {Topic::layers, from}}});
    const size_t first_part = back.sent.size();
    CHECK(first_part >= 1);
    CHECK(first_part < 5);
    f.publish(f.write("layer", "l1", "opacity", 0.07), &writer);  // live: waits for the replay
    CHECK(back.sent.size() == first_part);
    std::vector<uint64_t> seqs;
    for (int drains = 0; drains < 20 && (back.sent.empty() || back.sent.back().frame.at("type") != "notify.camera");
         ++drains) {
        back.queued = 0;
        f.broadcaster->drained(back);
    }
    for (const Sent &s : back.sent) {
        if (s.frame.at("type") == "notify.layers") seqs.push_back(s.frame.at("seq").to_number<uint64_t>());
    }
    CHECK(seqs == std::vector<uint64_t>{2, 3, 4, 5, 6, 7});
    CHECK(back.sent.back().frame.at("type") == "notify.camera");
}

TEST_CASE("two dialects: each member gets the publication in its own, with its dialect's attribution") {
    Fixture f;
    FakeRecipient &v1_origin = f.join();
    FakeRecipient &v1_other = f.join();
    FakeRecipient &v2_a = f.join({}, false, 2);
    FakeRecipient &v2_b = f.join({}, false, 2);
    f.publish(f.write("layer", "l1", "opacity", 0.25), &v1_origin, "i-9");
    const json::object a = v1_origin.expect("notify.layers");
    const json::object b = v1_other.expect("notify.layers");
    CHECK(a.at("intent_id") == "i-9");
    CHECK_FALSE(b.contains("intent_id"));  // spec §5.3
    CHECK(payload(b).at("changes") == json::object{{"opacity", 0.25}});
    for (FakeRecipient *r : {&v2_a, &v2_b}) {
        const json::object n = r->expect("notify.layers");
        CHECK(n.at("version") == 2);
        CHECK(n.at("intent_id") == "i-9");  // napari-cuda: the originator's intent to everyone
        CHECK(payload(n) == json::object{{"layer_id", "l1"}, {"controls", {{"opacity", 0.25}}}});
        CHECK(n.at("seq") == a.at("seq"));
        CHECK(n.at("delta_token") == a.at("delta_token"));
    }
    // A change v2 shows nothing of in 2D still reaches v1, and advances the topic for both.
    f.publish(f.write("volume", "l1", "sample_step", 2.0), &v2_a, "i-10");
    CHECK(payload(v1_other.expect("notify.layers")).at("changes") == json::object{{"volume.sample_step", 2.0}});
    CHECK(v2_a.sent.empty());
    CHECK(v2_b.sent.empty());
}

TEST_CASE("a v2 member's baseline: notify.scene, notify.dims, one notify.layers per layer at the current cursor") {
    Fixture f;
    FakeRecipient &r = f.join({}, true, 2);
    CHECK(r.types() == std::vector<std::string>{"notify.scene", "notify.dims", "notify.layers"});
    r.expect("notify.scene");
    CHECK(payload(r.expect("notify.dims")).at("level_shapes") == json::array{json::array{1, 1}});
    const json::object layer = r.expect("notify.layers");
    CHECK(payload(layer) == json::object{{"layer_id", "l1"}, {"controls", {{"opacity", 1.0}}}});
    CHECK(layer.at("delta_token").as_string() == f.broadcaster->cursor(Topic::layers).delta_token);
}

TEST_CASE("a replaced scene: removals where the dialect has them, then a new scene epoch and the baseline to all") {
    Fixture f;
    FakeRecipient &v1 = f.join();
    FakeRecipient &v2 = f.join({}, false, 2);
    const store::Cursor scene_before = f.broadcaster->cursor(Topic::scene);
    // The load: l1 goes, l2 comes (the store is already committed when the broadcaster hears).
    f.store.commit(f.store.replace_plan("layer", std::vector<store::Write>{{"l2", "opacity", 0.5}}, {"a", "scene.load"}));
    f.broadcaster->publish_scene_replaced({"l1"}, {&v1, "c-1", "load", nullptr});

    CHECK(v2.types() == std::vector<std::string>{"notify.layers", "notify.scene", "notify.dims", "notify.layers"});
    CHECK(payload(v2.expect("notify.layers")) == json::object{{"layer_id", "l1"}, {"removed", true}});
    const json::object scene = v2.expect("notify.scene");
    CHECK(scene.at("seq") == 0);
    CHECK(scene.at("delta_token").as_string() != scene_before.delta_token);
    CHECK(payload(scene).at("layers").as_array().size() == 1);
    v2.expect("notify.dims");
    CHECK(payload(v2.expect("notify.layers")) == json::object{{"layer_id", "l2"}, {"controls", {{"opacity", 0.5}}}});

    CHECK(v1.types() == std::vector<std::string>{"notify.scene"});  // v1's snapshot says it all
    const json::object v1_scene = v1.expect("notify.scene");
    CHECK(v1_scene.at("delta_token") == scene.at("delta_token"));
    CHECK(payload(v1_scene).at("layers").at(0).at("layer_id") == "l2");
    // A token from before cannot resume.
    CHECK(std::holds_alternative<store::BaselineNeeded>(
        f.broadcaster->history().replay_since(Topic::scene, scene_before.delta_token)));
}

TEST_CASE("thumbnails: v2 members only, coalesced per layer, kept for the next baseline, dropped for a gone layer") {
    Fixture f;
    FakeRecipient &v1 = f.join();
    FakeRecipient &v2 = f.join({}, false, 2);
    protocol::LayerThumbnail t{"l1", 2, std::vector<uint8_t>(2 * 2 * 4, 255), 10.5};
    f.broadcaster->publish_thumbnail(t);
    CHECK(v1.sent.empty());
    REQUIRE(v2.sent.size() == 1);
    CHECK(v2.sent.front().send_class == transport::SendClass::coalescible);
    CHECK(v2.sent.front().coalesce_key == "notify.layers.thumbnail:l1");
    const json::object frame = v2.expect("notify.layers");
    CHECK(payload(frame).at("thumbnail").at("shape") == json::array{2, 2, 4});
    CHECK(frame.at("delta_token").as_string() == f.broadcaster->cursor(Topic::layers).delta_token);

    FakeRecipient &late = f.join({}, true, 2);
    late.expect("notify.scene");
    late.expect("notify.dims");
    const json::object baseline = late.expect("notify.layers");
    CHECK(payload(baseline).at("metadata").at("thumbnail").at(0).at(0) == json::array{1.0, 1.0, 1.0, 1.0});

    // A resumed v2 session gets them after its replay, with the hot lanes.
    broadcast::Subscription tokens;
    tokens.tokens = {{Topic::scene, f.broadcaster->cursor(Topic::scene).delta_token},
                     {Topic::layers, f.broadcaster->cursor(Topic::layers).delta_token}};
    FakeRecipient &resumed = f.join(tokens, true, 2);
    CHECK(resumed.types() == std::vector<std::string>{"notify.dims", "notify.camera", "notify.layers"});
    resumed.expect("notify.dims");
    resumed.expect("notify.camera");
    CHECK(payload(resumed.expect("notify.layers")).at("thumbnail").at("generated_at") == 10.5);

    t.layer_id = "gone";
    f.broadcaster->publish_thumbnail(t);
    CHECK(v2.sent.empty());
}
