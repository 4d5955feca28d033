// The transport's own counters, one set per host, shared by all its listeners and updated on
// the io thread; app/host_metrics.cpp gives them their Prometheus names (docs/metrics.md).
#pragma once

#include "metrics/metrics.hpp"

namespace scenehost::transport {

struct TransportMetrics {
    metrics::Counter connections_refused;  // accepted over the connection limit and answered 503
    metrics::Counter accept_failures;      // accepts that failed (EMFILE, ENFILE, ENOBUFS, ...)
    metrics::Counter write_timeouts;       // connections ended because one write did not complete in time
    metrics::Family<metrics::Counter> http_errors{{"status"}};  // HTTP answers with a status >= 400, by status
};

}  // namespace scenehost::transport
