// Snapshot files: one JSON object per file, written tmp → fdatasync → rename → fsync(dir).
#include "store/state_snapshot.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <fstream>
#include <set>
#include <sstream>
#include <system_error>
#include <unistd.h>
#include <vector>

#include "base/assert.hpp"
#include "base/json_text.hpp"
#include "store/file_io.hpp"
#include "store/state_fields.hpp"

namespace scenehost::store {
namespace {

constexpr std::string_view kPrefix = "snapshot-", kSuffix = ".json", kTemporary = ".tmp";
constexpr std::string_view kFormat = "scenehost.snapshot";
constexpr uint64_t kFormatVersion = 1;

// The sequence of a file named snapshot-<digits>.json, or nothing.
std::optional<uint64_t> sequence_of(std::string_view name) {
    if (!name.starts_with(kPrefix) || !name.ends_with(kSuffix)) return std::nullopt;
    const std::string_view digits = name.substr(kPrefix.size(), name.size() - kPrefix.size() - kSuffix.size());
    uint64_t sequence = 0;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), sequence);
    if (digits.empty() || error != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
    return sequence;
}

// Every snapshot file of dir, by sequence, oldest first; error set when dir cannot be listed.
std::vector<std::pair<uint64_t, std::filesystem::path>> snapshot_files(const std::filesystem::path &dir,
                                                                       std::error_code &error) {
    std::vector<std::pair<uint64_t, std::filesystem::path>> files;
    for (const auto &entry : std::filesystem::directory_iterator(dir, error)) {
        if (auto sequence = sequence_of(entry.path().filename().string())) files.emplace_back(*sequence, entry.path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

boost::json::object record_object(const PropertyKey &property, const Record &record) {
    return {{"target", property.target}, {"key", property.key},          {"value", record.value},
            {"version", record.version}, {"actor", record.actor_id},      {"origin", record.origin},
            {"time_us", record.timestamp_us}};
}

std::string read_whole(const std::filesystem::path &file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw RecoveryError(fmt::format("{}: cannot open: {}", file.string(), std::strerror(errno)));
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) throw RecoveryError(fmt::format("{}: cannot read: {}", file.string(), std::strerror(errno)));
    return std::move(text).str();
}

}  // namespace

std::filesystem::path SnapshotFiles::file(uint64_t sequence) const {
    return dir_ / fmt::format("{}{:020}{}", kPrefix, sequence, kSuffix);
}

std::optional<std::filesystem::path> SnapshotFiles::newest() const {
    // A crash between creating a temporary file and its rename leaves it: it was never a snapshot.
    std::error_code error;
    for (const auto &entry : std::filesystem::directory_iterator(dir_, error)) {
        const std::string name = entry.path().filename().string();
        if (!name.ends_with(kTemporary) || !sequence_of(name.substr(0, name.size() - kTemporary.size()))) continue;
        if (!std::filesystem::remove(entry.path(), error) || error) break;
    }
    if (error) throw RecoveryError(fmt::format("{}: cannot clear unfinished snapshots: {}", dir_.string(), error.message()));
    const auto files = snapshot_files(dir_, error);
    if (error) throw RecoveryError(fmt::format("{}: cannot list the state directory: {}", dir_.string(), error.message()));
    if (files.empty()) return std::nullopt;
    return files.back().second;
}

SnapshotHeader SnapshotFiles::load(const std::filesystem::path &path, SceneStore &store, const RecordCheck &check) const {
    const std::string name = path.string();
    const std::string text = read_whole(path);
    boost::system::error_code parse_error;
    const boost::json::value document = boost::json::parse(text, parse_error);
    if (parse_error) throw RecoveryError(fmt::format("{}: not JSON: {}", name, parse_error.message()));
    if (!document.is_object()) throw RecoveryError(fmt::format("{}: not a JSON object", name));
    const StateFields top(document.get_object(), name);
    top.only({"format", "format_version", "sequence", "run", "written_us", "audit_log", "host", "scopes"});
    if (top.string("format") != kFormat) top.fail(fmt::format("field 'format' is not \"{}\"", kFormat));
    if (const uint64_t v = top.uint("format_version"); v != kFormatVersion) {
        top.fail(fmt::format("format_version {} is not {}, the one this host reads", v, kFormatVersion));
    }
    SnapshotHeader header{.sequence = top.uint("sequence"),
                          .run = top.uint("run"),
                          .audit_log = std::string(top.string("audit_log")),
                          .written_us = top.int64("written_us"),
                          .host = top.object("host")};
    if (sequence_of(path.filename().string()) != header.sequence) {
        top.fail(fmt::format("its sequence {} is not the one in its name", header.sequence));
    }
    if (header.run == 0) top.fail("run 0: runs count from 1");

    // Check all of it before the store holds any of it.
    struct Scope {
        std::string name;
        uint64_t version;
        std::vector<SceneStore::Restored> records;
    };
    std::vector<Scope> scopes;
    std::set<std::string, std::less<>> seen_scopes;
    for (const boost::json::value &s : top.array("scopes")) {
        const StateFields scope_fields = top.element(s, fmt::format("{}: scopes[{}]", name, scopes.size()));
        scope_fields.only({"scope", "version", "records"});
        Scope scope{std::string(scope_fields.string("scope")), scope_fields.uint("version"), {}};
        if (!seen_scopes.insert(scope.name).second) scope_fields.fail(fmt::format("scope '{}' appears twice", scope.name));
        std::set<std::pair<std::string, std::string>> seen;
        for (const boost::json::value &r : scope_fields.array("records")) {
            const StateFields f = top.element(r, fmt::format("{}: scope {}, records[{}]", name, scope.name,
                                                              scope.records.size()));
            f.only({"target", "key", "value", "version", "actor", "origin", "time_us"});
            SceneStore::Restored restored{std::string(f.string("target")), std::string(f.string("key")),
                                          Record{f.value("value"), f.uint("version"), std::string(f.string("actor")),
                                                 std::string(f.string("origin")), f.int64("time_us")}};
            const std::string at = fmt::format("{}/{}/{}", scope.name, restored.target, restored.key);
            if (restored.record.version == 0 || restored.record.version > scope.version) {
                f.fail(fmt::format("{} has version {}, outside 1..{} (its scope's version)", at, restored.record.version,
                                   scope.version));
            }
            if (std::string why = check(scope.name, restored.key, restored.record.value); !why.empty()) {
                f.fail(fmt::format("{}: {}", at, why));
            }
            if (!seen.emplace(restored.target, restored.key).second) f.fail(fmt::format("{} appears twice", at));
            scope.records.push_back(std::move(restored));
        }
        scopes.push_back(std::move(scope));
    }
    for (Scope &scope : scopes) store.restore(scope.name, scope.version, std::move(scope.records));
    return header;
}

uint64_t SnapshotFiles::write(const SceneStore &store, const SnapshotHeader &header) const {
    SCENEHOST_ASSERT(header.sequence >= 1 && header.run >= 1, "snapshots and runs count from 1");
    boost::json::array scopes;
    for (std::string_view scope : store.scopes()) {
        boost::json::array records;
        store.for_each_record(scope, [&](const PropertyKey &p, const Record &r) { records.push_back(record_object(p, r)); });
        scopes.push_back(boost::json::object{{"scope", scope}, {"version", store.scope_version(scope)},
                                             {"records", std::move(records)}});
    }
    const boost::json::object document{{"format", kFormat},       {"format_version", kFormatVersion},
                                       {"sequence", header.sequence}, {"run", header.run},
                                       {"written_us", header.written_us}, {"audit_log", header.audit_log},
                                       {"host", header.host},     {"scopes", std::move(scopes)}};
    std::string text = base::to_json(document);
    text.push_back('\n');

    const std::filesystem::path final_path = file(header.sequence);
    const std::string temporary = final_path.string() + std::string(kTemporary);
    auto failure = [&](std::string_view what, int error) {
        return SnapshotWriteError(fmt::format("snapshot {}: {} failed: {}", final_path.string(), what, std::strerror(error)));
    };
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0) throw failure("open of its temporary file", errno);
    int error = write_fully(fd, text);
    if (error == 0 && sync_ && ::fdatasync(fd) != 0) error = errno;
    if (::close(fd) != 0 && error == 0 && errno != EINTR) error = errno;
    if (error != 0) {
        ::unlink(temporary.c_str());
        throw failure("write", error);
    }
    if (::rename(temporary.c_str(), final_path.c_str()) != 0) throw failure("rename", errno);
    if (sync_) {
        if (const int e = fsync_directory(dir_)) throw failure("fsync of the directory", e);
    }
    // Only once the new one is durable may an old one go.
    std::error_code listing;
    const auto files = snapshot_files(dir_, listing);
    if (listing) throw failure("listing of the state directory", listing.value());
    for (size_t i = 0; i + kKept < files.size(); ++i) {
        if (::unlink(files[i].second.c_str()) != 0) throw failure(fmt::format("unlink of {}", files[i].second.string()), errno);
    }
    return text.size();
}

}  // namespace scenehost::store
