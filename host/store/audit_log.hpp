// The append-only audit log: one JSON line per applied or rejected intent, in the kernel
// before the caller acknowledges it; fsync per policy; rotated by size.
#pragma once

#include <boost/json/value.hpp>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.hpp"
#include "metrics/metrics.hpp"

namespace scenehost::store {

enum class FsyncPolicy { never, batch, always };
std::optional<FsyncPolicy> parse_fsync_policy(std::string_view text);  // "never" | "batch" | "always"

struct AuditConfig {
    std::filesystem::path path;                 // the live file; its directory must exist
    FsyncPolicy fsync = FsyncPolicy::batch;
    uint64_t rotate_bytes = 64ull << 20;        // 0: never rotate
    unsigned keep_files = 4;                    // rotated files kept: path.1 (newest) … path.N
    size_t batch_entries = 64;                  // batch: fsync after this many unsynced entries…
    base::TimeUs batch_interval_us = 200'000;   // …or once the oldest unsynced entry is this old
    // Called before a rotation moves the live file away (recovery snapshots the store there, so
    // that the live file always starts after a snapshot). Returns why it failed, or nothing; a
    // failure fails the append that rotates.
    std::function<std::optional<std::string>()> before_rotation;
};

// The intent a scene load is recorded as (napari.load_zarr, --fresh-state): its writes name
// their scopes, and its line lists them all with the request as `new`.
inline constexpr std::string_view kLoadScope = "scene", kLoadTarget = "main", kLoadKey = "load";

struct AuditWrite {
    std::string target;
    std::string key;
    boost::json::value old_value;  // null when the record was new
    boost::json::value new_value;  // null when removed
    uint64_t version = 0;          // the record's version after the apply
    std::string scope;             // set when the entry spans scopes (a scene load); else the entry's
    bool removed = false;          // the write removes the record (a scene load)
};

struct AuditEntry {
    base::TimeUs time_us = 0;
    std::string actor;
    std::string session;
    std::string intent_id;
    std::string scope;
    std::string target;
    std::string key;
    std::string status;                 // "accepted" | "rejected"
    // accepted: what was applied (empty: the value was already so). When the writes name their
    // scope (a scene load), the line shows requested_value as `new` and lists every write.
    std::vector<AuditWrite> writes;
    boost::json::value requested_value; // the value the client asked for
    uint64_t version = 0;               // the intent's property after apply (accepted) or now (rejected)
    std::string error_code;             // rejected only
    std::string error_message;          // rejected only
};

// Opening failed: the message names the file and the OS reason.
class AuditOpenError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A write, fsync or rotation after open failed (disk full, file too large, I/O error): the log
// cannot record what the host would acknowledge. The message names the file, the call and the
// OS reason. The log is unusable afterwards; the host treats this as a critical fault.
class AuditWriteError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Single writer (the control thread). Invariant: every line append() returned for is whole in
// the live file or a rotated one, and with FsyncPolicy::always it is on disk. A failed write,
// fsync or rename throws AuditWriteError; the entry it was writing is not recorded (a torn
// line is repaired at the next open), and nothing may be appended afterwards.
class AuditLog {
public:
    // Appends to an existing file; a torn last line left by a crash is closed with a newline
    // first, so every line written from now on parses.
    static std::unique_ptr<AuditLog> open(const AuditConfig &config, const base::Clock &clock);
    ~AuditLog();  // syncs what is unsynced (unless FsyncPolicy::never or after a failure)
    AuditLog(const AuditLog &) = delete;
    AuditLog &operator=(const AuditLog &) = delete;

    void append(const AuditEntry &entry);  // one write(2); rotates by size first; fsync per policy
    void sync();                           // fdatasync now when anything is unsynced; never: no-op
    // Moves a non-empty live file away as a rotation does (without before_rotation): the host
    // starts a new state, and no line before it may be replayed into that state.
    void start_new_file();
    bool failed() const { return failed_; }  // a call threw AuditWriteError
    bool sync_due() const;                 // batch: the entry count or the age bound is reached
    uint64_t bytes_written() const { return bytes_written_; }      // by this object, newlines included
    uint64_t entries_written() const { return entries_written_; }  // by this object
    uint64_t syncs() const { return syncs_; }                      // fdatasync calls on the log file
    const metrics::Histogram &fsync_seconds() const { return fsync_seconds_; }  // each fdatasync's time

    // The line append() writes for entry, without its newline.
    static std::string format_line(const AuditEntry &entry);

private:
    AuditLog(AuditConfig config, const base::Clock &clock, int fd, uint64_t size);
    void write_all(std::string_view bytes);
    void rotate();
    // The message for a failed call: names the file and strerror(error).
    std::string io_failure(std::string_view what, int error) const;
    // Marks the log failed and throws AuditWriteError for a failed call.
    [[noreturn]] void fail(std::string_view what, int error);

    AuditConfig config_;
    const base::Clock &clock_;
    int fd_;
    uint64_t file_bytes_;  // size of the live file, including what was there at open
    uint64_t bytes_written_ = 0;
    uint64_t entries_written_ = 0;
    uint64_t syncs_ = 0;
    metrics::Histogram fsync_seconds_{metrics::kLatencyBuckets};
    size_t unsynced_entries_ = 0;
    base::TimeUs oldest_unsynced_us_ = 0;
    bool failed_ = false;
};

}  // namespace scenehost::store
