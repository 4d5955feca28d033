// The shipped reducer plugins loaded through the real loader behind a real engine and store,
// seeded with a known scene: what the per-plugin tests drive.
#pragma once

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <unistd.h>
#include <vector>

#include "base/clock.hpp"
#include "engine/state_engine.hpp"
#include "plugin/plugin_registry.hpp"
#include "store/audit_log.hpp"
#include "store/scene_store.hpp"

namespace scenehost::test {

namespace json = boost::json;

// A 3D uint16 volume with two multiscale levels and a 2D float32 image over its last two axes,
// on a 300 x 200 canvas.
inline json::object test_scene() {
    return json::parse(R"({
      "layers": [
        {"id": "vol", "name": "cells", "shape": [10, 20, 30], "dtype": "uint16", "axis_labels": ["z", "y", "x"],
         "multiscale": [{"shape": [10, 20, 30], "downsample": [1, 1, 1], "path": "0"},
                        {"shape": [5, 10, 15], "downsample": [2, 2, 2], "path": "1"}]},
        {"id": "img", "shape": [20, 30], "dtype": "float32"}
      ],
      "canvas_size": [300, 200]})")
        .as_object();
}

class ReducerHarness {
public:
    explicit ReducerHarness(const json::object &scene = test_scene())
        : audit_path_(std::filesystem::temp_directory_path() /
                      ("scenehost-reducers-" + std::to_string(getpid()) + "-" + std::to_string(++instances()) + ".jsonl")),
          plugins_(plugin::PluginRegistry::load(plugin_dirs())) {
        std::filesystem::remove(audit_path_);
        audit_ = store::AuditLog::open({.path = audit_path_, .fsync = store::FsyncPolicy::never}, clock_);
        engine_.emplace(store_, plugins_, *audit_, clock_);
        engine_->seed(json::serialize(scene));
    }
    ~ReducerHarness() { std::filesystem::remove(audit_path_); }

    engine::Outcome apply(std::string_view scope, std::string_view target, std::string_view key,
                          const json::value &value, std::optional<uint64_t> base_version = std::nullopt) {
        return engine_->apply({scope, target, key, value, base_version}, {"tester", "session-1", "intent-1"});
    }

    // Applies and requires acceptance; returns the applied value.
    json::value accept(std::string_view scope, std::string_view target, std::string_view key, const json::value &value) {
        const engine::Outcome o = apply(scope, target, key, value);
        if (const auto *r = std::get_if<engine::Rejected>(&o)) {
            FAIL_CHECK(scope << "/" << target << "/" << key << " = " << json::serialize(value) << " rejected: " << r->code
                             << ": " << r->message);
            return nullptr;
        }
        return std::get<engine::Accepted>(o).applied_value;
    }

    // Applies, requires a rejection with `code`, checks the store did not change; returns it.
    engine::Rejected reject(std::string_view scope, std::string_view target, std::string_view key,
                            const json::value &value, std::string_view code) {
        const uint64_t before = store_.scope_version(scope);
        const engine::Outcome o = apply(scope, target, key, value);
        if (!std::holds_alternative<engine::Rejected>(o)) {
            FAIL_CHECK(scope << "/" << target << "/" << key << " = " << json::serialize(value) << " was accepted as "
                             << json::serialize(std::get<engine::Accepted>(o).applied_value) << ", expected " << code);
            return {};
        }
        const auto &r = std::get<engine::Rejected>(o);
        CHECK(r.code == code);
        CHECK_FALSE(r.message.empty());
        CHECK(store_.scope_version(scope) == before);
        return r;
    }

    const json::value &value(std::string_view scope, std::string_view target, std::string_view key) const {
        const store::Record *r = store_.find(scope, target, key);
        REQUIRE(r != nullptr);
        return r->value;
    }
    uint64_t version(std::string_view scope, std::string_view target, std::string_view key) const {
        const store::Record *r = store_.find(scope, target, key);
        REQUIRE(r != nullptr);
        return r->version;
    }
    bool has(std::string_view scope, std::string_view target, std::string_view key) const {
        return store_.find(scope, target, key) != nullptr;
    }

    const store::SceneStore &store() const { return store_; }
    engine::StateEngine &engine() { return *engine_; }
    // The audit log's lines so far, parsed.
    std::vector<json::object> audit_lines() const {
        std::vector<json::object> lines;
        std::ifstream in(audit_path_);
        for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line).as_object());
        return lines;
    }
    const plugin::PluginRegistry &plugins() const { return plugins_; }

private:
    static std::vector<std::filesystem::path> plugin_dirs() { return {std::filesystem::path(SCENEHOST_PLUGIN_DIR)}; }

    static int &instances() {
        static int n = 0;
        return n;
    }

    std::filesystem::path audit_path_;
    base::ManualClock clock_;
    store::SceneStore store_{clock_};
    plugin::PluginRegistry plugins_;
    std::unique_ptr<store::AuditLog> audit_;
    std::optional<engine::StateEngine> engine_;
};

// A JSON number as double, for comparisons.
inline double num(const json::value &v) { return v.to_number<double>(); }

}  // namespace scenehost::test
