// Compact snapshots of the scene store in the state directory, the base recovery replays the
// audit log onto (docs/recovery.md). A snapshot is one JSON file, snapshot-<sequence>.json,
// written whole to a temporary file, synced, then renamed into place, so a crash leaves either
// the old snapshot or the new one, never a mix.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "base/clock.hpp"
#include "store/scene_store.hpp"

namespace scenehost::store {

// Why a value recovered for scope/key is not one the host's reducers could hold now (no reducer
// owns the scope, the key is undeclared, the value breaks its schema or a host limit), or empty.
using RecordCheck =
    std::function<std::string(std::string_view scope, std::string_view key, const boost::json::value &value)>;

// The state directory holds something recovery cannot use. The message starts with the file
// (and line, for the audit log) and says what is wrong; the host does not start.
class RecoveryError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A snapshot could not be written (disk full, I/O error): the message names the file, the call
// and the OS reason.
class SnapshotWriteError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// What a snapshot says besides the records.
struct SnapshotHeader {
    uint64_t sequence = 0;      // 1 for a state directory's first snapshot, then one more each
    uint64_t run = 0;           // the host run that wrote it: 1 for the first start on the directory
    std::string audit_log;      // the audit log whose lines after this snapshot recovery replays
    base::TimeUs written_us = 0;
    boost::json::object host;   // the host's own fields (where the scene's data comes from)
};

// The snapshot files of one state directory. Single writer (the control thread).
class SnapshotFiles {
public:
    static constexpr unsigned kKept = 2;  // the newest and the one before it

    // sync: fdatasync each file and fsync the directory (not under --fsync never).
    SnapshotFiles(std::filesystem::path dir, bool sync) : dir_(std::move(dir)), sync_(sync) {}

    // The newest snapshot, or nothing in a state directory that has none. Removes temporary files
    // a crash left behind. Throws RecoveryError for a file whose name is snapshot-* but not one
    // this host writes.
    std::optional<std::filesystem::path> newest() const;

    // Reads a snapshot into a store nothing has written yet and checks all of it: the format,
    // every scope and record (check), versions within their scope's. Throws RecoveryError.
    SnapshotHeader load(const std::filesystem::path &file, SceneStore &store, const RecordCheck &check) const;

    // Writes every scope of store as snapshot header.sequence, then removes all but the newest
    // kKept. Returns the file's size. Throws SnapshotWriteError.
    uint64_t write(const SceneStore &store, const SnapshotHeader &header) const;

    std::filesystem::path file(uint64_t sequence) const;
    const std::filesystem::path &dir() const { return dir_; }
    bool sync() const { return sync_; }

private:
    std::filesystem::path dir_;
    bool sync_;
};

}  // namespace scenehost::store
