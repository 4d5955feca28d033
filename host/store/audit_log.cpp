// POSIX append with one write(2) per line: a SIGKILL after append() returns loses nothing.
#include "store/audit_log.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/assert.hpp"

namespace scenehost::store {
namespace {

std::string iso8601_utc(base::TimeUs time_us) {
    const time_t seconds = static_cast<time_t>(time_us / 1'000'000);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char date[32];
    std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
    return fmt::format("{}.{:06d}Z", date, static_cast<int>(time_us % 1'000'000));
}

boost::json::object write_object(const AuditWrite &w) {
    return {{"target", w.target}, {"key", w.key}, {"old", w.old_value}, {"new", w.new_value}, {"version", w.version}};
}

}  // namespace

std::optional<FsyncPolicy> parse_fsync_policy(std::string_view text) {
    if (text == "never") return FsyncPolicy::never;
    if (text == "batch") return FsyncPolicy::batch;
    if (text == "always") return FsyncPolicy::always;
    return std::nullopt;
}

std::string AuditLog::format_line(const AuditEntry &e) {
    // The intent's own write when the reducer made one, else the first.
    const AuditWrite *primary = e.writes.empty() ? nullptr : &e.writes.front();
    for (const AuditWrite &w : e.writes) {
        if (w.target == e.target && w.key == e.key) primary = &w;
    }
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
    line["new"] = primary == nullptr ? boost::json::value() : primary->new_value;
    line["version"] = e.version;
    if (e.writes.size() > 1) {
        boost::json::array writes;
        for (const AuditWrite &w : e.writes) writes.push_back(write_object(w));
        line["writes"] = std::move(writes);
    }
    if (e.status == "rejected") {
        line["requested"] = e.requested_value;
        line["error"] = {{"code", e.error_code}, {"message", e.error_message}};
    }
    return boost::json::serialize(line);
}

std::unique_ptr<AuditLog> AuditLog::open(const AuditConfig &config, const base::Clock &clock) {
    const int fd = ::open(config.path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) {
        throw AuditOpenError(fmt::format("audit log {}: cannot open: {}", config.path.string(), std::strerror(errno)));
    }
    struct stat info {};
    if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
        ::close(fd);
        throw AuditOpenError(fmt::format("audit log {}: not a regular file", config.path.string()));
    }
    return std::unique_ptr<AuditLog>(new AuditLog(config, clock, fd, static_cast<uint64_t>(info.st_size)));
}

AuditLog::AuditLog(AuditConfig config, const base::Clock &clock, int fd, uint64_t size)
    : config_(std::move(config)), clock_(clock), fd_(fd), file_bytes_(size) {}

AuditLog::~AuditLog() {
    if (config_.fsync != FsyncPolicy::never) sync();
    ::close(fd_);
}

void AuditLog::fail(const char *what) const {
    base::assert_failed(__FILE__, __LINE__, "the audit log accepts every line",
                        fmt::format("audit log {}: {} failed: {}; the host cannot record what it acknowledges",
                                    config_.path.string(), what, std::strerror(errno)));
}

void AuditLog::write_all(std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            fail("write");
        }
        bytes.remove_prefix(static_cast<size_t>(n));
    }
}

void AuditLog::append(const AuditEntry &entry) {
    std::string line = format_line(entry);
    line.push_back('\n');
    if (config_.rotate_bytes > 0 && file_bytes_ > 0 && file_bytes_ + line.size() > config_.rotate_bytes) rotate();
    write_all(line);
    file_bytes_ += line.size();
    bytes_written_ += line.size();
    ++entries_written_;
    if (unsynced_entries_++ == 0) oldest_unsynced_us_ = clock_.now_us();
    if (config_.fsync == FsyncPolicy::always || (config_.fsync == FsyncPolicy::batch && sync_due())) sync();
}

bool AuditLog::sync_due() const {
    if (config_.fsync != FsyncPolicy::batch || unsynced_entries_ == 0) return false;
    return unsynced_entries_ >= config_.batch_entries || clock_.now_us() - oldest_unsynced_us_ >= config_.batch_interval_us;
}

void AuditLog::sync() {
    if (unsynced_entries_ == 0) return;
    if (::fdatasync(fd_) != 0) fail("fdatasync");
    unsynced_entries_ = 0;
}

void AuditLog::rotate() {
    if (config_.fsync != FsyncPolicy::never && ::fdatasync(fd_) != 0) fail("fdatasync");
    unsynced_entries_ = 0;
    ::close(fd_);
    const std::string base = config_.path.string();
    if (config_.keep_files == 0) {
        if (::unlink(base.c_str()) != 0) fail("unlink");
    } else {
        for (unsigned i = config_.keep_files; i > 1; --i) {
            const std::string from = fmt::format("{}.{}", base, i - 1);
            if (::rename(from.c_str(), fmt::format("{}.{}", base, i).c_str()) != 0 && errno != ENOENT) fail("rename");
        }
        if (::rename(base.c_str(), (base + ".1").c_str()) != 0) fail("rename");
    }
    fd_ = ::open(base.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd_ < 0) fail("open after rotation");
    file_bytes_ = 0;
    if (config_.fsync != FsyncPolicy::never) {
        // The renames themselves must survive a crash too.
        const std::string dir = config_.path.has_parent_path() ? config_.path.parent_path().string() : ".";
        const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0 || ::fsync(dir_fd) != 0) fail("fsync of the directory");
        ::close(dir_fd);
    }
}

}  // namespace scenehost::store
