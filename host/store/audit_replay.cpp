// Reads the audit log's JSON lines back (the format AuditLog::format_line writes) and applies
// the accepted intents' writes by version.
#include "store/audit_replay.hpp"

#include <boost/json/parse.hpp>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <map>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include "base/assert.hpp"
#include "store/audit_log.hpp"
#include "store/state_fields.hpp"

namespace scenehost::store {
namespace {

// One write of an accepted line.
struct LoggedWrite {
    std::string scope;
    std::string target;
    std::string key;
    boost::json::value old_value;
    boost::json::value new_value;
    uint64_t version = 0;
    bool removed = false;
};

// The whole file, and its size; a missing file reads as empty.
std::string read_log(const std::filesystem::path &log) {
    const int fd = ::open(log.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) return {};
    if (fd < 0) throw RecoveryError(fmt::format("{}: cannot open: {}", log.string(), std::strerror(errno)));
    std::string text;
    char buffer[1 << 16];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            const int error = errno;
            ::close(fd);
            throw RecoveryError(fmt::format("{}: cannot read: {}", log.string(), std::strerror(error)));
        }
        if (n == 0) break;
        text.append(buffer, size_t(n));
    }
    ::close(fd);
    return text;
}

// Cuts the file to `size` bytes, durably when sync.
void truncate_log(const std::filesystem::path &log, uint64_t size, bool sync) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CLOEXEC);
    int error = fd < 0 ? errno : 0;
    if (error == 0 && ::ftruncate(fd, off_t(size)) != 0) error = errno;
    if (error == 0 && sync && ::fdatasync(fd) != 0) error = errno;
    if (fd >= 0) ::close(fd);
    if (error != 0) {
        throw RecoveryError(fmt::format("{}: cannot cut off its torn last line: {}", log.string(), std::strerror(error)));
    }
}

// The writes an accepted line records.
std::vector<LoggedWrite> logged_writes(const StateFields &line, bool load) {
    std::vector<LoggedWrite> writes;
    if (!line.has("writes")) {
        if (load) line.fail("a scene load lists its writes");
        writes.push_back({std::string(line.string("scope")), std::string(line.string("target")),
                          std::string(line.string("key")), line.value("old"), line.value("new"), line.uint("version")});
        return writes;
    }
    const boost::json::array &array = line.array("writes");
    for (size_t i = 0; i < array.size(); ++i) {
        const StateFields w = line.element(array[i], fmt::format("{}: writes[{}]", line.where(), i));
        w.only({"scope", "target", "key", "old", "new", "version", "removed"});
        if (w.has("scope") != load) w.fail(load ? "a scene load's write names its scope" : "only a scene load's writes name a scope");
        writes.push_back({std::string(load ? w.string("scope") : line.string("scope")), std::string(w.string("target")),
                          std::string(w.string("key")), w.value("old"), w.value("new"), w.uint("version"),
                          w.has("removed") && w.boolean("removed")});
        if (writes.back().removed && !load) w.fail("only a scene load removes records");
        if (writes.back().removed && !writes.back().new_value.is_null()) w.fail("a removal's new value is null");
    }
    return writes;
}

class Replayer {
public:
    Replayer(SceneStore &store, const RecordCheck &check) : store_(store), check_(check) {
        for (std::string_view scope : store.scopes()) snapshot_versions_[std::string(scope)] = store.scope_version(scope);
    }

    // Applies what the store does not hold of one line's writes; returns whether anything was new.
    bool apply(const StateFields &line, const std::vector<LoggedWrite> &writes, bool load) {
        const std::string actor(line.string("actor"));
        const int64_t time_us = line.int64("time_us");
        bool applied = false;
        for (const LoggedWrite &w : writes) {
            const std::string at = fmt::format("{}/{}/{} version {}", w.scope, w.target, w.key, w.version);
            if (w.version == 0) line.fail(fmt::format("{}: versions count from 1", at));
            const uint64_t current = store_.scope_version(w.scope);
            const Record *record = store_.find(w.scope, w.target, w.key);
            const auto snapshot = snapshot_versions_.find(w.scope);
            if (snapshot != snapshot_versions_.end() && w.version <= snapshot->second) continue;  // the snapshot holds it
            if (w.version <= current) {
                // After the snapshot, an earlier version only comes back as a write that changed nothing.
                if (w.removed || record == nullptr || record->version != w.version || record->value != w.new_value) {
                    line.fail(fmt::format("{} goes back: {} is at version {} of its scope", at, w.scope, current));
                }
                continue;
            }
            if (w.version != current + 1) {
                line.fail(fmt::format("{} skips versions: {} is at version {}", at, w.scope, current));
            }
            const boost::json::value held = record == nullptr ? boost::json::value() : record->value;
            if (w.old_value != held) {
                line.fail(fmt::format("{}: its old value {} is not the recovered one, {}", at, base::to_json(w.old_value),
                                      record == nullptr ? std::string("absent") : base::to_json(held)));
            }
            if (w.removed && record == nullptr) line.fail(fmt::format("{} removes a record that does not exist", at));
            if (!w.removed) {
                if (std::string why = check_(w.scope, w.key, w.new_value); !why.empty()) {
                    line.fail(fmt::format("{}: {}", at, why));
                }
            }
            const PendingApply pending{
                ChangeSet{w.scope,
                          {Change{PropertyKey{w.scope, w.target, w.key},
                                  record == nullptr ? std::nullopt : std::optional<boost::json::value>(record->value),
                                  w.removed ? boost::json::value() : w.new_value, w.version, actor,
                                  load ? "scene.load" : "state.update", time_us, w.removed}}},
                current};
            store_.commit(pending);
            applied = true;
        }
        return applied;
    }

private:
    SceneStore &store_;
    const RecordCheck &check_;
    std::map<std::string, uint64_t, std::less<>> snapshot_versions_;
};

}  // namespace

ReplaySummary replay_audit(const std::filesystem::path &log, SceneStore &store, const RecordCheck &check, bool sync) {
    const std::string text = read_log(log);
    const std::string name = log.string();
    ReplaySummary summary;
    size_t end = text.rfind('\n');
    end = end == std::string::npos ? 0 : end + 1;  // the whole lines
    if (end < text.size()) {
        const std::string_view tail = std::string_view(text).substr(end);
        summary.torn = fmt::format("{} bytes at offset {}, starting {:?}", tail.size(), end,
                                   std::string(tail.substr(0, 60)));
        truncate_log(log, end, sync);
    }
    Replayer replayer(store, check);
    std::string_view rest = std::string_view(text).substr(0, end);
    while (!rest.empty()) {
        const size_t newline = rest.find('\n');
        const std::string_view line_text = rest.substr(0, newline);
        rest.remove_prefix(newline + 1);
        ++summary.lines;
        const std::string where = fmt::format("{}:{}", name, summary.lines);
        boost::system::error_code error;
        const boost::json::value parsed = boost::json::parse(line_text, error);
        if (error) throw RecoveryError(fmt::format("{}: not JSON: {}", where, error.message()));
        if (!parsed.is_object()) throw RecoveryError(fmt::format("{}: not a JSON object", where));
        const StateFields line(parsed.get_object(), where);
        const std::string_view status = line.string("status");
        if (status == "rejected") continue;  // changed nothing
        if (status != "accepted") line.fail(fmt::format("status '{}' is not accepted or rejected", status));
        const bool load = line.string("scope") == kLoadScope && line.string("target") == kLoadTarget &&
                          line.string("key") == kLoadKey;
        const std::vector<LoggedWrite> writes = logged_writes(line, load);
        // A load the snapshot holds (all its writes, or it changed nothing) changed the data already in it.
        if (replayer.apply(line, writes, load)) {
            ++summary.replayed;
            if (load) summary.loads.push_back(line.value("new"));
        } else {
            ++summary.held;
        }
    }
    return summary;
}

}  // namespace scenehost::store
