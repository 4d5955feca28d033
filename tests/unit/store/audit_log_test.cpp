// The audit log's line format, fsync policies, size rotation, open errors, fatal write errors,
// and a real crash: a child SIGKILLed mid-run loses none of the entries append() returned for.
#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <iterator>
#include <string>
#include <sys/resource.h>
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

std::string read_file(const fs::path &file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Every line of the file, each required to be newline-terminated and a JSON object.
std::vector<json::object> read_lines(const fs::path &file) {
    const std::string text = read_file(file);
    INFO(file.string());
    REQUIRE((text.empty() || text.back() == '\n'));  // no torn last line
    std::vector<json::object> lines;
    for (size_t start = 0; start < text.size();) {
        const size_t end = text.find('\n', start);
        const std::string line = text.substr(start, end - start);
        start = end + 1;
        json::error_code error;
        json::value v = json::parse(line, error);
        INFO(line);
        REQUIRE_FALSE(error);
        REQUIRE(v.is_object());
        lines.push_back(std::move(v.as_object()));
    }
    return lines;
}

std::vector<std::string> keys(const json::object &o) {
    std::vector<std::string> out;
    for (const auto &field : o) out.emplace_back(field.key());
    return out;
}

const std::vector<std::string> kHeadKeys = {"time",  "time_us", "actor",  "session", "intent_id", "scope",
                                            "target", "key",    "status", "old",     "new",       "version"};

std::vector<std::string> head_plus(std::vector<std::string> tail) {
    std::vector<std::string> all = kHeadKeys;
    all.insert(all.end(), tail.begin(), tail.end());
    return all;
}

store::AuditEntry accepted(uint64_t n, base::TimeUs time_us = 1'700'000'000'123'456) {
    store::AuditEntry e;
    e.time_us = time_us;
    e.actor = "alice";
    e.session = "session-1";
    e.intent_id = "intent-" + std::to_string(n);
    e.scope = "layer";
    e.target = "layer-0";
    e.key = "opacity";
    e.status = "accepted";
    e.requested_value = 0.5;
    e.writes = {{"layer-0", "opacity", 1.0, 0.5, n + 1, {}, false}};
    e.version = n + 1;
    return e;
}

uint64_t intent_number(const json::object &line) {
    const json::string &id = line.at("intent_id").as_string();
    return std::stoull(std::string(id.subview(std::string_view("intent-").size())));
}

}  // namespace

TEST_CASE("an accepted intent is one line with every field, in order") {
    TempDir dir;
    base::ManualClock clock;
    clock.advance_us(123'456);
    auto log = store::AuditLog::open({.path = dir.path / "audit.jsonl"}, clock);
    log->append(accepted(6, clock.now_us()));
    const auto lines = read_lines(dir.path / "audit.jsonl");
    REQUIRE(lines.size() == 1);
    const json::object &l = lines[0];
    CHECK(keys(l) == kHeadKeys);
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
    CHECK(log->entries_written() == 1);
    CHECK(log->bytes_written() == store::AuditLog::format_line(accepted(6, clock.now_us())).size() + 1);
    CHECK(fs::file_size(dir.path / "audit.jsonl") == log->bytes_written());
}

TEST_CASE("the time field is UTC with microseconds, also before 1970") {
    store::AuditEntry e = accepted(1, 0);
    CHECK(json::parse(store::AuditLog::format_line(e)).at("time").as_string() == "1970-01-01T00:00:00.000000Z");
    e.time_us = 1'795'564'741'123'456;
    CHECK(json::parse(store::AuditLog::format_line(e)).at("time").as_string() == "2026-11-24T23:59:01.123456Z");
    e.time_us = -1;
    CHECK(json::parse(store::AuditLog::format_line(e)).at("time").as_string() == "1969-12-31T23:59:59.999999Z");
}

TEST_CASE("a rejected intent records what was asked and why") {
    TempDir dir;
    base::ManualClock clock;
    auto log = store::AuditLog::open({.path = dir.path / "audit.jsonl"}, clock);
    store::AuditEntry e = accepted(1, clock.now_us());
    e.status = "rejected";
    e.writes.clear();
    e.requested_value = 7.0;
    e.version = 3;
    e.error_code = "state.out_of_range";
    e.error_message = "layer.opacity must lie in [0, 1]";
    log->append(e);
    const auto l = read_lines(dir.path / "audit.jsonl").at(0);
    CHECK(keys(l) == head_plus({"requested", "error"}));
    CHECK(l.at("time").as_string() == "2023-11-14T22:13:20.000000Z");
    CHECK(l.at("status").as_string() == "rejected");
    CHECK(l.at("old").is_null());
    CHECK(l.at("new").is_null());
    CHECK(l.at("requested") == json::value(7.0));
    CHECK(l.at("version").to_number<uint64_t>() == 3);
    CHECK(keys(l.at("error").as_object()) == std::vector<std::string>{"code", "message"});
    CHECK(l.at("error").at("code").as_string() == "state.out_of_range");
    CHECK(l.at("error").at("message").as_string() == "layer.opacity must lie in [0, 1]");
}

TEST_CASE("several writes are all listed, the intent's own write is the headline") {
    TempDir dir;
    base::ManualClock clock;
    auto log = store::AuditLog::open({.path = dir.path / "audit.jsonl"}, clock);
    store::AuditEntry e = accepted(1);
    e.scope = "camera";
    e.target = "main";
    e.key = "zoom";
    e.requested_value = 2.0;
    e.version = 5;
    e.writes = {{"main", "center", json::array{0, 0}, json::array{1, 1}, 4, {}, false}, {"main", "zoom", 1.0, 2.0, 5, {}, false}};
    log->append(e);
    const auto l = read_lines(dir.path / "audit.jsonl").at(0);
    CHECK(keys(l) == head_plus({"writes"}));
    CHECK(l.at("old") == json::value(1.0));
    CHECK(l.at("new") == json::value(2.0));
    CHECK(l.at("version").to_number<uint64_t>() == 5);
    const json::array &writes = l.at("writes").as_array();
    REQUIRE(writes.size() == 2);
    CHECK(keys(writes[0].as_object()) == std::vector<std::string>{"target", "key", "old", "new", "version"});
    CHECK(writes[0].at("target").as_string() == "main");
    CHECK(writes[0].at("key").as_string() == "center");
    CHECK(writes[0].at("old") == json::value(json::array{0, 0}));
    CHECK(writes[0].at("new") == json::value(json::array{1, 1}));
    CHECK(writes[0].at("version").to_number<uint64_t>() == 4);
    CHECK(writes[1].at("key").as_string() == "zoom");
    CHECK(writes[1].at("version").to_number<uint64_t>() == 5);
}

TEST_CASE("without a write of its own key the first write is the headline") {
    store::AuditEntry e = accepted(1);
    e.scope = "camera";
    e.target = "main";
    e.key = "orbit";
    e.writes = {{"main", "angles", json::array{0, 0, 0}, json::array{0, 30, 0}, 8, {}, false}};
    const json::object l = json::parse(store::AuditLog::format_line(e)).as_object();
    CHECK(l.at("old") == json::value(json::array{0, 0, 0}));
    CHECK(l.at("new") == json::value(json::array{0, 30, 0}));
    // The head names the intent's key, so the write that landed elsewhere is listed (recovery replays it).
    REQUIRE(l.at("writes").as_array().size() == 1);
    CHECK(l.at("writes").at(0).at("key") == "angles");
    CHECK(l.at("writes").at(0).at("version") == 8);
}

TEST_CASE("an accepted intent that changed nothing has null old and new") {
    store::AuditEntry e = accepted(1);
    e.writes.clear();
    const json::object l = json::parse(store::AuditLog::format_line(e)).as_object();
    CHECK(keys(l) == kHeadKeys);
    CHECK(l.at("old").is_null());
    CHECK(l.at("new").is_null());
}

TEST_CASE("the log appends to an existing file") {
    TempDir dir;
    base::ManualClock clock;
    const fs::path path = dir.path / "audit.jsonl";
    store::AuditLog::open({.path = path}, clock)->append(accepted(1));
    auto log = store::AuditLog::open({.path = path}, clock);
    log->append(accepted(2));
    CHECK(log->entries_written() == 1);
    const auto lines = read_lines(path);
    REQUIRE(lines.size() == 2);
    CHECK(lines[0].at("intent_id").as_string() == "intent-1");
    CHECK(lines[1].at("intent_id").as_string() == "intent-2");
}

TEST_CASE("a torn last line from a crash is closed before appending") {
    TempDir dir;
    base::ManualClock clock;
    const fs::path path = dir.path / "audit.jsonl";
    const std::string whole = store::AuditLog::format_line(accepted(1)) + "\n";
    std::ofstream(path, std::ios::binary) << whole << R"({"time":"2023-11-)";
    store::AuditLog::open({.path = path}, clock)->append(accepted(3));
    const std::string text = read_file(path);
    CHECK(text == whole + R"({"time":"2023-11-)" + "\n" + store::AuditLog::format_line(accepted(3)) + "\n");
}

TEST_CASE("fsync policies: names and when a sync is due") {
    CHECK(store::parse_fsync_policy("never") == store::FsyncPolicy::never);
    CHECK(store::parse_fsync_policy("batch") == store::FsyncPolicy::batch);
    CHECK(store::parse_fsync_policy("always") == store::FsyncPolicy::always);
    CHECK_FALSE(store::parse_fsync_policy("sometimes").has_value());
    CHECK_FALSE(store::parse_fsync_policy("Always").has_value());
    CHECK_FALSE(store::parse_fsync_policy("").has_value());

    TempDir dir;
    base::ManualClock clock;

    SECTION("batch: due by age") {
        auto log = store::AuditLog::open({.path = dir.path / "a.jsonl",
                                          .fsync = store::FsyncPolicy::batch,
                                          .batch_entries = 3,
                                          .batch_interval_us = 1000},
                                         clock);
        CHECK_FALSE(log->sync_due());
        log->append(accepted(1));
        CHECK_FALSE(log->sync_due());
        clock.advance_us(999);
        log->append(accepted(2));  // the age counts from the oldest unsynced entry
        CHECK_FALSE(log->sync_due());
        clock.advance_us(1);
        CHECK(log->sync_due());
        CHECK(log->syncs() == 0);
        log->sync();
        CHECK(log->syncs() == 1);
        CHECK_FALSE(log->sync_due());
        log->sync();  // nothing unsynced: no fdatasync
        CHECK(log->syncs() == 1);
        clock.advance_us(5000);
        CHECK_FALSE(log->sync_due());  // nothing unsynced, however long ago
    }
    SECTION("batch: due by count, synced at append") {
        auto log = store::AuditLog::open({.path = dir.path / "a.jsonl",
                                          .fsync = store::FsyncPolicy::batch,
                                          .batch_entries = 3,
                                          .batch_interval_us = 1000},
                                         clock);
        log->append(accepted(1));
        log->append(accepted(2));
        CHECK_FALSE(log->sync_due());
        CHECK(log->syncs() == 0);
        log->append(accepted(3));  // the third unsynced entry syncs at once
        CHECK(log->syncs() == 1);
        CHECK_FALSE(log->sync_due());
        log->append(accepted(4));
        clock.advance_us(1000);
        log->append(accepted(5));  // the oldest unsynced entry is old enough at append
        CHECK(log->syncs() == 2);
    }
    SECTION("always: one fdatasync per line") {
        auto log = store::AuditLog::open({.path = dir.path / "a.jsonl", .fsync = store::FsyncPolicy::always}, clock);
        for (uint64_t i = 0; i < 5; ++i) log->append(accepted(i));
        CHECK(log->syncs() == 5);
        CHECK_FALSE(log->sync_due());
    }
    SECTION("never: never due, never synced") {
        auto log = store::AuditLog::open({.path = dir.path / "n.jsonl", .fsync = store::FsyncPolicy::never}, clock);
        for (uint64_t i = 0; i < 100; ++i) log->append(accepted(i));
        clock.advance_us(10'000'000);
        CHECK_FALSE(log->sync_due());
        log->sync();
        CHECK(log->syncs() == 0);
        CHECK(read_lines(dir.path / "n.jsonl").size() == 100);  // in the kernel all the same
    }
}

TEST_CASE("rotation by size keeps keep_files old files, every line whole") {
    TempDir dir;
    base::ManualClock clock;
    const fs::path path = dir.path / "audit.jsonl";
    // Entries 100..199 all serialize to lines of one length.
    const uint64_t line_bytes = store::AuditLog::format_line(accepted(100)).size() + 1;
    const uint64_t rotate_bytes = line_bytes * 10 + 5;  // 10 lines per file
    const unsigned keep_files = 3;
    auto log = store::AuditLog::open(
        {.path = path, .fsync = store::FsyncPolicy::batch, .rotate_bytes = rotate_bytes, .keep_files = keep_files},
        clock);
    for (uint64_t i = 100; i < 200; ++i) log->append(accepted(i));
    CHECK(log->entries_written() == 100);
    CHECK(log->syncs() == 9);  // each rotation syncs the file it closes
    log.reset();

    // Oldest first: path.3, path.2, path.1, path.
    std::vector<fs::path> files;
    for (unsigned i = keep_files; i >= 1; --i) files.push_back(dir.path / ("audit.jsonl." + std::to_string(i)));
    files.push_back(path);
    CHECK_FALSE(fs::exists(dir.path / "audit.jsonl.4"));
    size_t file_count = 0;
    for (const auto &entry : fs::directory_iterator(dir.path)) file_count += entry.is_regular_file() ? 1 : 0;
    CHECK(file_count == keep_files + 1);

    std::vector<uint64_t> numbers;
    for (const fs::path &file : files) {
        REQUIRE(fs::exists(file));
        CHECK(fs::file_size(file) <= rotate_bytes);
        const auto lines = read_lines(file);  // each file ends in a newline: no line split across files
        CHECK(lines.size() == 10u);
        for (const auto &line : lines) numbers.push_back(intent_number(line));
    }
    // The newest 40 survive, in order; the 60 in dropped files are gone.
    REQUIRE(numbers.size() == 100 - 60);
    for (size_t i = 0; i < numbers.size(); ++i) CHECK(numbers[i] == 160 + i);
}

TEST_CASE("rotation counts the size the file had at open") {
    TempDir dir;
    base::ManualClock clock;
    const fs::path path = dir.path / "audit.jsonl";
    const uint64_t line_bytes = store::AuditLog::format_line(accepted(100)).size() + 1;
    const store::AuditConfig config{.path = path, .rotate_bytes = line_bytes * 3, .keep_files = 2};
    {
        auto log = store::AuditLog::open(config, clock);
        log->append(accepted(100));
        log->append(accepted(101));
    }
    auto log = store::AuditLog::open(config, clock);
    log->append(accepted(102));  // exactly fills the file
    CHECK_FALSE(fs::exists(dir.path / "audit.jsonl.1"));
    log->append(accepted(103));  // would exceed it
    REQUIRE(fs::exists(dir.path / "audit.jsonl.1"));
    CHECK(read_lines(dir.path / "audit.jsonl.1").size() == 3);
    CHECK(read_lines(path).size() == 1);
}

TEST_CASE("keep_files 0 drops the full file, rotate_bytes 0 never rotates") {
    TempDir dir;
    base::ManualClock clock;
    const uint64_t line_bytes = store::AuditLog::format_line(accepted(100)).size() + 1;
    {
        auto log = store::AuditLog::open(
            {.path = dir.path / "a.jsonl", .rotate_bytes = line_bytes * 2, .keep_files = 0}, clock);
        for (uint64_t i = 100; i < 105; ++i) log->append(accepted(i));
    }
    CHECK_FALSE(fs::exists(dir.path / "a.jsonl.1"));
    const auto kept = read_lines(dir.path / "a.jsonl");
    REQUIRE(kept.size() == 1);
    CHECK(intent_number(kept[0]) == 104);

    {
        auto log = store::AuditLog::open({.path = dir.path / "b.jsonl", .rotate_bytes = 0}, clock);
        for (uint64_t i = 100; i < 150; ++i) log->append(accepted(i));
    }
    CHECK_FALSE(fs::exists(dir.path / "b.jsonl.1"));
    CHECK(read_lines(dir.path / "b.jsonl").size() == 50);
}

TEST_CASE("a file that cannot be opened is an error naming it and the reason") {
    base::ManualClock clock;
    CHECK_THROWS_AS(store::AuditLog::open({.path = "/no/such/dir/audit.jsonl"}, clock), store::AuditOpenError);
    CHECK_THROWS_WITH(store::AuditLog::open({.path = "/no/such/dir/audit.jsonl"}, clock),
                      Catch::StartsWith("audit log /no/such/dir/audit.jsonl: cannot open: No such file or directory") &&
                          Catch::Contains("directory /no/such/dir does not exist"));
    CHECK_FALSE(fs::exists("/no/such/dir"));  // never created

    TempDir dir;
    CHECK_THROWS_AS(store::AuditLog::open({.path = dir.path}, clock), store::AuditOpenError);
    CHECK_THROWS_WITH(store::AuditLog::open({.path = dir.path}, clock),
                      Catch::Contains("audit log " + dir.path.string() + ": cannot open: Is a directory"));

    if (geteuid() != 0) {  // root writes through file modes
        const fs::path read_only = dir.path / "read-only.jsonl";
        std::ofstream(read_only) << "";
        fs::permissions(read_only, fs::perms::owner_read);
        CHECK_THROWS_WITH(store::AuditLog::open({.path = read_only}, clock),
                          Catch::Contains("audit log " + read_only.string() + ": cannot open: Permission denied"));
    }
}

TEST_CASE("a write failure after open throws AuditWriteError naming the file and the OS reason") {
    TempDir dir;
    const fs::path path = dir.path / "audit.jsonl";
    int out_pipe[2];
    REQUIRE(pipe(out_pipe) == 0);
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {  // the file size limit must not touch the test process
        signal(SIGXFSZ, SIG_IGN);  // make write(2) fail with EFBIG instead
        close(out_pipe[0]);
        const rlimit limit{4096, 4096};
        setrlimit(RLIMIT_FSIZE, &limit);
        std::string report;
        base::ManualClock clock;
        auto log = store::AuditLog::open({.path = path, .fsync = store::FsyncPolicy::never}, clock);
        uint64_t appended = 0;
        try {
            for (; appended < 1000; ++appended) log->append(accepted(appended));
            report = "no failure";
        } catch (const store::AuditWriteError &e) {
            report = std::to_string(appended) + " " + std::to_string(log->failed()) + " " + e.what();
        }
        const ssize_t n = write(out_pipe[1], report.data(), report.size());
        _exit(n == ssize_t(report.size()) ? 0 : 3);
    }
    close(out_pipe[1]);
    std::string report;
    char buffer[512];
    for (ssize_t n; (n = read(out_pipe[0], buffer, sizeof buffer)) > 0;) report.append(buffer, static_cast<size_t>(n));
    close(out_pipe[0]);
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    INFO(report);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    std::istringstream fields(report);
    uint64_t appended = 0;
    int failed = 0;
    fields >> appended >> failed;
    CHECK(appended > 0);
    CHECK(failed == 1);
    CHECK_THAT(report, Catch::Contains("audit log " + path.string() + ": write failed: File too large"));

    // Every entry append() returned for is there; the torn one is closed off at the next open.
    base::ManualClock clock;
    store::AuditLog::open({.path = path, .fsync = store::FsyncPolicy::never}, clock);
    std::ifstream in(path);
    uint64_t whole = 0;
    for (std::string line; std::getline(in, line);) {
        boost::system::error_code error;
        const auto parsed = json::parse(line, error);
        if (!error && parsed.as_object().contains("intent_id")) ++whole;
    }
    CHECK(whole == appended);
}

TEST_CASE("SIGKILL mid-run loses no entry that append() returned for (fsync always)") {
    TempDir dir;
    const fs::path path = dir.path / "audit.jsonl";
    constexpr uint32_t kEntries = 100'000;
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        // A fresh single-threaded process: the log is safe to use; leave only through _exit.
        close(fds[0]);
        signal(SIGABRT, SIG_DFL);
        try {
            base::SystemClock clock;
            auto log = store::AuditLog::open({.path = path, .fsync = store::FsyncPolicy::always}, clock);
            for (uint32_t i = 0; i < kEntries; ++i) {
                log->append(accepted(i));
                if (write(fds[1], &i, sizeof i) != sizeof i) _exit(3);  // reported only once append() returned
            }
        } catch (const std::exception &) {
            _exit(2);
        }
        _exit(0);
    }
    close(fds[1]);
    std::vector<uint32_t> reported;
    uint32_t index = 0;
    while (reported.size() < 200 && read(fds[0], &index, sizeof index) == sizeof index) reported.push_back(index);
    kill(child, SIGKILL);
    while (read(fds[0], &index, sizeof index) == sizeof index) reported.push_back(index);  // until the child is gone
    close(fds[0]);
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    REQUIRE(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGKILL);
    REQUIRE(reported.size() >= 200);
    REQUIRE(reported.size() < kEntries);  // killed mid-run, not after

    for (size_t i = 0; i < reported.size(); ++i) REQUIRE(reported[i] == i);
    // SIGKILL may cut the one write(2) that never returned; that unacknowledged line may be torn.
    // Everything acknowledged before it must be whole, so drop only such a trailing fragment.
    std::string text = read_file(path);
    if (!text.empty() && text.back() != '\n') {
        const size_t keep = text.rfind('\n') + 1;  // npos + 1 == 0: the fragment is the whole file
        text.resize(keep);
        std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
    }
    const auto lines = read_lines(path);  // every remaining line parses and is newline-terminated
    // Every reported entry is there; at most one more was written but not yet reported.
    CHECK(lines.size() >= reported.size());
    CHECK(lines.size() <= reported.size() + 1);
    size_t out_of_place = 0;
    for (size_t i = 0; i < lines.size(); ++i) out_of_place += intent_number(lines[i]) == i ? 0 : 1;
    CHECK(out_of_place == 0);  // in order, no duplicates, no gaps
}
