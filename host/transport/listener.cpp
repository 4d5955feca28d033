// The acceptor and the HTTP front door: TLS handshake when configured, then one HTTP request
// at a time until a WebSocket upgrade hands the stream to a WebSocketConnection (by path, or on a
// single-route listener at any path).
#include "transport/listener.hpp"

#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <fmt/format.h>
#include <optional>
#include <spdlog/spdlog.h>
#include <stdexcept>

#include "transport/websocket_connection.hpp"

namespace scenehost::transport {
namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;

constexpr std::chrono::seconds kHttpTimeout{30};
constexpr size_t kHttpHeaderLimitBytes = 16 * 1024;
constexpr size_t kHttpBodyLimitBytes = 16 * 1024;

template <class Stream>
constexpr bool kIsTls = !std::is_same_v<Stream, beast::tcp_stream>;

template <class Stream>
class HttpSession final : public std::enable_shared_from_this<HttpSession<Stream>> {
public:
    HttpSession(Stream &&stream, const TransportConfig &config, ControlEndpoint &control, PixelEndpoint *pixels,
                const StaticFiles *web, const MetricsText *metrics, std::string peer)
        : stream_(std::move(stream)),
          config_(config),
          control_(control),
          pixels_(pixels),
          web_(web),
          metrics_(metrics),
          peer_(std::move(peer)) {}

    void run() {
        if constexpr (kIsTls<Stream>) {
            beast::get_lowest_layer(stream_).expires_after(kHttpTimeout);
            stream_.async_handshake(ssl::stream_base::server, [self = this->shared_from_this()](beast::error_code e) {
                if (e) return spdlog::info("https {}: TLS handshake failed: {}", self->peer_, e.message());
                self->do_read();
            });
        } else {
            do_read();
        }
    }

private:
    void do_read() {
        parser_.emplace();
        parser_->header_limit(kHttpHeaderLimitBytes);
        parser_->body_limit(kHttpBodyLimitBytes);
        beast::get_lowest_layer(stream_).expires_after(kHttpTimeout);
        http::async_read(stream_, buffer_, *parser_,
                         [self = this->shared_from_this()](beast::error_code e, size_t) { self->on_read(e); });
    }

    void on_read(beast::error_code error) {
        if (error) return;  // the peer went away or sent garbage; nothing to answer
        http::request<http::string_body> request = parser_->release();
        const std::string_view target = request.target();
        const std::string_view path = target.substr(0, target.find('?'));
        const std::string_view query = path.size() < target.size() ? target.substr(path.size() + 1) : "";
        const bool upgrade = websocket::is_upgrade(request);
        const bool health = request.method() == http::verb::get && target == "/healthz";
        const Routes routes = config_.routes;
        // "/" too: napari-cuda's control client asks for the root of whatever port it is given.
        if (upgrade && (routes == Routes::control || (routes == Routes::all && (target == "/control" || target == "/")))) {
            std::make_shared<WebSocketConnection<Stream>>(
                std::move(stream_), config_, Channel::control,
                [&control = control_](std::shared_ptr<Connection> c) { return control.on_connect(std::move(c)); }, peer_)
                ->accept(std::move(request));
            return;
        }
        if (upgrade && pixels_ != nullptr && (routes == Routes::pixels || (routes == Routes::all && path == "/pixels"))) {
            std::make_shared<WebSocketConnection<Stream>>(
                std::move(stream_), config_, Channel::pixels,
                [pixels = pixels_, query = std::string(query)](std::shared_ptr<Connection> c) {
                    return pixels->on_connect(std::move(c), query);
                },
                peer_)
                ->accept(std::move(request));
            return;
        }
        if (health) return respond(request, http::status::ok, "ok\n");
        if (routes == Routes::all && metrics_ != nullptr && request.method() == http::verb::get && path == "/metrics") {
            return respond(request, http::status::ok, (*metrics_)(), "text/plain; version=0.0.4; charset=utf-8");
        }
        if (routes != Routes::all) {
            return respond(request, http::status::not_found,
                           routes == Routes::control ? "this port serves the control WebSocket: send an upgrade request\n"
                           : pixels_ == nullptr      ? "no pixel stream: this host does not render (--no-render)\n"
                                                     : "this port serves the pixel WebSocket: send an upgrade request\n");
        }
        if (path == "/pixels") {
            return respond(request, http::status::not_found,
                           pixels_ == nullptr ? "no pixel stream: this host does not render (--no-render)\n"
                                              : "/pixels is a WebSocket: send an upgrade request\n");
        }
        if (web_ != nullptr) {
            const auto if_none_match = request.find(http::field::if_none_match);
            return respond_file(request, web_->answer(request.method(), path,
                                                      if_none_match == request.end() ? std::string_view()
                                                                                     : std::string_view(if_none_match->value())));
        }
        respond(request, http::status::not_found, fmt::format("no such path: {}\n", std::string(request.target())));
    }

    // A viewer file (or why not): its type and ETag, revalidated on every use; HEAD says the
    // length and sends no body.
    void respond_file(const http::request<http::string_body> &request, StaticAnswer answer) {
        auto response = std::make_shared<http::response<http::string_body>>(answer.status, request.version());
        response->set(http::field::server, "scenehost");
        response->set(http::field::content_type, answer.content_type);
        response->set("X-Content-Type-Options", "nosniff");
        if (!answer.etag.empty()) {
            response->set(http::field::etag, answer.etag);
            response->set(http::field::cache_control, "no-cache");
        }
        if (answer.status == http::status::method_not_allowed) response->set(http::field::allow, "GET, HEAD");
        response->keep_alive(request.keep_alive());
        if (request.method() == http::verb::head || answer.status == http::status::not_modified) {
            if (answer.status != http::status::not_modified) response->content_length(answer.body.size());
        } else {
            response->body() = std::move(answer.body);
            response->prepare_payload();
        }
        write(response);
    }

    void respond(const http::request<http::string_body> &request, http::status status, std::string body,
                 std::string_view content_type = "text/plain; charset=utf-8") {
        auto response = std::make_shared<http::response<http::string_body>>(status, request.version());
        response->set(http::field::server, "scenehost");
        response->set(http::field::content_type, content_type);
        response->keep_alive(request.keep_alive());
        response->body() = std::move(body);
        response->prepare_payload();
        write(response);
    }

    void write(const std::shared_ptr<http::response<http::string_body>> &response) {
        http::async_write(stream_, *response,
                          [self = this->shared_from_this(), response](beast::error_code e, size_t) {
                              if (e) return;
                              if (response->keep_alive()) return self->do_read();
                              self->shutdown();
                          });
    }

    void shutdown() {
        if constexpr (kIsTls<Stream>) {
            stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {});
        } else {
            beast::error_code ignored;  // the peer may already be gone; the socket closes either way
            stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
        }
    }

    Stream stream_;
    const TransportConfig &config_;
    ControlEndpoint &control_;
    PixelEndpoint *pixels_;
    const StaticFiles *web_;
    const MetricsText *metrics_;
    std::string peer_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
};

ssl::context make_tls_context(const TlsConfig &tls) {
    ssl::context context(ssl::context::tls_server);
    context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                        ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    beast::error_code error;
    context.use_certificate_chain_file(tls.certificate_chain.string(), error);
    if (error) {
        throw std::runtime_error(
            fmt::format("TLS certificate chain {}: {}", tls.certificate_chain.string(), error.message()));
    }
    context.use_private_key_file(tls.private_key.string(), ssl::context::pem, error);
    if (error) {
        throw std::runtime_error(fmt::format("TLS private key {}: {}", tls.private_key.string(), error.message()));
    }
    return context;
}

}  // namespace

struct Listener::State : std::enable_shared_from_this<Listener::State> {
    State(net::io_context &io, TransportConfig config, ControlEndpoint &control, PixelEndpoint *pixels,
          const StaticFiles *web, const MetricsText *metrics)
        : io(io), config(std::move(config)), control(control), pixels(pixels), web(web), metrics(metrics), acceptor(io) {}

    void do_accept() {
        acceptor.async_accept([self = shared_from_this()](beast::error_code error, tcp::socket socket) {
            self->on_accept(error, std::move(socket));
        });
    }

    void on_accept(beast::error_code error, tcp::socket socket) {
        if (error == net::error::operation_aborted) return;  // stop()
        if (error) {
            spdlog::warn("accept failed: {}", error.message());
            return do_accept();
        }
        beast::error_code ignored;
        const auto remote = socket.remote_endpoint(ignored);
        std::string peer = fmt::format("{}:{}", remote.address().to_string(), remote.port());
        socket.set_option(tcp::no_delay(true), ignored);  // frames are small and latency-bound
        if (config.socket_send_buffer_bytes > 0) {
            socket.set_option(net::socket_base::send_buffer_size(config.socket_send_buffer_bytes), ignored);
        }
        if (tls) {
            using Tls = beast::ssl_stream<beast::tcp_stream>;
            std::make_shared<HttpSession<Tls>>(Tls(beast::tcp_stream(std::move(socket)), *tls), config, control,
                                               pixels, web, metrics, std::move(peer))
                ->run();
        } else {
            std::make_shared<HttpSession<beast::tcp_stream>>(beast::tcp_stream(std::move(socket)), config, control,
                                                             pixels, web, metrics, std::move(peer))
                ->run();
        }
        do_accept();
    }

    net::io_context &io;
    TransportConfig config;
    ControlEndpoint &control;
    PixelEndpoint *pixels;
    const StaticFiles *web;
    const MetricsText *metrics;
    tcp::acceptor acceptor;
    std::optional<ssl::context> tls;
};

Listener::Listener(net::io_context &io, TransportConfig config, ControlEndpoint &control, PixelEndpoint *pixels,
                   const StaticFiles *web, const MetricsText *metrics)
    : state_(std::make_shared<State>(io, std::move(config), control, pixels, web, metrics)) {
    const TransportConfig &c = state_->config;
    if (c.tls) state_->tls.emplace(make_tls_context(*c.tls));
    beast::error_code error;
    const auto address = net::ip::make_address(c.address, error);
    if (error) throw std::runtime_error(fmt::format("listen address '{}': {}", c.address, error.message()));
    const tcp::endpoint endpoint(address, c.port);
    auto &acceptor = state_->acceptor;
    acceptor.open(endpoint.protocol(), error);
    if (!error) acceptor.set_option(net::socket_base::reuse_address(true), error);
    if (!error) acceptor.bind(endpoint, error);
    if (!error) acceptor.listen(net::socket_base::max_listen_connections, error);
    if (error) throw std::runtime_error(fmt::format("listen on {}:{}: {}", c.address, c.port, error.message()));
}

Listener::~Listener() { stop(); }

tcp::endpoint Listener::local_endpoint() const { return state_->acceptor.local_endpoint(); }

void Listener::start() { state_->do_accept(); }

void Listener::stop() {
    beast::error_code ignored;  // closing an acceptor that is already closed is fine
    state_->acceptor.close(ignored);
}

}  // namespace scenehost::transport
