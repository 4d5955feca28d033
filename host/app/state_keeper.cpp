// Recovery at start-up and snapshots while serving, for one state directory.
#include "app/state_keeper.hpp"

#include <boost/json/array.hpp>
#include <chrono>
#include <fmt/format.h>

#include "base/assert.hpp"
#include "data/file_scene.hpp"
#include "store/state_fields.hpp"

namespace scenehost::app {
namespace {

constexpr std::string_view kKindNames[] = {"empty", "demo", "files"};

}  // namespace

boost::json::object DataOrigin::to_json() const {
    boost::json::object out{{"kind", kKindNames[size_t(kind)]}};
    if (kind == Kind::files) {
        boost::json::array files;
        for (const std::string &p : paths) files.push_back(boost::json::string(p));
        out["paths"] = std::move(files);
        out["first_layer"] = first_layer;
    }
    return out;
}

DataOrigin DataOrigin::from_json(const boost::json::object &object, const std::string &where) {
    const store::StateFields f(object, where);
    DataOrigin origin;
    const std::string_view kind = f.string("kind");
    if (kind == "empty" || kind == "demo") {
        f.only({"kind"});
        origin.kind = kind == "demo" ? Kind::demo : Kind::empty;
        return origin;
    }
    if (kind != "files") f.fail(fmt::format("data kind '{}' is not empty, demo or files", kind));
    f.only({"kind", "paths", "first_layer"});
    origin.kind = Kind::files;
    for (const boost::json::value &p : f.array("paths")) {
        const auto *s = p.if_string();
        if (s == nullptr || s->empty() || !std::filesystem::path(std::string(*s)).is_absolute()) {
            f.fail("paths holds something that is not an absolute path");
        }
        origin.paths.emplace_back(*s);
    }
    if (origin.paths.empty()) f.fail("paths is empty");
    const uint64_t first = f.uint("first_layer");
    if (first > (uint64_t(1) << 40)) f.fail(fmt::format("first_layer {} is beyond any layer id the host gives", first));
    origin.first_layer = size_t(first);
    return origin;
}

std::string DataOrigin::describe() const {
    switch (kind) {
        case Kind::empty: return "no data";
        case Kind::demo: return "--demo";
        case Kind::files: break;
    }
    std::string text = first_layer == 0 ? "--open" : fmt::format("napari.load_zarr (from layer-{}) of", first_layer);
    for (const std::string &p : paths) text += " " + p;
    return text;
}

data::Scene DataOrigin::open() const {
    switch (kind) {
        case Kind::empty: return data::empty_scene();
        case Kind::demo: return data::demo_scene();
        case Kind::files: break;
    }
    return data::file_scene({paths.begin(), paths.end()}, first_layer);
}

DataOrigin command_line_origin(const ServeOptions &options) {
    DataOrigin origin;
    if (options.demo) origin.kind = DataOrigin::Kind::demo;
    if (!options.open.empty()) {
        origin.kind = DataOrigin::Kind::files;
        for (const std::string &p : options.open) origin.paths.push_back(std::filesystem::absolute(p).lexically_normal().string());
    }
    return origin;
}

LoggedLoad origin_of_load(const boost::json::value &request, const std::string &where) {
    const auto *object = request.if_object();
    if (object == nullptr) throw store::RecoveryError(fmt::format("{}: a scene load's request is not an object", where));
    const store::StateFields f(*object, where);
    if (f.has("fresh_state")) {
        f.only({"fresh_state", "data"});
        if (!f.boolean("fresh_state")) f.fail("fresh_state is not true");
        return {DataOrigin::from_json(f.object("data"), where), true};
    }
    f.only({"path", "first_layer"});
    const boost::json::object origin{{"kind", "files"}, {"paths", boost::json::array{f.value("path")}},
                                     {"first_layer", f.value("first_layer")}};
    return {DataOrigin::from_json(origin, where), false};
}

boost::json::object fresh_state_request(const DataOrigin &origin) {
    return {{"fresh_state", true}, {"data", origin.to_json()}};
}

StateKeeper::StateKeeper(std::filesystem::path state_dir, std::filesystem::path audit_log, bool sync,
                         unsigned snapshot_every, const base::Clock &clock)
    : files_(std::move(state_dir), sync), audit_log_(audit_log.string()), snapshot_every_(snapshot_every), clock_(clock) {
    SCENEHOST_ASSERT(snapshot_every_ >= 1, "the option's validator admits 1 and more");
}

std::optional<Recovery> StateKeeper::recover(store::SceneStore &store, const store::RecordCheck &check) {
    const auto newest = files_.newest();
    if (!newest) return std::nullopt;
    Recovery recovery;
    recovery.snapshot = files_.load(*newest, store, check);
    const std::string where = newest->string();
    if (recovery.snapshot.audit_log != audit_log_) {
        throw store::RecoveryError(fmt::format(
            "{}: the state was written with the audit log {}, not {}: start with --audit-log {} (the audit log is the "
            "state's write-ahead log)",
            where, recovery.snapshot.audit_log, audit_log_, recovery.snapshot.audit_log));
    }
    const store::StateFields host(recovery.snapshot.host, where);
    host.only({"command_line", "data", "next_layer"});
    recovery.command_line = DataOrigin::from_json(host.object("command_line"), where + ": command_line");
    recovery.data = DataOrigin::from_json(host.object("data"), where + ": data");
    recovery.next_layer = size_t(host.uint("next_layer"));
    sequence_ = recovery.snapshot.sequence;

    recovery.replay = store::replay_audit(audit_log_, store, check, files_.sync());
    for (const boost::json::value &request : recovery.replay.loads) {
        LoggedLoad load = origin_of_load(request, fmt::format("{}: a scene load's request", audit_log_));
        if (load.fresh_state) recovery.command_line = load.data;
        recovery.data = std::move(load.data);
    }
    return recovery;
}

void StateKeeper::start(const store::SceneStore &store, uint64_t run, DataOrigin command_line, DataOrigin data,
                        size_t next_layer) {
    SCENEHOST_ASSERT(run >= 1 && run_ == 0, "a keeper starts once");
    run_ = run;
    command_line_ = std::move(command_line);
    data_ = std::move(data);
    next_layer_ = next_layer;
    if (auto why = snapshot(store)) throw store::SnapshotWriteError(*why);
}

void StateKeeper::loaded(const store::SceneStore &store, DataOrigin data, size_t next_layer) {
    data_ = std::move(data);
    next_layer_ = next_layer;
    SCENEHOST_ASSERT(failed_ != nullptr, "serving sets who hears of failures");
    if (auto why = snapshot(store)) failed_(*why);
}

void StateKeeper::changed(const store::SceneStore &store) {
    if (++unsnapshotted_ < snapshot_every_) return;
    SCENEHOST_ASSERT(failed_ != nullptr, "serving sets who hears of failures");
    if (auto why = snapshot(store)) failed_(*why);
}

std::optional<std::string> StateKeeper::snapshot(const store::SceneStore &store) {
    SCENEHOST_ASSERT(run_ >= 1, "snapshots are written once the keeper started");
    const auto begin = std::chrono::steady_clock::now();
    const store::SnapshotHeader header{.sequence = sequence_ + 1,
                                       .run = run_,
                                       .audit_log = audit_log_,
                                       .written_us = clock_.now_us(),
                                       .host = {{"command_line", command_line_.to_json()},
                                                {"data", data_.to_json()},
                                                {"next_layer", next_layer_}}};
    try {
        snapshot_bytes_.set(double(files_.write(store, header)));
    } catch (const store::SnapshotWriteError &e) {
        return e.what();
    }
    snapshot_seconds_.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count());
    snapshots_.inc();
    sequence_ = header.sequence;
    unsnapshotted_ = 0;
    return std::nullopt;
}

}  // namespace scenehost::app
