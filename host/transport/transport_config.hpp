// Transport settings: where to listen, limits, compression and TLS.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace scenehost::transport {

struct TlsConfig {
    std::filesystem::path certificate_chain;  // PEM
    std::filesystem::path private_key;        // PEM
};

// What a listener serves: every route at its path (/control, /pixels, /healthz), or, in
// napari-cuda's two-port layout, only the control or only the pixel WebSocket, at any path
// (/healthz still answers).
enum class Routes { all, control, pixels };

struct TransportConfig {
    Routes routes = Routes::all;
    std::string address = "127.0.0.1";
    uint16_t port = 8080;                      // 0: the OS picks a free port
    size_t max_frame_bytes = 1 << 20;          // larger incoming frames close the socket with 1009
    size_t send_queue_bytes = 4 << 20;         // per connection; see SendQueue
    int socket_send_buffer_bytes = 0;          // > 0: fixed SO_SNDBUF per connection (0: the OS autotunes)
    bool permessage_deflate = true;            // negotiated on /control when the client offers it
    std::chrono::milliseconds close_timeout{5000};  // a close handshake longer than this drops the TCP connection
    // One write (a WebSocket message, an HTTP response) not done within this drops the TCP
    // connection: a peer that stops reading holds nothing for longer.
    std::chrono::milliseconds write_timeout{10000};
    std::optional<TlsConfig> tls;
};

}  // namespace scenehost::transport
