// The audit log's line format, fsync policies, size rotation, open errors, and a real crash:
// a child SIGKILLed mid-run loses none of the entries append() returned for.
#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include "base/clock.hpp"
#include "store/audit_log.hpp"

using namespace scenehost;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

// A fresh directory per test, removed afterwards.
struct TempDir {
    fs::path path = fs::temp_directory_path() / ("scenehost-audit-" + std::to_string(getpid()) + "-" +
                                                 std::to_string(counter()++));
    TempDir() { fs::create_directories(path); }
    ~TempDir() { fs::remove_all(path); }
    static int &counter() {
        static int n = 0;
        return n;
    }
};

std::vector<json::object> read_lines(const fs::path &file) {
    std::vector<json::object> lines;
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);) {
        json::error_code error;
        json::value v = json::parse(line, error);
        INFO(file.string() << ": " << line);
        REQUIRE_FALSE(error);
        REQUIRE(v.is_object());
        lines.push_back(std::move(v.as_object()));
    }
    return lines;
}

store::AuditEntry accepted(uint64_t n) {
    store::AuditEntry e;
    e.time_us = 1'700'000'000'123'456;
    e.actor = "alice";
    e.session = "session-1";
    e.intent_id = "intent-" + std::to_string(n);
    e.scope = "layer";
    e.target = "layer-0";
    e.key = "opacity";
    e.status = "accepted";
    e.requested_value = 0.5;
    e.writes = {{"layer-0", "opacity", 1.0, 0.5, n + 1}};
    e.version = n + 1;
    return e;
}

}  // namespace

TEST_CASE("an accepted intent is one line with every field") {
    TempDir dir;
    base::ManualClock clock;
    auto log = store::AuditLog::open({.path = dir.path / "audit.jsonl"}, clock);
    log->append(accepted(6));
    const auto lines = read_lines(dir.path / "audit.jsonl");
    REQUIRE(lines.size() == 1);
    const json::object &l = lines[0];
    CHECK(l.at("time").as_string() == "2023-11-14T22:13:20.123456Z");
    CHECK(l.at("time_us").as_int64() == 1'700'000'000'123'456);
    CHECK(l.at("actor").as_string() == "alice");
    CHECK(l.at("session").as_string() == "session-1");
    CHECK(l.at("intent_id").as_string() == "intent-6");
    CHECK(l.at("scope").as_string() == "layer");
    CHECK(l.at("target").as_string() == "layer-0");
    CHECK(l.at("key").as_string() == "opacity");
    CHECK(l.at("status").as_string() == "accepted");
    CHECK(l.at("old") == json::value(1.0));
    CHECK(l.at("new") == json::value(0.5));
    CHECK(l.at("version").to_number<uint64_t>() == 7);
    CHECK_FALSE(l.contains("writes"));
    CHECK_FALSE(l.contains("error"));
    CHECK(log->entries_written() == 1);
}

TEST_CASE("a rejected intent records what was asked and why") {
    TempDir dir;
    base::ManualClock clock;
    auto log = store::AuditLog::open({.path = dir.path / "audit.jsonl"}, clock);
    store::AuditEntry e = accepted(1);
    e.status = "rejected";
    e.writes.clear();
    e.requested_value = 7.0;
    e.version = 3;
    e.error_code = "state.out_of_range";
    e.error_message = "layer.opacity must lie in [0, 1]";
    log->append(e);
    const auto l = read_lines(dir.path / "audit.jsonl").at(0);
    CHECK(l.at("status").as_string() == "rejected");
    CHECK(l.at("old").is_null());
    CHECK(l.at("new").is_null());
    CHECK(l.at("requested") == json::value(7.0));
    CHECK(l.at("version").to_number<uint64_t>() == 3);
    CHECK(l.at("error").at("code").as_string() == "state.out_of_range");
    CHECK(l.at("error").at("message").as_string() == "layer.opacity must lie in [0, 1]");
}

TEST_CASE("several writes are all listed; the intent's own write is the headline") {
    TempDir dir;
    base::ManualClock clock;
    auto log = store::AuditLog::open({.path = dir.path / "audit.jsonl"}, clock);
    store::AuditEntry e = accepted(1);
    e.scope = "camera";
    e.target = "main";
    e.key = "zoom";
    e.writes = {{"main", "center", json::array{0, 0}, json::array{1, 1}, 4}, {"main", "zoom", 1.0, 2.0, 5}};
    log->append(e);
    const auto l = read_lines(dir.path / "audit.jsonl").at(0);
    CHECK(l.at("new") == json::value(2.0));
    REQUIRE(l.at("writes").as_array().size() == 2);
    CHECK(l.at("writes").as_array()[0].at("key").as_string() == "center");
    CHECK(l.at("writes").as_array()[0].at("version").to_number<uint64_t>() == 4);
}

TEST_CASE("the log appends to an existing file") {
    TempDir dir;
    base::ManualClock clock;
    store::AuditLog::open({.path = dir.path / "audit.jsonl"}, clock)->append(accepted(1));
    store::AuditLog::open({.path = dir.path / "audit.jsonl"}, clock)->append(accepted(2));
    const auto lines = read_lines(dir.path / "audit.jsonl");
    REQUIRE(lines.size() == 2);
    CHECK(lines[1].at("intent_id").as_string() == "intent-2");
}

TEST_CASE("fsync policies: names and when a batch is due") {
    CHECK(store::parse_fsync_policy("never") == store::FsyncPolicy::never);
    CHECK(store::parse_fsync_policy("batch") == store::FsyncPolicy::batch);
    CHECK(store::parse_fsync_policy("always") == store::FsyncPolicy::always);
    CHECK_FALSE(store::parse_fsync_policy("sometimes").has_value());

    TempDir dir;
    base::ManualClock clock;
    auto log = store::AuditLog::open(
        {.path = dir.path / "a.jsonl", .fsync = store::FsyncPolicy::batch, .batch_entries = 3, .batch_interval_us = 1000},
        clock);
    CHECK_FALSE(log->sync_due());
    log->append(accepted(1));
    CHECK_FALSE(log->sync_due());
    clock.advance_us(1000);
    CHECK(log->sync_due());  // the oldest unsynced entry is old enough
    log->sync();
    CHECK_FALSE(log->sync_due());
    log->append(accepted(2));
    log->append(accepted(3));
    CHECK_FALSE(log->sync_due());
    log->append(accepted(4));  // the third unsynced entry syncs at once
    CHECK_FALSE(log->sync_due());

    auto never = store::AuditLog::open({.path = dir.path / "n.jsonl", .fsync = store::FsyncPolicy::never}, clock);
    never->append(accepted(1));
    clock.advance_us(10'000'000);
    CHECK_FALSE(never->sync_due());
}

TEST_CASE("rotation by size keeps keep_files old files, every line whole") {
    TempDir dir;
    base::ManualClock clock;
    const fs::path path = dir.path / "audit.jsonl";
    const size_t line_bytes = store::AuditLog::format_line(accepted(100)).size() + 1;
    auto log = store::AuditLog::open(
        {.path = path, .fsync = store::FsyncPolicy::never, .rotate_bytes = line_bytes * 10 + 5, .keep_files = 2}, clock);
    for (uint64_t i = 100; i < 145; ++i) log->append(accepted(i));  // 45 lines, 10 per file
    log.reset();
    CHECK(fs::exists(path));
    CHECK(fs::exists(dir.path / "audit.jsonl.1"));
    CHECK(fs::exists(dir.path / "audit.jsonl.2"));
    CHECK_FALSE(fs::exists(dir.path / "audit.jsonl.3"));
    const auto newest = read_lines(path);
    const auto older = read_lines(dir.path / "audit.jsonl.1");
    const auto oldest = read_lines(dir.path / "audit.jsonl.2");
    CHECK(newest.size() == 5);
    CHECK(older.size() == 10);
    CHECK(oldest.size() == 10);
    CHECK(oldest.front().at("intent_id").as_string() == "intent-120");
    CHECK(newest.back().at("intent_id").as_string() == "intent-144");
    CHECK(fs::file_size(dir.path / "audit.jsonl.1") <= line_bytes * 10 + 5);
}

TEST_CASE("a file that cannot be opened is an error naming it") {
    base::ManualClock clock;
    CHECK_THROWS_WITH(store::AuditLog::open({.path = "/no/such/dir/audit.jsonl"}, clock),
                      Catch::Contains("/no/such/dir/audit.jsonl") && Catch::Contains("No such file or directory"));
    TempDir dir;
    CHECK_THROWS_AS(store::AuditLog::open({.path = dir.path}, clock), store::AuditOpenError);
}

TEST_CASE("SIGKILL mid-run loses no entry that append() returned for (fsync always)") {
    TempDir dir;
    const fs::path path = dir.path / "audit.jsonl";
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    const pid_t child = fork();
    if (child == 0) {
        close(fds[0]);
        base::SystemClock clock;
        auto log = store::AuditLog::open({.path = path, .fsync = store::FsyncPolicy::always}, clock);
        for (uint32_t i = 0; i < 1'000'000; ++i) {
            log->append(accepted(i));
            if (write(fds[1], &i, sizeof i) != sizeof i) _exit(3);
        }
        _exit(0);
    }
    close(fds[1]);
    std::vector<uint32_t> reported;
    uint32_t index = 0;
    while (reported.size() < 200 && read(fds[0], &index, sizeof index) == sizeof index) reported.push_back(index);
    kill(child, SIGKILL);
    while (read(fds[0], &index, sizeof index) == sizeof index) reported.push_back(index);
    close(fds[0]);
    int status = 0;
    waitpid(child, &status, 0);
    REQUIRE(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGKILL);

    const auto lines = read_lines(path);  // every line parses: nothing torn
    REQUIRE(lines.size() >= reported.size());
    for (size_t i = 0; i < lines.size(); ++i) {
        CHECK(lines[i].at("intent_id").as_string() == "intent-" + std::to_string(i));  // in order, no duplicates
    }
    CHECK(reported.size() >= 200);
    CHECK(reported.back() + 1 <= lines.size());  // every reported entry is present
}
