// Accepts TCP connections (plain or TLS) on one io_context and serves HTTP on them:
// GET /healthz answers "ok", GET /metrics the Prometheus text (HEAD either without the body);
// GET /control (and GET /) upgrades to the control WebSocket, GET /pixels (with an optional
// query the pixel endpoint checks) to the pixel WebSocket; any other request gets the browser
// viewer's files when the listener has them (StaticFiles), else 404. A listener configured for
// one route (napari-cuda's ports) upgrades any path to it. Every connection takes a place under
// the host's ConnectionGate; one that finds none is answered 503 and closed.
#pragma once

#include <functional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>

#include "transport/connection.hpp"
#include "transport/connection_gate.hpp"
#include "transport/static_files.hpp"
#include "transport/transport_config.hpp"
#include "transport/transport_metrics.hpp"

namespace scenehost::transport {

// The Prometheus text exposition of the host's metrics (GET /metrics).
using MetricsText = std::function<std::string()>;

class Listener {
public:
    // Binds and listens at once; throws std::runtime_error naming the address and the reason
    // (address in use, a certificate or key file that cannot be read). Without a pixel endpoint
    // (rendering is off) /pixels answers 404 saying so. `web` (kept by the caller) serves
    // every other path of a listener for all routes.
    // `metrics` (kept by the caller; called on the io thread) answers GET /metrics.
    // `gate` and `counters` (kept by the caller) are shared by every listener of the host.
    Listener(boost::asio::io_context &io, TransportConfig config, ConnectionGate &gate, TransportMetrics &counters,
             ControlEndpoint &control, PixelEndpoint *pixels = nullptr, const StaticFiles *web = nullptr,
             const MetricsText *metrics = nullptr);
    ~Listener();
    // The address actually bound (the port the OS picked when config.port was 0).
    boost::asio::ip::tcp::endpoint local_endpoint() const;
    void start();
    void stop();

private:
    struct State;
    std::shared_ptr<State> state_;
};

}  // namespace scenehost::transport
