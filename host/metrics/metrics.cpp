// Metric updates, registration checks and the Prometheus text exposition (format 0.0.4).
#include "metrics/metrics.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fmt/format.h>
#include <set>
#include <string_view>

#include "base/assert.hpp"

namespace scenehost::metrics {
namespace {

bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Metric names: [a-zA-Z_:][a-zA-Z0-9_:]*; label names the same without ':'.
bool valid_name(std::string_view name, bool colon) {
    if (name.empty()) return false;
    for (size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        if (!is_letter(c) && !(colon && c == ':') && !(i > 0 && is_digit(c))) return false;
    }
    return true;
}

// HELP text escapes backslash and newline; label values double quotes too.
void append_escaped(std::string &out, std::string_view text, bool quoted) {
    for (const char c : text) {
        if (c == '\\') out += "\\\\";
        else if (c == '\n') out += "\\n";
        else if (quoted && c == '"') out += "\\\"";
        else out += c;
    }
}

void append_number(std::string &out, uint64_t value) {
    char buffer[24];
    const auto end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
    out.append(buffer, end);
}

// Shortest round-trip text, without an exponent at the magnitudes people read (12, 0.005).
void append_number(std::string &out, double value) {
    if (std::isnan(value)) {
        out += "NaN";
        return;
    }
    if (std::isinf(value)) {
        out += value > 0 ? "+Inf" : "-Inf";
        return;
    }
    char buffer[64];
    const double magnitude = std::fabs(value);
    const bool plain = magnitude == 0 || (magnitude >= 1e-6 && magnitude < 1e16);
    const auto [end, ec] = plain ? std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed)
                                 : std::to_chars(buffer, buffer + sizeof buffer, value);
    SCENEHOST_ASSERT(ec == std::errc(), "64 characters hold every double in these two forms");
    out.append(buffer, end);
}

// One sample line: name{labels} value.
template <class V>
void append_sample(std::string &out, std::string_view name, std::string_view suffix, std::string_view labels,
                   V value) {
    out += name;
    out += suffix;
    if (!labels.empty()) {
        out += '{';
        out += labels;
        out += '}';
    }
    out += ' ';
    append_number(out, value);
    out += '\n';
}

// labels: the rendered label set without braces (a="x",b="y"), empty for none.
void append_samples(std::string &out, std::string_view name, std::string_view labels, const Counter &counter) {
    append_sample(out, name, "", labels, counter.value());
}

void append_samples(std::string &out, std::string_view name, std::string_view labels, const Gauge &gauge) {
    append_sample(out, name, "", labels, gauge.value());
}

void append_samples(std::string &out, std::string_view name, std::string_view labels,
                    const std::function<double()> &read) {
    append_sample(out, name, "", labels, read());
}

void append_samples(std::string &out, std::string_view name, std::string_view labels, const CounterReading &counter) {
    append_sample(out, name, "", labels, counter.read());
}

void append_samples(std::string &out, std::string_view name, std::string_view labels, const Histogram &histogram) {
    const std::vector<uint64_t> counts = histogram.bucket_counts();
    const std::vector<double> &bounds = histogram.upper_bounds();
    std::string bucket_labels(labels);
    if (!bucket_labels.empty()) bucket_labels += ',';
    bucket_labels += "le=\"";
    const size_t le_at = bucket_labels.size();
    uint64_t cumulative = 0;
    for (size_t i = 0; i < counts.size(); ++i) {
        cumulative += counts[i];
        bucket_labels.resize(le_at);
        if (i < bounds.size()) append_number(bucket_labels, bounds[i]);
        else bucket_labels += "+Inf";
        bucket_labels += '"';
        append_sample(out, name, "_bucket", bucket_labels, cumulative);
    }
    append_sample(out, name, "_sum", labels, histogram.sum());
    append_sample(out, name, "_count", labels, cumulative);
}

template <class M>
void append_samples(std::string &out, std::string_view name, std::string_view, const Family<M> &family) {
    std::string labels;
    family.for_each([&](const std::vector<std::string> &values, const M &child) {
        labels.clear();
        for (size_t i = 0; i < values.size(); ++i) {
            if (i > 0) labels += ',';
            labels += family.label_names()[i];
            labels += "=\"";
            append_escaped(labels, values[i], true);
            labels += '"';
        }
        append_samples(out, name, labels, child);
    });
}

const char *type_name(const Counter *) { return "counter"; }
const char *type_name(const Gauge *) { return "gauge"; }
const char *type_name(const Histogram *) { return "histogram"; }
const char *type_name(const std::function<double()> *) { return "gauge"; }
const char *type_name(const CounterReading *) { return "counter"; }
template <class M>
const char *type_name(const Family<M> *) { return type_name(static_cast<const M *>(nullptr)); }

void check_bounds(const std::vector<double> &bounds) {
    for (size_t i = 0; i < bounds.size(); ++i) {
        SCENEHOST_ASSERT(std::isfinite(bounds[i]), "bounds are finite: +Inf is the implicit last bucket");
        SCENEHOST_ASSERT(i == 0 || bounds[i - 1] < bounds[i], "bucket bounds strictly increase");
    }
}

template <class T>
const T &deref(const std::unique_ptr<T> &metric) { return *metric; }
const std::function<double()> &deref(const std::function<double()> &read) { return read; }
const CounterReading &deref(const CounterReading &counter) { return counter; }
template <class T>
const T &deref(const T *metric) { return *metric; }

}  // namespace

Histogram::Histogram(std::vector<double> upper_bounds)
    : upper_bounds_(std::move(upper_bounds)), counts_(upper_bounds_.size() + 1) {
    check_bounds(upper_bounds_);
}

void Histogram::observe(double value) {
    SCENEHOST_ASSERT(!std::isnan(value), "a NaN observation would make _sum NaN for good");
    // The first bound >= value: buckets are inclusive of their upper bound (le).
    const auto bucket = std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), value) - upper_bounds_.begin();
    counts_[size_t(bucket)].fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(value, std::memory_order_relaxed);
}

std::vector<uint64_t> Histogram::bucket_counts() const {
    std::vector<uint64_t> counts;
    counts.reserve(counts_.size());
    for (const auto &count : counts_) counts.push_back(count.load(std::memory_order_relaxed));
    return counts;
}

template <class M>
Family<M>::Family(std::vector<std::string> label_names, MakeChild make_child)
    : label_names_(std::move(label_names)), make_child_(std::move(make_child)) {
    std::set<std::string_view> seen;
    for (const std::string &label : label_names_) {
        SCENEHOST_ASSERT(valid_name(label, false) && !label.starts_with("__"),
                         fmt::format("label name '{}' matches [a-zA-Z_][a-zA-Z0-9_]* without the reserved __", label));
        SCENEHOST_ASSERT(seen.insert(label).second, fmt::format("label name '{}' appears once", label));
    }
}

template <class M>
M &Family<M>::with(const std::vector<std::string> &label_values) {
    SCENEHOST_ASSERT(label_values.size() == label_names_.size(),
                     fmt::format("{} label values for {} label names", label_values.size(), label_names_.size()));
    std::lock_guard lock(mutex_);
    auto it = children_.find(label_values);
    if (it == children_.end()) it = children_.emplace(label_values, make_child_()).first;
    return *it->second;
}

template <class M>
void Family<M>::for_each(const std::function<void(const std::vector<std::string> &, const M &)> &fn) const {
    std::lock_guard lock(mutex_);
    for (const auto &[values, child] : children_) fn(values, *child);
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

Counter &Registry::counter(std::string name, std::string help) {
    return add(std::move(name), std::move(help), std::make_unique<Counter>());
}

Gauge &Registry::gauge(std::string name, std::string help) {
    return add(std::move(name), std::move(help), std::make_unique<Gauge>());
}

Histogram &Registry::histogram(std::string name, std::string help, std::vector<double> upper_bounds) {
    return add(std::move(name), std::move(help), std::make_unique<Histogram>(std::move(upper_bounds)));
}

Family<Counter> &Registry::counter_family(std::string name, std::string help, std::vector<std::string> label_names) {
    return add(std::move(name), std::move(help), std::make_unique<Family<Counter>>(std::move(label_names)));
}

Family<Gauge> &Registry::gauge_family(std::string name, std::string help, std::vector<std::string> label_names) {
    return add(std::move(name), std::move(help), std::make_unique<Family<Gauge>>(std::move(label_names)));
}

Family<Histogram> &Registry::histogram_family(std::string name, std::string help, std::vector<std::string> label_names,
                                              std::vector<double> upper_bounds) {
    SCENEHOST_ASSERT(std::find(label_names.begin(), label_names.end(), "le") == label_names.end(),
                     fmt::format("histogram {} leaves the label name 'le' to its buckets", name));
    check_bounds(upper_bounds);  // now, not at the first child
    auto make_child = [bounds = std::move(upper_bounds)] { return std::make_unique<Histogram>(bounds); };
    return add(std::move(name), std::move(help),
               std::make_unique<Family<Histogram>>(std::move(label_names), std::move(make_child)));
}

void Registry::gauge_callback(std::string name, std::string help, std::function<double()> read) {
    SCENEHOST_ASSERT(read != nullptr, fmt::format("callback gauge {} has a function to read", name));
    add_entry(std::move(name), std::move(help), std::move(read));
}

void Registry::counter_callback(std::string name, std::string help, std::function<double()> read) {
    SCENEHOST_ASSERT(read != nullptr, fmt::format("callback counter {} has a function to read", name));
    SCENEHOST_ASSERT(name.ends_with("_total"), fmt::format("counter {} is named *_total", name));
    add_entry(std::move(name), std::move(help), CounterReading{std::move(read)});
}

void Registry::attach(std::string name, std::string help, const Counter &counter) {
    add_attached(std::move(name), std::move(help), counter);
}
void Registry::attach(std::string name, std::string help, const Gauge &gauge) {
    add_attached(std::move(name), std::move(help), gauge);
}
void Registry::attach(std::string name, std::string help, const Histogram &histogram) {
    add_attached(std::move(name), std::move(help), histogram);
}
void Registry::attach(std::string name, std::string help, const Family<Counter> &family) {
    add_attached(std::move(name), std::move(help), family);
}
void Registry::attach(std::string name, std::string help, const Family<Gauge> &family) {
    add_attached(std::move(name), std::move(help), family);
}
void Registry::attach(std::string name, std::string help, const Family<Histogram> &family) {
    SCENEHOST_ASSERT(std::find(family.label_names().begin(), family.label_names().end(), "le") ==
                         family.label_names().end(),
                     fmt::format("histogram {} leaves the label name 'le' to its buckets", name));
    add_attached(std::move(name), std::move(help), family);
}

template <class T>
void Registry::add_attached(std::string name, std::string help, const T &metric) {
    if constexpr (std::is_same_v<T, Counter> || std::is_same_v<T, Family<Counter>>) {
        SCENEHOST_ASSERT(name.ends_with("_total"), fmt::format("counter {} is named *_total", name));
    }
    add_entry(std::move(name), std::move(help), &metric);
}

template <class T>
T &Registry::add(std::string name, std::string help, std::unique_ptr<T> metric) {
    T &added = *metric;
    if constexpr (std::is_same_v<T, Counter> || std::is_same_v<T, Family<Counter>>) {
        SCENEHOST_ASSERT(name.ends_with("_total"), fmt::format("counter {} is named *_total", name));
    }
    add_entry(std::move(name), std::move(help), std::move(metric));
    return added;
}

void Registry::add_entry(std::string name, std::string help, Metric metric) {
    SCENEHOST_ASSERT(valid_name(name, true), fmt::format("metric name '{}' matches [a-zA-Z_:][a-zA-Z0-9_:]*", name));
    std::lock_guard lock(mutex_);
    for (const Entry &entry : entries_) {
        SCENEHOST_ASSERT(entry.name != name, fmt::format("metric {} is registered once", name));
    }
    entries_.push_back({std::move(name), std::move(help), std::move(metric)});
}

std::string Registry::expose() const {
    std::string out;
    std::lock_guard lock(mutex_);
    for (const Entry &entry : entries_) {
        std::visit(
            [&](const auto &metric) {
                const auto &m = deref(metric);
                out += "# HELP ";
                out += entry.name;
                out += ' ';
                append_escaped(out, entry.help, false);
                out += "\n# TYPE ";
                out += entry.name;
                out += ' ';
                out += type_name(&m);
                out += '\n';
                append_samples(out, entry.name, "", m);
            },
            entry.metric);
    }
    return out;
}

}  // namespace scenehost::metrics
