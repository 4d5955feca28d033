// The host's state directory: at start-up the scene is recovered from the newest snapshot and
// the audit log after it (or seeded on a first start), and while serving the store is
// snapshotted every --snapshot-every changes, after each scene load and before each audit log
// rotation (docs/recovery.md).
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "app/serve_options.hpp"
#include "base/clock.hpp"
#include "data/demo_scene.hpp"
#include "metrics/metrics.hpp"
#include "store/audit_replay.hpp"
#include "store/scene_store.hpp"
#include "store/state_snapshot.hpp"

namespace scenehost::app {

// Where the layers of a scene come from: the demo, no data, or files opened as layers
// layer-<first_layer>, layer-<first_layer + 1>, … (--open, napari.load_zarr).
struct DataOrigin {
    enum class Kind { empty, demo, files };
    Kind kind = Kind::empty;
    std::vector<std::string> paths;  // files: absolute
    size_t first_layer = 0;

    bool operator==(const DataOrigin &) const = default;
    boost::json::object to_json() const;
    // Reads to_json's object; throws store::RecoveryError starting with `where`.
    static DataOrigin from_json(const boost::json::object &object, const std::string &where);
    std::string describe() const;  // "--demo", "--open /a.npy /b.tif", "no data", …
    data::Scene open() const;      // throws data::DataError
};

// The scene the command line names (--demo, --open FILE..., or none).
DataOrigin command_line_origin(const ServeOptions &options);

// What a scene load recorded in the audit log as its request: napari.load_zarr's
// {"path", "first_layer"} or --fresh-state's {"fresh_state": true, "data": origin}. Throws
// store::RecoveryError starting with `where` for anything else.
struct LoggedLoad {
    DataOrigin data;
    bool fresh_state = false;  // the command line's scene replaced the recovered one
};
LoggedLoad origin_of_load(const boost::json::value &request, const std::string &where);
// The request --fresh-state records for its load of origin.
boost::json::object fresh_state_request(const DataOrigin &origin);

struct Recovery {
    store::SnapshotHeader snapshot;
    store::ReplaySummary replay;
    DataOrigin command_line;  // the snapshot's, or the last replayed --fresh-state load's
    DataOrigin data;          // the scene's data now: the last replayed load's, else the snapshot's
    size_t next_layer = 0;    // the first layer id never used
};

class StateKeeper {
public:
    StateKeeper(std::filesystem::path state_dir, std::filesystem::path audit_log, bool sync, unsigned snapshot_every,
                const base::Clock &clock);

    // Reads the newest snapshot into store (empty) and replays the audit log after it; nothing
    // when the state directory has no snapshot (a first start). Throws store::RecoveryError.
    std::optional<Recovery> recover(store::SceneStore &store, const store::RecordCheck &check);

    // Serving starts: this run's number (one more than the recovered run, else 1), the scene's
    // origins, then the first snapshot of the run. Throws store::SnapshotWriteError.
    void start(const store::SceneStore &store, uint64_t run, DataOrigin command_line, DataOrigin data,
               size_t next_layer);
    // Who hears of a snapshot that could not be written after a load or a change (the host stops).
    void on_failure(std::function<void(const std::string &why)> failed) { failed_ = std::move(failed); }
    // A scene load replaced the data: recorded, and snapshotted now.
    void loaded(const store::SceneStore &store, DataOrigin data, size_t next_layer);
    // A change set was committed: a snapshot every snapshot_every of them.
    void changed(const store::SceneStore &store);
    // Writes a snapshot of store now; the reason when it could not.
    std::optional<std::string> snapshot(const store::SceneStore &store);

    uint64_t run() const { return run_; }
    const metrics::Counter &snapshots() const { return snapshots_; }
    const metrics::Gauge &snapshot_bytes() const { return snapshot_bytes_; }
    const metrics::Histogram &snapshot_seconds() const { return snapshot_seconds_; }

private:
    store::SnapshotFiles files_;
    std::string audit_log_;
    unsigned snapshot_every_;
    const base::Clock &clock_;
    uint64_t run_ = 0;
    uint64_t sequence_ = 0;  // of the newest snapshot
    uint64_t unsnapshotted_ = 0;
    DataOrigin command_line_, data_;
    size_t next_layer_ = 0;
    std::function<void(const std::string &)> failed_;
    metrics::Counter snapshots_;
    metrics::Gauge snapshot_bytes_;
    metrics::Histogram snapshot_seconds_{metrics::kLatencyBuckets};
};

}  // namespace scenehost::app
