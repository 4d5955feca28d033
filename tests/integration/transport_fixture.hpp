// The transport's integration tests share this: a Listener on 127.0.0.1:0 with an echo
// endpoint on /control, run on its own thread, and readers of what a WsClient got.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <optional>
#include <thread>

#include "support/ws_client.hpp"
#include "transport/listener.hpp"

namespace scenehost::test {

// Echoes every text frame as "echo:<text>"; "flood <n> <bytes>" sends n frames of that size.
class EchoHandler final : public transport::ConnectionHandler {
public:
    explicit EchoHandler(std::weak_ptr<transport::Connection> c) : connection_(std::move(c)) {}
    void on_text(std::string_view text) override {
        if (text.rfind("flood ", 0) == 0) {
            int count = 0, bytes = 0;
            std::sscanf(std::string(text).c_str(), "flood %d %d", &count, &bytes);
            for (int i = 0; i < count; ++i) connection_.lock()->send_text(std::make_shared<const std::string>(size_t(bytes), 'x'));
            return;
        }
        connection_.lock()->send_text(std::make_shared<const std::string>("echo:" + std::string(text)));
    }
    void on_closed() override {}

private:
    std::weak_ptr<transport::Connection> connection_;  // the connection owns this handler
};

class EchoEndpoint final : public transport::ControlEndpoint {
public:
    std::shared_ptr<transport::ConnectionHandler> on_connect(std::shared_ptr<transport::Connection> c) override {
        return std::make_shared<EchoHandler>(std::move(c));
    }
};

// A listener on 127.0.0.1:0 running on its own thread; stops when destroyed. /metrics answers
// kMetricsText.
inline const std::string kMetricsText = "scenehost_test_total 1\n";

class Server {
public:
    explicit Server(transport::TransportConfig config, const transport::StaticFiles *web = nullptr,
                    size_t max_connections = 1024)
        : gate_(max_connections) {
        config.address = "127.0.0.1";
        config.port = 0;
        listener_.emplace(io_, config, gate_, counters_, endpoint_, nullptr, web, &metrics_);
        port_ = listener_->local_endpoint().port();
        listener_->start();
        thread_ = std::thread([this] { io_.run(); });
    }
    ~Server() {
        boost::asio::post(io_, [this] { listener_->stop(); });
        io_.stop();
        thread_.join();
    }
    uint16_t port() const { return port_; }
    const transport::ConnectionGate &gate() const { return gate_; }
    transport::TransportMetrics &counters() { return counters_; }

private:
    transport::ConnectionGate gate_;  // before io_: the connections its handlers own go with it
    transport::TransportMetrics counters_;
    transport::MetricsText metrics_ = [] { return kMetricsText; };
    boost::asio::io_context io_;
    EchoEndpoint endpoint_;
    std::optional<transport::Listener> listener_;
    std::thread thread_;
    uint16_t port_ = 0;
};

inline std::string text_of(const test::ReadResult &r) {
    REQUIRE(std::holds_alternative<Message>(r));
    return std::get<Message>(r).text;
}

inline uint16_t close_code_of(const test::ReadResult &r) {
    REQUIRE(std::holds_alternative<Closed>(r));
    return std::get<Closed>(r).reason.code;
}

// An opening handshake on a raw connection; returns the host's response up to its blank line.
inline std::string raw_upgrade(RawConnection &connection, std::string_view key = "dGhlIHNhbXBsZSBub25jZQ==",
                               std::string_view version = "13") {
    connection.send(std::string("GET /control HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                                "Connection: Upgrade\r\nSec-WebSocket-Key: ") +
                    std::string(key) + "\r\nSec-WebSocket-Version: " + std::string(version) + "\r\n\r\n");
    return connection.read_until("\r\n\r\n");
}

// A masked client frame (RFC 6455 §5.2) of up to 125 bytes.
inline std::string client_frame(uint8_t opcode, std::string_view payload) {
    REQUIRE(payload.size() <= 125);
    const char key[4] = {0x12, 0x34, 0x56, 0x78};
    std::string frame{char(0x80 | opcode), char(0x80 | payload.size()), key[0], key[1], key[2], key[3]};
    for (size_t i = 0; i < payload.size(); ++i) frame += char(payload[i] ^ key[i % 4]);
    return frame;
}

inline std::string close_frame(uint16_t code, std::string_view reason = "bye") {
    return client_frame(0x8, std::string{char(code >> 8), char(code & 0xff)} + std::string(reason));
}

// The code of the server's close frame that starts `bytes`, or 0 when they start with none.
inline uint16_t server_close_code(std::string_view bytes) {
    if (bytes.size() < 4 || uint8_t(bytes[0]) != 0x88) return 0;
    return uint16_t(uint8_t(bytes[2]) << 8 | uint8_t(bytes[3]));
}

// Polls `condition` every 20 ms until it holds or `timeout` passes; whether it held.
template <class Condition>
bool eventually(Condition condition, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
}

}  // namespace scenehost::test
