// POSIX append with one write(2) per line: a SIGKILL after append() returns loses nothing.
// Sits after the store in the intent path: the engine appends here before the ack goes out.
#include "store/audit_log.hpp"

#include <chrono>

#include <algorithm>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

#include "base/assert.hpp"
#include "base/json_text.hpp"
#include "store/file_io.hpp"

namespace scenehost::store {
namespace {

constexpr int kOpenFlags = O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC;
constexpr mode_t kFileMode = 0640;

std::string iso8601_utc(base::TimeUs time_us) {
    // Floor division, so times before 1970 still get a fraction in [0, 1) s.
    time_t seconds = static_cast<time_t>(time_us / 1'000'000);
    int64_t micros = time_us % 1'000'000;
    if (micros < 0) {
        micros += 1'000'000;
        --seconds;
    }
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char date[64];
    std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
    return fmt::format("{}.{:06d}Z", date, micros);
}

boost::json::object write_object(const AuditWrite &w) {
    boost::json::object out;
    if (!w.scope.empty()) out["scope"] = w.scope;
    out["target"] = w.target;
    out["key"] = w.key;
    out["old"] = w.old_value;
    out["new"] = w.new_value;
    out["version"] = w.version;
    if (w.removed) out["removed"] = true;
    return out;
}

// Reads the last byte of a non-empty file. Returns 0 or errno.
int read_last_byte(const std::filesystem::path &file, uint64_t size, char &byte) {
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    const ssize_t n = ::pread(fd, &byte, 1, static_cast<off_t>(size - 1));
    const int error = n == 1 ? 0 : (n < 0 ? errno : EIO);
    ::close(fd);
    return error;
}

}  // namespace

std::optional<FsyncPolicy> parse_fsync_policy(std::string_view text) {
    if (text == "never") return FsyncPolicy::never;
    if (text == "batch") return FsyncPolicy::batch;
    if (text == "always") return FsyncPolicy::always;
    return std::nullopt;
}

std::string AuditLog::format_line(const AuditEntry &e) {
    const bool rejected = e.status == "rejected";
    SCENEHOST_ASSERT(rejected || e.status == "accepted", "the engine records only accepted or rejected intents");
    // The intent's own write when the reducer made one, else the first (a relative op like
    // "orbit" lands on another key).
    auto own = std::find_if(e.writes.begin(), e.writes.end(),
                            [&](const AuditWrite &w) { return w.target == e.target && w.key == e.key; });
    const AuditWrite *primary = own != e.writes.end() ? &*own : (e.writes.empty() ? nullptr : &e.writes.front());
    // A scene load's writes span scopes: its line shows the request as `new` and lists them all.
    const bool load = !rejected && e.scope == kLoadScope && e.target == kLoadTarget && e.key == kLoadKey;
    SCENEHOST_ASSERT(load || std::none_of(e.writes.begin(), e.writes.end(), [](const AuditWrite &w) { return !w.scope.empty(); }),
                     "only a scene load's writes name their scopes");
    if (load) primary = nullptr;

    // boost::json::object keeps insertion order: this is the field order on the line.
    boost::json::object line;
    line["time"] = iso8601_utc(e.time_us);
    line["time_us"] = e.time_us;
    line["actor"] = e.actor;
    line["session"] = e.session;
    line["intent_id"] = e.intent_id;
    line["scope"] = e.scope;
    line["target"] = e.target;
    line["key"] = e.key;
    line["status"] = e.status;
    line["old"] = primary == nullptr ? boost::json::value() : primary->old_value;
    line["new"] = load ? e.requested_value : primary == nullptr ? boost::json::value() : primary->new_value;
    line["version"] = e.version;
    // The writes are listed whenever the line's own fields do not say each one: recovery replays
    // them (docs/recovery.md).
    if (e.writes.size() > 1 || load || own == e.writes.end() && !e.writes.empty()) {
        boost::json::array writes;
        for (const AuditWrite &w : e.writes) writes.push_back(write_object(w));
        line["writes"] = std::move(writes);
    }
    if (rejected) {
        line["requested"] = e.requested_value;
        line["error"] = {{"code", e.error_code}, {"message", e.error_message}};
    }
    return base::to_json(line);
}

std::unique_ptr<AuditLog> AuditLog::open(const AuditConfig &config, const base::Clock &clock) {
    const std::string name = config.path.string();
    const std::filesystem::path dir = directory_of(config.path);
    const int fd = ::open(config.path.c_str(), kOpenFlags, kFileMode);
    if (fd < 0) {
        const int error = errno;
        std::error_code ignored;
        const bool dir_missing = error == ENOENT && !std::filesystem::is_directory(dir, ignored);
        throw AuditOpenError(fmt::format("audit log {}: cannot open: {}{}", name, std::strerror(error),
                                         dir_missing ? fmt::format(" (directory {} does not exist)", dir.string())
                                                     : std::string()));
    }
    auto refuse = [&](std::string_view what, int error) {
        ::close(fd);
        throw AuditOpenError(fmt::format("audit log {}: {}: {}", name, what, std::strerror(error)));
    };

    struct stat info {};
    if (::fstat(fd, &info) != 0) refuse("cannot stat", errno);
    if (!S_ISREG(info.st_mode)) refuse("not a regular file", EINVAL);
    uint64_t size = static_cast<uint64_t>(info.st_size);

    // A crash mid-write (power loss, or SIGKILL between two page copies of one write) can
    // leave a torn last line; close it so the first line appended now is not glued onto it.
    if (size > 0) {
        char last = '\n';
        if (const int error = read_last_byte(config.path, size, last)) refuse("cannot read its last byte", error);
        if (last != '\n') {
            if (const int error = write_fully(fd, "\n")) refuse("cannot close its torn last line", error);
            ++size;
        }
    }
    // The file's directory entry must be durable before a synced line can be.
    if (config.fsync != FsyncPolicy::never) {
        if (const int error = fsync_directory(dir)) refuse(fmt::format("cannot fsync directory {}", dir.string()), error);
    }
    return std::unique_ptr<AuditLog>(new AuditLog(config, clock, fd, size));
}

AuditLog::AuditLog(AuditConfig config, const base::Clock &clock, int fd, uint64_t size)
    : config_(std::move(config)), clock_(clock), fd_(fd), file_bytes_(size) {}

AuditLog::~AuditLog() {
    if (!failed_ && unsynced_entries_ > 0) {
        SCENEHOST_ASSERT(::fdatasync(fd_) == 0, io_failure("fdatasync at close", errno));
    }
    // close(2) may report a deferred write error; EINTR still closes the fd on Linux.
    if (fd_ < 0) return;  // a rotation failed between close and open
    const int closed = ::close(fd_);
    SCENEHOST_ASSERT(failed_ || closed == 0 || errno == EINTR, io_failure("close", errno));
}

std::string AuditLog::io_failure(std::string_view what, int error) const {
    return fmt::format("audit log {}: {} failed: {}; the host cannot record what it acknowledges",
                       config_.path.string(), what, std::strerror(error));
}

void AuditLog::fail(std::string_view what, int error) {
    failed_ = true;
    throw AuditWriteError(io_failure(what, error));
}

void AuditLog::write_all(std::string_view bytes) {
    if (const int error = write_fully(fd_, bytes); error != 0) fail("write", error);
}

void AuditLog::append(const AuditEntry &entry) {
    SCENEHOST_ASSERT(!failed_, "nothing is appended to an audit log after a write failure");
    std::string line = format_line(entry);
    line.push_back('\n');
    // A line longer than rotate_bytes still goes into a fresh file rather than rotating an empty one.
    if (config_.rotate_bytes > 0 && file_bytes_ > 0 && file_bytes_ + line.size() > config_.rotate_bytes) {
        if (config_.before_rotation) {
            if (auto why = config_.before_rotation()) {
                failed_ = true;
                throw AuditWriteError(fmt::format("audit log {}: before rotating it: {}", config_.path.string(), *why));
            }
        }
        rotate();
    }
    write_all(line);
    file_bytes_ += line.size();
    bytes_written_ += line.size();
    ++entries_written_;
    if (config_.fsync == FsyncPolicy::never) return;
    if (unsynced_entries_++ == 0) oldest_unsynced_us_ = clock_.now_us();
    if (config_.fsync == FsyncPolicy::always || sync_due()) sync();
}

bool AuditLog::sync_due() const {
    if (config_.fsync != FsyncPolicy::batch || unsynced_entries_ == 0) return false;
    return unsynced_entries_ >= config_.batch_entries ||
           clock_.now_us() - oldest_unsynced_us_ >= config_.batch_interval_us;
}

void AuditLog::sync() {
    if (unsynced_entries_ == 0) return;  // never: nothing is ever counted as unsynced
    SCENEHOST_ASSERT(!failed_, "a failed audit log is not synced");
    const auto start = std::chrono::steady_clock::now();
    if (::fdatasync(fd_) != 0) fail("fdatasync", errno);
    fsync_seconds_.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    ++syncs_;
    unsynced_entries_ = 0;
}

void AuditLog::start_new_file() {
    SCENEHOST_ASSERT(!failed_, "a failed audit log is not rotated");
    if (file_bytes_ > 0) rotate();
}

void AuditLog::rotate() {
    sync();
    if (::close(fd_) != 0 && errno != EINTR) {
        const int error = errno;
        fd_ = -1;
        fail("close before rotation", error);
    }
    fd_ = -1;
    const std::string live = config_.path.string();
    if (config_.keep_files == 0) {
        if (::unlink(live.c_str()) != 0) fail("unlink", errno);
    } else {
        // path.(N-1) → path.N … path.1 → path.2 drops the oldest; gaps (fewer files so far) are fine.
        for (unsigned i = config_.keep_files; i > 1; --i) {
            const std::string from = fmt::format("{}.{}", live, i - 1);
            const std::string to = fmt::format("{}.{}", live, i);
            if (::rename(from.c_str(), to.c_str()) != 0 && errno != ENOENT) fail(fmt::format("rename to {}", to), errno);
        }
        const std::string newest = live + ".1";
        if (::rename(live.c_str(), newest.c_str()) != 0) fail(fmt::format("rename to {}", newest), errno);
    }
    fd_ = ::open(live.c_str(), kOpenFlags, kFileMode);
    if (fd_ < 0) fail("open after rotation", errno);
    file_bytes_ = 0;
    if (config_.fsync == FsyncPolicy::never) return;
    // The renames and the new file must survive a crash too, or synced lines could vanish with them.
    if (const int error = fsync_directory(directory_of(config_.path)); error != 0) fail("fsync of the directory", error);
}

}  // namespace scenehost::store
