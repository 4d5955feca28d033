// Recovery's second half: the audit log as the write-ahead log. Every accepted intent's writes
// carry their scope version, so replaying the live audit file onto the newest snapshot applies
// exactly the writes the snapshot does not hold yet, and checks that the log and the snapshot
// agree (docs/recovery.md).
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "store/scene_store.hpp"
#include "store/state_snapshot.hpp"

namespace scenehost::store {

struct ReplaySummary {
    uint64_t lines = 0;     // whole lines read
    uint64_t replayed = 0;  // accepted intents with writes the store did not hold
    uint64_t held = 0;      // accepted intents the store held already (before the snapshot)
    std::optional<std::string> torn;  // the torn last line dropped: its size, offset and first bytes
    // The requests of the scene loads replayed ("new" of their lines), in order: the host reopens
    // the last one's data.
    std::vector<boost::json::value> loads;
};

// Replays the audit log at `log` (a missing file is an empty one) onto store, which holds the
// newest snapshot. A write whose version is at most the snapshot's scope version is held by it;
// one after must be the scope's next version, its old value the recovered one, its value one the
// host can hold (check); a later write of an earlier version must change nothing. A torn last
// line (no newline: the host died inside its write) is cut off the file (synced when sync) and
// reported; anything else that does not fit is a RecoveryError "FILE:LINE: why" and the store
// must not be used.
ReplaySummary replay_audit(const std::filesystem::path &log, SceneStore &store, const RecordCheck &check, bool sync);

}  // namespace scenehost::store
