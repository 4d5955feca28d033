// The transport on a real socket: HTTP routes, the /control upgrade, frame-size and frame-type
// limits with their close codes, permessage-deflate, TLS, and the bounded send queue.
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <thread>
#include <unistd.h>

#include "support/ws_client.hpp"
#include "transport/listener.hpp"

using namespace scenehost;
using test::Closed;
using test::Message;
using test::WsClient;

namespace {

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
const std::string kMetricsText = "scenehost_test_total 1\n";

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

std::string text_of(const test::ReadResult &r) {
    REQUIRE(std::holds_alternative<Message>(r));
    return std::get<Message>(r).text;
}

uint16_t close_code_of(const test::ReadResult &r) {
    REQUIRE(std::holds_alternative<Closed>(r));
    return std::get<Closed>(r).reason.code;
}

}  // namespace

TEST_CASE("GET /healthz answers ok, other paths 404") {
    Server server({});
    CHECK(test::http_get(server.port(), "/healthz") == std::pair<int, std::string>{200, "ok\n"});
    CHECK(test::http_get(server.port(), "/nope").first == 404);
}

TEST_CASE("the viewer's files over HTTP: type, ETag, 304, HEAD without a body, 404 and 405") {
    namespace http = boost::beast::http;
    const std::filesystem::path root = std::filesystem::temp_directory_path() / ("scenehost-http-web-" + std::to_string(getpid()));
    std::filesystem::create_directories(root);
    std::ofstream(root / "index.html") << "<!doctype html>hello";
    const transport::StaticFiles web(root);
    Server server({}, &web);
    const auto index = test::http_request(server.port(), http::verb::get, "/");
    CHECK(index.result() == http::status::ok);
    CHECK(index.body() == "<!doctype html>hello");
    CHECK(index[http::field::content_type] == "text/html; charset=utf-8");
    CHECK(index[http::field::cache_control] == "no-cache");
    CHECK(index["X-Content-Type-Options"] == "nosniff");
    const std::string etag(index[http::field::etag]);
    const auto again = test::http_request(server.port(), http::verb::get, "/index.html?v=2", {{"If-None-Match", etag}});
    CHECK(again.result() == http::status::not_modified);
    CHECK(again.body().empty());
    const auto head = test::http_request(server.port(), http::verb::head, "/");
    CHECK(head.result() == http::status::ok);
    CHECK(head[http::field::content_length] == "20");
    CHECK(head.body().empty());
    CHECK(test::http_request(server.port(), http::verb::get, "/../etc/passwd").result() == http::status::not_found);
    const auto post = test::http_request(server.port(), http::verb::post, "/");
    CHECK(post.result() == http::status::method_not_allowed);
    CHECK(post[http::field::allow] == "GET, HEAD");
    CHECK(test::http_get(server.port(), "/healthz") == std::pair<int, std::string>{200, "ok\n"});  // still there
    std::filesystem::remove_all(root);
}

TEST_CASE("/control upgrades to a text WebSocket") {
    Server server({});
    WsClient client(server.port());
    client.send_text("hello");
    CHECK(text_of(client.read()) == "echo:hello");
    client.send_text("again");
    CHECK(text_of(client.read()) == "echo:again");
}

TEST_CASE("a frame above the limit closes the socket with 1009") {
    transport::TransportConfig config;
    config.max_frame_bytes = 1024;
    Server server(config);
    WsClient client(server.port());
    client.send_text(std::string(1000, 'a'));
    CHECK(text_of(client.read()).size() == 1005);
    client.send_text(std::string(2000, 'a'));
    CHECK(close_code_of(client.read()) == 1009);
}

TEST_CASE("a binary frame on /control closes the socket with 1003") {
    Server server({});
    WsClient client(server.port());
    client.send_binary("\x01\x02");
    CHECK(close_code_of(client.read()) == 1003);
}

TEST_CASE("permessage-deflate is negotiated when offered and can be turned off") {
    SECTION("on") {
        Server server({});
        WsClient client(server.port(), {.deflate = true});
        CHECK(client.deflate_negotiated());
        const std::string big(100'000, 'z');  // compresses well: proves both directions inflate
        client.send_text(big);
        CHECK(text_of(client.read()) == "echo:" + big);
    }
    SECTION("off") {
        transport::TransportConfig config;
        config.permessage_deflate = false;
        Server server(config);
        WsClient client(server.port(), {.deflate = true});
        CHECK_FALSE(client.deflate_negotiated());
        client.send_text("plain");
        CHECK(text_of(client.read()) == "echo:plain");
    }
}

TEST_CASE("TLS: the handshake succeeds and frames flow") {
    transport::TransportConfig config;
    config.tls = transport::TlsConfig{std::string(SCENEHOST_TEST_TLS_DIR) + "/cert.pem",
                                      std::string(SCENEHOST_TEST_TLS_DIR) + "/key.pem"};
    Server server(config);
    WsClient client(server.port(), {.tls = true});
    client.send_text("secret");
    CHECK(text_of(client.read()) == "echo:secret");
}

TEST_CASE("TLS files that cannot be read are a start-up error naming the file") {
    transport::TransportConfig config;
    config.port = 0;
    config.tls = transport::TlsConfig{"/no/such/cert.pem", "/no/such/key.pem"};
    boost::asio::io_context io;
    EchoEndpoint endpoint;
    transport::ConnectionGate gate(1);
    transport::TransportMetrics counters;
    CHECK_THROWS_WITH(transport::Listener(io, config, gate, counters, endpoint), Catch::Contains("/no/such/cert.pem"));
}

TEST_CASE("a send queue over its byte bound closes the connection with 1013") {
    transport::TransportConfig config;
    config.send_queue_bytes = 256 * 1024;
    Server server(config);
    WsClient client(server.port());
    client.send_text("flood 64 65536");  // 4 MiB at once: far over the bound
    int frames = 0;
    for (;;) {
        auto r = client.read();
        if (std::holds_alternative<Message>(r)) {
            ++frames;
            continue;
        }
        CHECK(close_code_of(r) == 1013);
        break;
    }
    CHECK(frames < 64);
}
