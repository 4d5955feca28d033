// The engine routes by scope, checks base_version, writes the audit line and only then applies a
// reducer's writes, for accepted and rejected intents alike; refusals at the boundary are audited.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sys/resource.h>
#include <unistd.h>
#include <vector>

#include "base/clock.hpp"
#include "engine/state_engine.hpp"
#include "support/child_process.hpp"

using namespace scenehost;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

struct Fixture {
    fs::path audit_path = fs::temp_directory_path() / ("scenehost-engine-" + std::to_string(getpid()) + ".jsonl");
    base::ManualClock clock;
    store::SceneStore store{clock};
    plugin::PluginRegistry plugins = load();
    std::unique_ptr<store::AuditLog> audit;
    std::optional<engine::StateEngine> engine;

    Fixture() {
        fs::remove(audit_path);
        audit = store::AuditLog::open({.path = audit_path, .fsync = store::FsyncPolicy::never}, clock);
        engine.emplace(store, plugins, *audit, clock);
        engine->seed(R"({"layers":[]})");
    }
    ~Fixture() { fs::remove(audit_path); }

    static plugin::PluginRegistry load() {
        const std::vector<fs::path> dirs = {fs::path(SCENEHOST_FIXTURE_PLUGIN_DIR) / "good_echo"};
        return plugin::PluginRegistry::load(dirs);
    }

    engine::Outcome apply(std::string_view scope, std::string_view target, std::string_view key, const json::value &value,
                          std::optional<uint64_t> base_version = std::nullopt) {
        return engine->apply({scope, target, key, value, base_version}, {"alice", "session-1", "intent-1"});
    }

    std::vector<json::object> audit_lines() const {
        std::vector<json::object> lines;
        std::ifstream in(audit_path);
        for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line).as_object());
        return lines;
    }
};

const engine::Accepted &accepted(const engine::Outcome &o) {
    REQUIRE(std::holds_alternative<engine::Accepted>(o));
    return std::get<engine::Accepted>(o);
}

const engine::Rejected &rejected(const engine::Outcome &o) {
    REQUIRE(std::holds_alternative<engine::Rejected>(o));
    return std::get<engine::Rejected>(o);
}

}  // namespace

TEST_CASE("seeding writes every reducer's initial values") {
    Fixture f;
    CHECK(f.store.find("fixture", "main", "level")->value == json::value(0.5));
    CHECK(f.store.find("fixture", "main", "level")->origin == "seed");
    CHECK(f.audit_lines().empty());  // seeding is not a client intent
}

TEST_CASE("an accepted intent is applied, versioned and audited before apply returns") {
    Fixture f;
    const auto outcome = f.apply("fixture", "layer-0", "level", 0.75);
    const auto &a = accepted(outcome);
    CHECK(a.applied_value == json::value(0.75));
    CHECK(a.version == f.store.scope_version("fixture"));
    REQUIRE(a.changes.changes.size() == 1);
    CHECK(f.store.find("fixture", "layer-0", "level")->actor_id == "alice");
    const auto lines = f.audit_lines();
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].at("status").as_string() == "accepted");
    CHECK(lines[0].at("session").as_string() == "session-1");
    CHECK(lines[0].at("intent_id").as_string() == "intent-1");
    CHECK(lines[0].at("old").is_null());
    CHECK(lines[0].at("new") == json::value(0.75));
    CHECK(lines[0].at("version").to_number<uint64_t>() == a.version);
}

TEST_CASE("rewriting the current value is accepted with the existing version and no change") {
    Fixture f;
    const uint64_t v1 = accepted(f.apply("fixture", "main", "label", "hello")).version;
    const auto again = f.apply("fixture", "main", "label", "hello");
    CHECK(accepted(again).version == v1);
    CHECK(accepted(again).changes.changes.empty());
    CHECK(f.audit_lines().size() == 2);
}

TEST_CASE("a stale base_version is a conflict carrying the current value and version") {
    Fixture f;
    const uint64_t v = accepted(f.apply("fixture", "main", "level", 0.25)).version;
    CHECK(std::holds_alternative<engine::Accepted>(f.apply("fixture", "main", "level", 0.3, v)));
    const auto stale = f.apply("fixture", "main", "level", 0.9, v);
    const auto &r = rejected(stale);
    CHECK(r.code == "state.conflict");
    CHECK(r.details.at("current_value") == json::value(0.3));
    CHECK(r.details.at("current_version").to_number<uint64_t>() == v + 1);
    CHECK(r.details.at("base_version").to_number<uint64_t>() == v);
    CHECK(r.version == v + 1);
    CHECK(f.store.find("fixture", "main", "level")->value == json::value(0.3));  // nothing written
    CHECK(f.audit_lines().back().at("error").at("code").as_string() == "state.conflict");
}

TEST_CASE("an unknown scope is rejected naming the scopes there are") {
    Fixture f;
    const auto outcome = f.apply("lighting", "main", "level", 1);
    CHECK(rejected(outcome).code == "state.unknown_scope");
    CHECK(rejected(outcome).message == "scope 'lighting' is not one of: fixture");
    CHECK(f.audit_lines().back().at("status").as_string() == "rejected");
}

TEST_CASE("a reducer's rejection reaches the caller and the audit log") {
    Fixture f;
    const auto outcome = f.apply("fixture", "main", "shininess", 1);
    CHECK(rejected(outcome).code == "state.unknown_key");
    const auto line = f.audit_lines().back();
    CHECK(line.at("requested") == json::value(1));
    CHECK(line.at("error").at("message").as_string() == "key 'shininess' is not one of level, label, misc");
}

TEST_CASE("a number beyond a double is refused before any reducer sees it, and audited as text") {
    Fixture f;
    const auto outcome = f.apply("fixture", "layer-0", "level", json::parse("1e999"));
    const auto &r = rejected(outcome);
    CHECK(r.code == "state.invalid_value");
    CHECK_THAT(r.message, Catch::Contains("outside the range of a double"));
    const auto lines = f.audit_lines();
    REQUIRE_FALSE(lines.empty());
    CHECK(lines.back().at("requested") == "inf");
}

TEST_CASE("audit before apply: an intent the log cannot record leaves the store and its subscribers untouched") {
    // In a child: the file size limit must not touch the test process. It reports on stderr.
    const test::ChildEnd end = test::run_in_child([] {
        signal(SIGXFSZ, SIG_IGN);  // write(2) fails with EFBIG instead
        Fixture f;
        int notified = 0;
        json::value seen;  // what the last subscriber call showed
        f.store.subscribe([&](const store::ChangeSet &c) {
            ++notified;
            seen = c.changes.back().new_value;
        });
        const rlimit limit{4096, 4096};
        setrlimit(RLIMIT_FSIZE, &limit);
        int accepted_count = 0;
        for (int i = 1; i <= 1000; ++i) {
            const auto before_version = f.store.scope_version("fixture");
            const auto outcome = f.apply("fixture", "layer-0", "level", i / 1000.0);
            if (std::holds_alternative<engine::Accepted>(outcome)) {
                ++accepted_count;
                continue;
            }
            const bool not_recorded = std::holds_alternative<engine::NotRecorded>(outcome);
            const json::value stored = f.store.find("fixture", "layer-0", "level")->value;
            std::fprintf(stderr, "accepted=%d notified=%d not_recorded=%d version_same=%d stored=%s seen=%s reason=%s\n",
                         accepted_count, notified, int(not_recorded),
                         int(f.store.scope_version("fixture") == before_version), json::serialize(stored).c_str(),
                         json::serialize(seen).c_str(),
                         not_recorded ? std::get<engine::NotRecorded>(outcome).reason.c_str() : "");
            fs::remove(f.audit_path);
            _exit(0);
        }
        std::fprintf(stderr, "the log never failed\n");
        fs::remove(f.audit_path);
        _exit(1);
    });
    INFO(end.stderr_text);
    REQUIRE(end.signal == 0);
    REQUIRE(end.exit_code == 0);
    int accepted_count = 0, notified = 0, not_recorded = 0, version_same = 0;
    REQUIRE(std::sscanf(end.stderr_text.c_str(), "accepted=%d notified=%d not_recorded=%d version_same=%d",
                        &accepted_count, &notified, &not_recorded, &version_same) == 4);
    CHECK(accepted_count > 0);
    CHECK(not_recorded == 1);
    CHECK(version_same == 1);
    CHECK(notified == accepted_count);  // the unrecorded change was never shown to a subscriber
    // The store and the subscriber's last view both hold the last recorded value.
    const std::string last = json::serialize(json::value(accepted_count / 1000.0));
    CHECK_THAT(end.stderr_text, Catch::Contains("stored=" + last + " seen=" + last));
    CHECK_THAT(end.stderr_text, Catch::Contains("File too large"));
}

TEST_CASE("a refusal at the boundary is audited with what could be read of the intent") {
    Fixture f;
    const json::value value = 0.5;
    CHECK_FALSE(f.engine->record_refusal({"fixture", "main", "level", value, "state.rate_limited", "more than 5/s"},
                                         {"alice", "session-1", "intent-9"}));
    const json::value unread;
    CHECK_FALSE(f.engine->record_refusal({"", "", "", unread, "protocol.invalid_payload", "payload.key is required"},
                                         {"alice", "session-1", "intent-10"}));
    const auto lines = f.audit_lines();
    REQUIRE(lines.size() == 2);
    CHECK(lines[0].at("status") == "rejected");
    CHECK(lines[0].at("intent_id") == "intent-9");
    CHECK(lines[0].at("scope") == "fixture");
    CHECK(lines[0].at("requested") == 0.5);
    CHECK(lines[0].at("error").at("code") == "state.rate_limited");
    CHECK(lines[1].at("intent_id") == "intent-10");
    CHECK(lines[1].at("error").at("code") == "protocol.invalid_payload");
    CHECK(lines[1].at("error").at("message") == "payload.key is required");
    CHECK(f.store.find("fixture", "main", "level")->value == json::value(0.5));  // the seed, unchanged
}
