// A blocking WebSocket client for integration tests (Boost.Beast, plain or TLS, optional
// permessage-deflate). Every read has a deadline so a test can never hang.
#pragma once

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <array>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>
#include <variant>

namespace scenehost::test {

namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
namespace net = boost::asio;

struct ClientOptions {
    std::string path = "/control";
    bool deflate = false;
    bool tls = false;
    std::chrono::milliseconds read_timeout{5000};
    int receive_buffer_bytes = 0;  // > 0: a small SO_RCVBUF, to make a slow reader's backlog reach the host
};

// What a read returned: a text or binary message, or how the connection ended.
struct Message {
    std::string text;
    bool binary = false;
};
struct Closed {
    beast::error_code error;        // websocket::error::closed after a close frame
    websocket::close_reason reason;  // the peer's close code and reason, when it sent one
};
struct TimedOut {};
using ReadResult = std::variant<Message, Closed, TimedOut>;

class WsClient {
    template <class F>
    decltype(auto) with(F &&f) {
        if (tls_) return f(*tls_);
        return f(*plain_);
    }

public:
    WsClient(uint16_t port, ClientOptions options = {}) : options_(options) {
        net::ip::tcp::resolver resolver(io_);
        auto endpoints = resolver.resolve("127.0.0.1", std::to_string(port));
        if (options_.tls) {
            tls_context_.set_verify_mode(net::ssl::verify_none);  // the test certificate is self-signed
            tls_.emplace(io_, tls_context_);
            beast::get_lowest_layer(*tls_).connect(endpoints);
            tls_->next_layer().handshake(net::ssl::stream_base::client);
            handshake(*tls_);
        } else {
            plain_.emplace(io_);
            if (options_.receive_buffer_bytes > 0) {
                auto &socket = beast::get_lowest_layer(*plain_).socket();
                socket.open(net::ip::tcp::v4());
                socket.set_option(net::socket_base::receive_buffer_size(options_.receive_buffer_bytes));
                socket.connect(*endpoints.begin());  // connect(endpoints) would reopen the socket
            } else {
                beast::get_lowest_layer(*plain_).connect(endpoints);
            }
            handshake(*plain_);
        }
    }

    void send_text(const std::string &text) { with([&](auto &ws) { ws.text(true); ws.write(net::buffer(text)); }); }
    void send_binary(const std::string &bytes) {
        with([&](auto &ws) { ws.binary(true); ws.write(net::buffer(bytes)); });
    }
    void close(websocket::close_code code = websocket::close_code::normal) {
        with([&](auto &ws) { ws.close(code); });
    }

    // Reads one message, or reports the close / the deadline.
    ReadResult read() {
        return with([&](auto &ws) -> ReadResult {
            beast::flat_buffer buffer;
            std::optional<beast::error_code> result;
            ws.async_read(buffer, [&](beast::error_code e, size_t) { result = e; });
            io_.restart();
            io_.run_for(options_.read_timeout);
            if (!result) {
                beast::get_lowest_layer(ws).cancel();
                io_.restart();
                io_.run();
                return TimedOut{};
            }
            if (*result) return Closed{*result, ws.reason()};
            return Message{beast::buffers_to_string(buffer.data()), ws.got_binary()};
        });
    }

    // Whether permessage-deflate was negotiated (the server's answer to our offer).
    bool deflate_negotiated() const { return deflate_negotiated_; }

private:
    template <class Ws>
    void handshake(Ws &ws) {
        if (options_.deflate) {
            websocket::permessage_deflate pmd;
            pmd.client_enable = true;
            ws.set_option(pmd);
        }
        websocket::response_type response;
        ws.handshake(response, "127.0.0.1", options_.path);
        const auto extensions = response[beast::http::field::sec_websocket_extensions];
        deflate_negotiated_ = extensions.find("permessage-deflate") != beast::string_view::npos;
    }

    net::io_context io_;
    ClientOptions options_;
    net::ssl::context tls_context_{net::ssl::context::tls_client};
    std::optional<websocket::stream<beast::tcp_stream>> plain_;
    std::optional<websocket::stream<beast::ssl_stream<beast::tcp_stream>>> tls_;
    bool deflate_negotiated_ = false;
};

// A plain TCP connection for what a well-behaved client never sends (malformed or pipelined
// HTTP, hand-made WebSocket frames) and for a client that stops reading. Every read has a
// deadline so a test can never hang.
class RawConnection {
public:
    // receive_buffer_bytes > 0: a small SO_RCVBUF, so the host's writes back up when we do not read.
    explicit RawConnection(uint16_t port, int receive_buffer_bytes = 0) : socket_(io_) {
        socket_.open(net::ip::tcp::v4());
        if (receive_buffer_bytes > 0) socket_.set_option(net::socket_base::receive_buffer_size(receive_buffer_bytes));
        socket_.set_option(net::ip::tcp::no_delay(true));  // each send() is its own segment
        socket_.connect({net::ip::make_address("127.0.0.1"), port});
    }

    void send(std::string_view bytes) { net::write(socket_, net::buffer(bytes.data(), bytes.size())); }

    // Reads until the host closes the connection or `timeout` passes.
    struct Received {
        std::string bytes;
        bool closed = false;  // the host closed (or reset) the connection; else the deadline passed
    };
    Received read_until_closed(std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
        Received received;
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!received.closed && std::chrono::steady_clock::now() < deadline) {
            std::string more = read_some(std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now()), received.closed);
            received.bytes += more;
        }
        return received;
    }

    // Reads until `bytes` holds `delimiter` (or the deadline); returns everything read.
    std::string read_until(std::string_view delimiter, std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
        std::string bytes;
        bool closed = false;
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (bytes.find(delimiter) == std::string::npos && !closed && std::chrono::steady_clock::now() < deadline) {
            bytes += read_some(std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now()), closed);
        }
        return bytes;
    }

private:
    std::string read_some(std::chrono::milliseconds timeout, bool &closed) {
        std::array<char, 65536> buffer;
        std::optional<std::pair<beast::error_code, size_t>> result;
        socket_.async_read_some(net::buffer(buffer), [&](beast::error_code e, size_t n) { result.emplace(e, n); });
        io_.restart();
        io_.run_for(timeout);
        if (!result) {
            socket_.cancel();
            io_.restart();
            io_.run();
            return {};
        }
        if (result->first) closed = true;
        return std::string(buffer.data(), result->second);
    }

    net::io_context io_;
    net::ip::tcp::socket socket_;
};

// One HTTP/1.1 request with extra header fields; the whole response (the connection closes).
inline beast::http::response<beast::http::string_body> http_request(
    uint16_t port, beast::http::verb verb, const std::string &target,
    const std::vector<std::pair<std::string, std::string>> &fields = {}) {
    net::io_context io;
    beast::tcp_stream stream(io);
    net::ip::tcp::resolver resolver(io);
    stream.connect(resolver.resolve("127.0.0.1", std::to_string(port)));
    beast::http::request<beast::http::empty_body> request(verb, target, 11);
    request.set(beast::http::field::host, "127.0.0.1");
    request.keep_alive(false);
    for (const auto &[name, value] : fields) request.set(name, value);
    beast::http::write(stream, request);
    beast::flat_buffer buffer;
    beast::http::response_parser<beast::http::string_body> parser;
    parser.skip(verb == beast::http::verb::head);  // a HEAD response says a length and has no body
    beast::http::read(stream, buffer, parser);
    return parser.release();
}

// One plain HTTP GET; returns the status code and body.
inline std::pair<int, std::string> http_get(uint16_t port, const std::string &target) {
    net::io_context io;
    beast::tcp_stream stream(io);
    net::ip::tcp::resolver resolver(io);
    stream.connect(resolver.resolve("127.0.0.1", std::to_string(port)));
    beast::http::request<beast::http::empty_body> request(beast::http::verb::get, target, 11);
    request.set(beast::http::field::host, "127.0.0.1");
    beast::http::write(stream, request);
    beast::flat_buffer buffer;
    beast::http::response<beast::http::string_body> response;
    beast::http::read(stream, buffer, response);
    return {static_cast<int>(response.result_int()), response.body()};
}

}  // namespace scenehost::test
