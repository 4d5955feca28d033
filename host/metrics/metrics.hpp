// The host's metrics: counters, gauges and histograms that the network, render and encode
// threads update lock-free, and their Prometheus text exposition (format 0.0.4) for GET /metrics.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <variant>
#include <vector>

namespace scenehost::metrics {

// Upper bounds in seconds for latency histograms: 0.5 ms to 2.5 s.
inline const std::vector<double> kLatencyBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                    0.05,   0.1,   0.25,   0.5,   1,    2.5};

// Only ever goes up (a restart resets it to 0, which Prometheus' rate() expects).
class Counter {
public:
    void inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
    uint64_t value() const { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<uint64_t> value_{0};
};

class Gauge {
public:
    void set(double value) { value_.store(value, std::memory_order_relaxed); }
    void add(double delta) { value_.fetch_add(delta, std::memory_order_relaxed); }
    double value() const { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<double> value_{0.0};
};

// Bucket i counts the observations in (bounds[i-1], bounds[i]], the last bucket those above every
// bound. Exposure makes them cumulative and takes _count as their total, so _count always equals
// the +Inf bucket even while other threads observe.
class Histogram {
public:
    // upper_bounds: finite and strictly increasing; +Inf is implicit.
    explicit Histogram(std::vector<double> upper_bounds);

    void observe(double value);
    const std::vector<double> &upper_bounds() const { return upper_bounds_; }
    // Per-bucket (not cumulative) counts: one per bound, then the +Inf bucket.
    std::vector<uint64_t> bucket_counts() const;
    double sum() const { return sum_.load(std::memory_order_relaxed); }

private:
    std::vector<double> upper_bounds_;
    std::vector<std::atomic<uint64_t>> counts_;  // upper_bounds_.size() + 1
    std::atomic<double> sum_{0.0};
};

// One metric's children told apart by label values, e.g. scenehost_frames_total{outcome="sent"}.
// Invariant: every child has one value per label name; a child lives as long as its family, so
// callers may keep the reference with() returns.
template <class M>
class Family {
public:
    using MakeChild = std::function<std::unique_ptr<M>()>;

    // Asserts the label names are valid. make_child defaults to M's default constructor
    // (a histogram family passes its bounds).
    explicit Family(std::vector<std::string> label_names, MakeChild make_child = [] { return std::make_unique<M>(); });

    // The child for these label values (in label-name order), made on first use. Takes a lock:
    // on a hot path, call it once and keep the reference.
    M &with(const std::vector<std::string> &label_values);
    const std::vector<std::string> &label_names() const { return label_names_; }
    // Calls fn(label_values, child) for every child in label-value order, under the lock.
    void for_each(const std::function<void(const std::vector<std::string> &, const M &)> &fn) const;

private:
    const std::vector<std::string> label_names_;
    const MakeChild make_child_;
    mutable std::mutex mutex_;
    std::map<std::vector<std::string>, std::unique_ptr<M>> children_;
};

extern template class Family<Counter>;
extern template class Family<Gauge>;
extern template class Family<Histogram>;

// A counter another module already tracks (e.g. frames encoded), read at scrape time.
struct CounterReading {
    std::function<double()> read;
};

// Owns every metric it makes; the references it hands out stay valid for its lifetime. It also
// exposes metrics that a module owns as members (attach): those must outlive every scrape. Invariant: names
// are unique and match [a-zA-Z_:][a-zA-Z0-9_:]*, counters end in _total, label names match
// [a-zA-Z_][a-zA-Z0-9_]*. Name duration histograms *_seconds. Breaking a rule is a bug: it asserts.
class Registry {
public:
    Counter &counter(std::string name, std::string help);
    Gauge &gauge(std::string name, std::string help);
    Histogram &histogram(std::string name, std::string help, std::vector<double> upper_bounds);
    Family<Counter> &counter_family(std::string name, std::string help, std::vector<std::string> label_names);
    Family<Gauge> &gauge_family(std::string name, std::string help, std::vector<std::string> label_names);
    Family<Histogram> &histogram_family(std::string name, std::string help, std::vector<std::string> label_names,
                                        std::vector<double> upper_bounds);
    // A gauge whose value another module already tracks (e.g. a queue length). read is called
    // on the thread that calls expose(), at every scrape, with the registry locked.
    void gauge_callback(std::string name, std::string help, std::function<double()> read);
    // The same for a counter (monotonic): read must never go down.
    void counter_callback(std::string name, std::string help, std::function<double()> read);

    // Metrics a module owns and updates itself. LIFETIME: the metric outlives the registry's
    // scrapes (the module is built before the registry and destroyed after it).
    void attach(std::string name, std::string help, const Counter &counter);
    void attach(std::string name, std::string help, const Gauge &gauge);
    void attach(std::string name, std::string help, const Histogram &histogram);
    void attach(std::string name, std::string help, const Family<Counter> &family);
    void attach(std::string name, std::string help, const Family<Gauge> &family);
    void attach(std::string name, std::string help, const Family<Histogram> &family);

    // Every metric in registration order, children in label-value order.
    std::string expose() const;

private:
    using Metric = std::variant<std::unique_ptr<Counter>, std::unique_ptr<Gauge>, std::unique_ptr<Histogram>,
                                std::unique_ptr<Family<Counter>>, std::unique_ptr<Family<Gauge>>,
                                std::unique_ptr<Family<Histogram>>, std::function<double()>, CounterReading,
                                const Counter *, const Gauge *, const Histogram *, const Family<Counter> *,
                                const Family<Gauge> *, const Family<Histogram> *>;
    struct Entry {
        std::string name;
        std::string help;
        Metric metric;
    };

    template <class T>
    T &add(std::string name, std::string help, std::unique_ptr<T> metric);
    template <class T>
    void add_attached(std::string name, std::string help, const T &metric);
    void add_entry(std::string name, std::string help, Metric metric);

    mutable std::mutex mutex_;  // registration against scrapes
    std::vector<Entry> entries_;
};

}  // namespace scenehost::metrics
