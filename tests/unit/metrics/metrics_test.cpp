// The Prometheus text exposition, byte for byte: samples, cumulative buckets, escaping, number
// forms; exact totals under concurrent updates; stable family children; the naming invariants.
#include <catch2/catch.hpp>
#include <cmath>
#include <csignal>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "metrics/metrics.hpp"
#include "support/child_process.hpp"

using namespace scenehost;
using metrics::Registry;

namespace {

// The exposition of a registry holding one gauge "g" set to value.
std::string gauge_text(double value) {
    Registry registry;
    registry.gauge("g", "G.").set(value);
    return registry.expose();
}

std::string gauge_line(const std::string &value_text) { return "# HELP g G.\n# TYPE g gauge\ng " + value_text + "\n"; }

// What a registration that breaks an invariant writes to stderr before it aborts.
std::string abort_message(const std::function<void(Registry &)> &body) {
    const test::ChildEnd end = test::run_in_child([&] {
        Registry registry;
        body(registry);
    });
    CHECK(end.signal == SIGABRT);
    return end.stderr_text;
}

}  // namespace

TEST_CASE("a small registry exposes exactly the Prometheus text") {
    Registry registry;
    auto &requests = registry.counter("scenehost_requests_total", "Requests served.");
    requests.inc();
    requests.inc(11);
    auto &frames = registry.counter_family("scenehost_frames_total", "Frames by outcome.", {"outcome"});
    frames.with({"sent"}).inc(3);
    frames.with({"dropped"}).inc();
    auto &clients = registry.gauge("scenehost_clients", "Connected clients.");
    clients.set(2);
    clients.add(1.5);
    int queued = 7;
    registry.gauge_callback("scenehost_queue_length", "Frames queued.", [&] { return double(queued); });
    auto &encode = registry.histogram("scenehost_encode_seconds", "Encode time.", {0.005, 0.25, 1});
    for (double seconds : {0.25, 0.25, 0.5, 4.0}) encode.observe(seconds);
    registry.gauge_family("scenehost_sessions", "Sessions by dialect.", {"dialect"});
    queued = 9;  // read at scrape time, not at registration

    CHECK(registry.expose() ==
          "# HELP scenehost_requests_total Requests served.\n"
          "# TYPE scenehost_requests_total counter\n"
          "scenehost_requests_total 12\n"
          "# HELP scenehost_frames_total Frames by outcome.\n"
          "# TYPE scenehost_frames_total counter\n"
          "scenehost_frames_total{outcome=\"dropped\"} 1\n"
          "scenehost_frames_total{outcome=\"sent\"} 3\n"
          "# HELP scenehost_clients Connected clients.\n"
          "# TYPE scenehost_clients gauge\n"
          "scenehost_clients 3.5\n"
          "# HELP scenehost_queue_length Frames queued.\n"
          "# TYPE scenehost_queue_length gauge\n"
          "scenehost_queue_length 9\n"
          "# HELP scenehost_encode_seconds Encode time.\n"
          "# TYPE scenehost_encode_seconds histogram\n"
          "scenehost_encode_seconds_bucket{le=\"0.005\"} 0\n"
          "scenehost_encode_seconds_bucket{le=\"0.25\"} 2\n"
          "scenehost_encode_seconds_bucket{le=\"1\"} 3\n"
          "scenehost_encode_seconds_bucket{le=\"+Inf\"} 4\n"
          "scenehost_encode_seconds_sum 5\n"
          "scenehost_encode_seconds_count 4\n"
          "# HELP scenehost_sessions Sessions by dialect.\n"
          "# TYPE scenehost_sessions gauge\n");
}

TEST_CASE("a labelled histogram puts le after its labels, children in label-value order") {
    Registry registry;
    auto &latency = registry.histogram_family("scenehost_stage_seconds", "Stage time.", {"stage", "codec"}, {0.1});
    latency.with({"render", "h264"}).observe(0.5);
    latency.with({"encode", "h264"}).observe(0.1);
    CHECK(registry.expose() ==
          "# HELP scenehost_stage_seconds Stage time.\n"
          "# TYPE scenehost_stage_seconds histogram\n"
          "scenehost_stage_seconds_bucket{stage=\"encode\",codec=\"h264\",le=\"0.1\"} 1\n"
          "scenehost_stage_seconds_bucket{stage=\"encode\",codec=\"h264\",le=\"+Inf\"} 1\n"
          "scenehost_stage_seconds_sum{stage=\"encode\",codec=\"h264\"} 0.1\n"
          "scenehost_stage_seconds_count{stage=\"encode\",codec=\"h264\"} 1\n"
          "scenehost_stage_seconds_bucket{stage=\"render\",codec=\"h264\",le=\"0.1\"} 0\n"
          "scenehost_stage_seconds_bucket{stage=\"render\",codec=\"h264\",le=\"+Inf\"} 1\n"
          "scenehost_stage_seconds_sum{stage=\"render\",codec=\"h264\"} 0.5\n"
          "scenehost_stage_seconds_count{stage=\"render\",codec=\"h264\"} 1\n");
}

TEST_CASE("label values escape backslash, double quote and newline") {
    Registry registry;
    registry.counter_family("scenehost_files_total", "Files.", {"path"}).with({"a\\b\"c\nd"}).inc();
    CHECK(registry.expose() ==
          "# HELP scenehost_files_total Files.\n"
          "# TYPE scenehost_files_total counter\n"
          "scenehost_files_total{path=\"a\\\\b\\\"c\\nd\"} 1\n");
}

TEST_CASE("help text escapes backslash and newline, not double quotes") {
    Registry registry;
    registry.gauge("g", "line one\nback\\slash \"quoted\"");
    CHECK(registry.expose() ==
          "# HELP g line one\\nback\\\\slash \"quoted\"\n"
          "# TYPE g gauge\n"
          "g 0\n");
}

TEST_CASE("concurrent updates from 4 threads lose nothing") {
    Registry registry;
    auto &counter = registry.counter("scenehost_hits_total", "Hits.");
    auto &family = registry.counter_family("scenehost_labelled_hits_total", "Hits.", {"thread"});
    auto &gauge = registry.gauge("scenehost_level", "Level.");
    auto &histogram = registry.histogram("scenehost_wait_seconds", "Wait.", {0.5});
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            auto &child = family.with({"all"});
            for (int i = 0; i < 100000; ++i) {
                counter.inc();
                child.inc();
                gauge.add(1);
                histogram.observe(i % 2 == 0 ? 0.25 : 1.0);
            }
        });
    }
    for (auto &thread : threads) thread.join();
    CHECK(counter.value() == 400000);
    CHECK(family.with({"all"}).value() == 400000);
    CHECK(gauge.value() == 400000);
    CHECK(histogram.bucket_counts() == std::vector<uint64_t>{200000, 200000});
    CHECK(histogram.sum() == 250000);
}

TEST_CASE("children made from 4 threads at once are made once each") {
    Registry registry;
    auto &family = registry.counter_family("scenehost_made_total", "Made.", {"n"});
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 20000; ++i) family.with({std::to_string(i % 200)}).inc();
        });
    }
    for (auto &thread : threads) thread.join();
    std::vector<uint64_t> values;
    family.for_each([&](const std::vector<std::string> &, const metrics::Counter &c) { values.push_back(c.value()); });
    CHECK(values == std::vector<uint64_t>(200, 400));
}

TEST_CASE("a family child is made once and its reference stays valid") {
    Registry registry;
    auto &family = registry.gauge_family("scenehost_queue", "Queue.", {"a", "b"});
    auto &first = family.with({"x", "y"});
    for (int i = 0; i < 1000; ++i) family.with({"x", std::to_string(i)}).set(i);  // the map rebalances
    CHECK(&family.with({"x", "y"}) == &first);
    CHECK(&family.with({"y", "x"}) != &first);  // label values are ordered, not a set
    first.set(42);
    CHECK(family.with({"x", "y"}).value() == 42);
}

TEST_CASE("a family can live outside a registry, as a module's member") {
    metrics::Family<metrics::Counter> rejected{{"code"}};
    rejected.with({"state.conflict"}).inc(2);
    CHECK(rejected.label_names() == std::vector<std::string>{"code"});
    CHECK(rejected.with({"state.conflict"}).value() == 2);
}

TEST_CASE("numbers print in shortest round-trip form, whole ones without .0 or exponent") {
    CHECK(gauge_text(0.1 + 0.2) == gauge_line("0.30000000000000004"));
    CHECK(gauge_text(0.005) == gauge_line("0.005"));
    CHECK(gauge_text(0.0005) == gauge_line("0.0005"));
    CHECK(gauge_text(12) == gauge_line("12"));
    CHECK(gauge_text(-3) == gauge_line("-3"));
    CHECK(gauge_text(1e6) == gauge_line("1000000"));
    CHECK(gauge_text(1e15) == gauge_line("1000000000000000"));
    CHECK(gauge_text(1e20) == gauge_line("1e+20"));
    CHECK(gauge_text(1.5e-9) == gauge_line("1.5e-09"));
    CHECK(gauge_text(std::numeric_limits<double>::infinity()) == gauge_line("+Inf"));
    CHECK(gauge_text(-std::numeric_limits<double>::infinity()) == gauge_line("-Inf"));
    CHECK(gauge_text(std::nan("")) == gauge_line("NaN"));

    Registry registry;
    registry.counter("scenehost_big_total", "Big.").inc(18446744073709551615u);
    CHECK(registry.expose() == "# HELP scenehost_big_total Big.\n# TYPE scenehost_big_total counter\n"
                               "scenehost_big_total 18446744073709551615\n");
}

TEST_CASE("the latency buckets print as plain decimals") {
    Registry registry;
    registry.histogram("scenehost_latency_seconds", "Latency.", metrics::kLatencyBuckets);
    std::string expected = "# HELP scenehost_latency_seconds Latency.\n# TYPE scenehost_latency_seconds histogram\n";
    for (const char *le : {"0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1",
                           "2.5", "+Inf"}) {
        expected += std::string("scenehost_latency_seconds_bucket{le=\"") + le + "\"} 0\n";
    }
    expected += "scenehost_latency_seconds_sum 0\nscenehost_latency_seconds_count 0\n";
    CHECK(registry.expose() == expected);
}

TEST_CASE("breaking a naming or labelling rule aborts, naming the rule") {
    CHECK_THAT(abort_message([](Registry &r) { r.counter("scenehost_hits", "Hits."); }),
               Catch::Contains("counter scenehost_hits is named *_total"));
    CHECK_THAT(abort_message([](Registry &r) {
                   r.gauge("scenehost_level", "Level.");
                   r.gauge_callback("scenehost_level", "Level.", [] { return 1.0; });
               }),
               Catch::Contains("metric scenehost_level is registered once"));
    CHECK_THAT(abort_message([](Registry &r) { r.gauge("2fast", "Bad."); }),
               Catch::Contains("metric name '2fast' matches"));
    CHECK_THAT(abort_message([](Registry &r) { r.gauge_family("scenehost_g", "G.", {"a:b"}); }),
               Catch::Contains("label name 'a:b' matches"));
    CHECK_THAT(abort_message([](Registry &r) { r.counter_family("scenehost_f_total", "F.", {"a", "b"}).with({"x"}); }),
               Catch::Contains("1 label values for 2 label names"));
    CHECK_THAT(abort_message([](Registry &r) { r.histogram_family("scenehost_h_seconds", "H.", {"le"}, {1}); }),
               Catch::Contains("leaves the label name 'le' to its buckets"));
    CHECK_THAT(abort_message([](Registry &r) { r.histogram("scenehost_h_seconds", "H.", {1, 1}); }),
               Catch::Contains("bucket bounds strictly increase"));
}

TEST_CASE("attached metrics and callback counters are exposed like the registry's own") {
    scenehost::metrics::Registry registry;
    scenehost::metrics::Counter accepted;
    scenehost::metrics::Family<scenehost::metrics::Counter> rejected{{"code"}};
    scenehost::metrics::Histogram seconds{{0.1, 1}};
    uint64_t encoded = 7;
    registry.attach("t_accepted_total", "Accepted.", accepted);
    registry.attach("t_rejected_total", "Rejected.", rejected);
    registry.attach("t_seconds", "Seconds.", seconds);
    registry.counter_callback("t_encoded_total", "Encoded.", [&encoded] { return static_cast<double>(encoded); });
    accepted.inc(3);
    rejected.with({"state.out_of_range"}).inc();
    seconds.observe(0.5);
    encoded = 9;  // read at scrape time
    CHECK(registry.expose() ==
          "# HELP t_accepted_total Accepted.\n# TYPE t_accepted_total counter\nt_accepted_total 3\n"
          "# HELP t_rejected_total Rejected.\n# TYPE t_rejected_total counter\n"
          "t_rejected_total{code=\"state.out_of_range\"} 1\n"
          "# HELP t_seconds Seconds.\n# TYPE t_seconds histogram\nt_seconds_bucket{le=\"0.1\"} 0\n"
          "t_seconds_bucket{le=\"1\"} 1\nt_seconds_bucket{le=\"+Inf\"} 1\nt_seconds_sum 0.5\nt_seconds_count 1\n"
          "# HELP t_encoded_total Encoded.\n# TYPE t_encoded_total counter\nt_encoded_total 9\n");
}
