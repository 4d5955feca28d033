// Foundation benchmark: scene-store applies for a realistic intent mix, audit-log append cost
// per fsync policy, and one reducer call across the C boundary (JSON text out and back,
// schema check) against the same reducer called directly. Each row is a ratio to a baseline
// measured in the same run: `build/bin/foundation_bench [--quick]`.
#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <random>
#include <spdlog/spdlog.h>
#include <string>
#include <unistd.h>
#include <unordered_map>
#include <vector>

#include "base/clock.hpp"
#include "echo_reducer.hpp"
#include "plugin/plugin_registry.hpp"
#include "store/audit_log.hpp"
#include "store/scene_store.hpp"

using namespace scenehost;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

// Median over `repeats` runs of the mean time of one op, in nanoseconds.
template <class Op>
double ns_per_op(size_t iterations, Op &&op, int repeats = 5) {
    std::vector<double> samples;
    for (int r = 0; r < repeats; ++r) {
        const auto start = std::chrono::steady_clock::now();
        for (size_t i = 0; i < iterations; ++i) op(i);
        const auto elapsed = std::chrono::steady_clock::now() - start;
        samples.push_back(std::chrono::duration<double, std::nano>(elapsed).count() / double(iterations));
    }
    std::sort(samples.begin(), samples.end());
    return samples[samples.size() / 2];
}

void row(const std::string &what, double ns, const std::string &baseline, double baseline_ns) {
    fmt::print("| {:<44} | {:>12.0f} | {:>14.1f} | {:<36} | {:>12.0f} | {:>6.2f} |\n", what, ns, 1e9 / ns / 1000.0,
               baseline, baseline_ns, ns / baseline_ns);
}

void header(const char *title) {
    fmt::print("\n{}\n", title);
    fmt::print("| {:<44} | {:>12} | {:>14} | {:<36} | {:>12} | {:>6} |\n", "measured", "ns/op", "kops/s", "baseline",
               "baseline ns", "ratio");
    fmt::print("|{:-<46}|{:->14}|{:->16}|{:-<38}|{:->14}|{:->8}|\n", "", "", "", "", "", "");
}

// One intent of the mix, already turned into the writes a reducer would return.
struct MixedApply {
    std::string scope;
    std::vector<store::Write> writes;
    bool checks_base_version;
};

// 60 % dims slider moves, 25 % camera moves (three writes), 15 % layer opacity with base_version.
std::vector<MixedApply> make_mix(size_t count) {
    std::mt19937_64 rng(42);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    std::vector<MixedApply> mix;
    for (size_t i = 0; i < count; ++i) {
        const double pick = unit(rng);
        if (pick < 0.60) {
            mix.push_back({"dims", {{"main", "current_step", json::array{int64_t(rng() % 64), 0, 0}}}, false});
        } else if (pick < 0.85) {
            mix.push_back({"camera",
                           {{"main", "center", json::array{unit(rng) * 512, unit(rng) * 512, 32.0}},
                            {"main", "zoom", 0.5 + unit(rng)},
                            {"main", "angles", json::array{unit(rng) * 90, unit(rng) * 90, 0.0}}},
                           false});
        } else {
            mix.push_back({"layer", {{fmt::format("layer-{}", rng() % 8), "opacity", unit(rng)}}, true});
        }
    }
    return mix;
}

void bench_store(bool quick) {
    header("Scene store: apply of a realistic mix (60% dims, 25% camera x3 writes, 15% layer opacity + base_version)");
    const auto mix = make_mix(4096);
    const size_t iterations = quick ? 20'000 : 200'000;
    base::SystemClock clock;
    store::SceneStore store(clock);
    const store::WriteOrigin origin{"bench", "state.update"};
    const double store_ns = ns_per_op(iterations, [&](size_t i) {
        const MixedApply &m = mix[i % mix.size()];
        if (m.checks_base_version) {
            const store::Record *r = store.find(m.scope, m.writes[0].target, m.writes[0].key);
            auto conflict = store.check_base_version({m.scope, m.writes[0].target, m.writes[0].key},
                                                     r == nullptr ? 0 : r->version);
            if (conflict) std::abort();
        }
        store.apply(m.scope, m.writes, origin);
    });
    std::unordered_map<std::string, json::value> plain;
    const double plain_ns = ns_per_op(iterations, [&](size_t i) {
        const MixedApply &m = mix[i % mix.size()];
        for (const auto &w : m.writes) plain[m.scope + '/' + w.target + '/' + w.key] = w.value;
    });
    row("SceneStore::apply (versions, records, notify)", store_ns, "unordered_map assign of the writes", plain_ns);
}

store::AuditEntry sample_entry(uint64_t n) {
    store::AuditEntry e;
    e.time_us = 1'700'000'000'000'000 + int64_t(n);
    e.actor = "client-7f3a";
    e.session = "bf52c9c6-4875-4280-9f00-6022cb5106d6";
    e.intent_id = fmt::format("intent-{}", n);
    e.scope = "layer";
    e.target = "layer-0";
    e.key = "opacity";
    e.status = "accepted";
    e.requested_value = 0.5;
    e.writes.push_back({"layer-0", "opacity", 0.25, 0.5, n + 1, {}, false});
    e.version = n + 1;
    return e;
}

void bench_audit(bool quick, const fs::path &dir) {
    header("Audit log: one append per intent, by fsync policy (baseline: raw write(2) of a same-size line)");
    base::SystemClock clock;
    const std::string line(220, 'x');
    struct Policy {
        store::FsyncPolicy policy;
        const char *name;
        size_t iterations;
    };
    const Policy policies[] = {{store::FsyncPolicy::never, "never", quick ? 5'000u : 50'000u},
                               {store::FsyncPolicy::batch, "batch", quick ? 5'000u : 50'000u},
                               {store::FsyncPolicy::always, "always", quick ? 200u : 1'000u}};
    for (const auto &p : policies) {
        const fs::path path = dir / fmt::format("audit-{}.jsonl", p.name);
        store::AuditConfig config{.path = path, .fsync = p.policy, .rotate_bytes = 0};
        auto log = store::AuditLog::open(config, clock);
        uint64_t n = 0;
        const double audit_ns = ns_per_op(p.iterations, [&](size_t) { log->append(sample_entry(n++)); }, 3);
        const fs::path raw_path = dir / fmt::format("raw-{}.txt", p.name);
        const int fd = ::open(raw_path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
        const bool sync = p.policy == store::FsyncPolicy::always;
        const double raw_ns = ns_per_op(p.iterations, [&](size_t) {
            if (::write(fd, line.data(), line.size()) != ssize_t(line.size())) std::abort();
            if (sync) ::fdatasync(fd);
        }, 3);
        ::close(fd);
        row(fmt::format("AuditLog::append, fsync={}", p.name), audit_ns,
            sync ? "write(2) + fdatasync" : "write(2)", raw_ns);
    }
}

void bench_reducer(bool quick) {
    header("Reducer call: across the C boundary (JSON text out and back + schema check) vs the same class directly");
    const std::vector<fs::path> dirs = {fs::path(SCENEHOST_FIXTURE_PLUGIN_DIR) / "good_echo"};
    const auto registry = plugin::PluginRegistry::load(dirs);
    const plugin::ReducerPlugin *echo = registry.reducer("fixture");
    if (echo == nullptr) throw std::runtime_error("good_echo fixture plugin did not load");
    base::SystemClock clock;
    store::SceneStore store(clock);
    const size_t iterations = quick ? 50'000 : 500'000;
    const json::value requested = 0.5;
    size_t writes = 0;
    const double boundary_ns = ns_per_op(iterations, [&](size_t) {
        // What the engine does: the parsed client value goes out as text, writes come back parsed.
        const std::string text = json::serialize(requested);
        auto outcome = echo->reduce({"layer-0", "level", text, "bench", "intent"}, store);
        writes += std::get<std::vector<store::Write>>(outcome).size();
    });

    // The same reducer class compiled into this program, called through the SDK's C++ views
    // with a sink that keeps the text it is given.
    scenehost_host_v1 host{sizeof(scenehost_host_v1), nullptr, [](void *, scenehost_log_level, scenehost_string_view) {}};
    fixture::EchoReducer direct{sdk::Host(&host)};
    struct Kept {
        std::string_view value;
    } kept;
    scenehost_outcome_sink_v1 sink{sizeof(scenehost_outcome_sink_v1), &kept,
                                   [](void *c, scenehost_string_view, scenehost_string_view, scenehost_string_view v) {
                                       static_cast<Kept *>(c)->value = sdk::to_std(v);
                                   },
                                   [](void *, scenehost_string_view, scenehost_string_view, scenehost_string_view) {},
                                   [](void *, uint32_t, scenehost_string_view, scenehost_string_view) {}};
    scenehost_store_view_v1 view{sizeof(scenehost_store_view_v1), nullptr,
                                 [](void *, scenehost_string_view, scenehost_string_view, scenehost_string_view,
                                    scenehost_string_view *, uint64_t *) { return 0; },
                                 [](void *, scenehost_string_view, void (*)(void *, scenehost_string_view), void *) {}};
    const double direct_ns = ns_per_op(iterations, [&](size_t) {
        const std::string text = json::serialize(requested);
        scenehost_intent_v1 intent{sizeof(scenehost_intent_v1), sdk::to_c("fixture"), sdk::to_c("layer-0"),
                                   sdk::to_c("level"), sdk::to_c(text), sdk::to_c("bench"), sdk::to_c("intent")};
        direct.reduce(sdk::Intent(&intent), sdk::StoreView(&view), sdk::Outcome(&sink));
        writes += kept.value.size();
    });
    row("ReducerPlugin::reduce via C ABI + checks", boundary_ns, "EchoReducer::reduce called directly", direct_ns);
    if (writes == 0) std::abort();
}

}  // namespace

int main(int argc, char **argv) {
    const bool quick = argc > 1 && std::string_view(argv[1]) == "--quick";
    spdlog::set_level(spdlog::level::warn);
    const fs::path dir = fs::temp_directory_path() / fmt::format("scenehost-bench-{}", getpid());
    fs::create_directories(dir);
    fmt::print("scenehost foundation benchmark{} (median of repeated runs; ratio = measured / baseline)\n",
               quick ? " --quick" : "");
    bench_store(quick);
    bench_audit(quick, dir);
    bench_reducer(quick);
    fs::remove_all(dir);
}
