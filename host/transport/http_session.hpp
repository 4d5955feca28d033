// The HTTP front door of one TCP connection, plain or TLS: one request at a time, answered here
// (/healthz, /metrics, the viewer's files, and every error with its own status and a short text)
// until a WebSocket upgrade hands the stream and the connection's ticket to a WebSocketConnection
// (by path, or on a single-route listener at any path). Used by listener.cpp only.
#pragma once

#include <array>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <fmt/format.h>
#include <memory>
#include <optional>
#include <spdlog/spdlog.h>
#include <string>
#include <utility>
#include <vector>

#include "transport/connection_gate.hpp"
#include "transport/listener.hpp"
#include "transport/rfc6455.hpp"
#include "transport/transport_metrics.hpp"
#include "transport/websocket_connection.hpp"

namespace scenehost::transport {

// What every connection of one listener serves and counts with. LIFETIME: kept by the
// listener; its io_context runs no handler once the listener is gone.
struct ListenerContext {
    TransportConfig config;
    ControlEndpoint &control;
    PixelEndpoint *pixels;
    const StaticFiles *web;
    const MetricsText *metrics;
    const ConnectionGate &gate;
    TransportMetrics &counters;
};

constexpr std::chrono::seconds kHttpReadTimeout{30};
// After the last answer: how long the peer may take to close its side. Until then what it sends
// is read and dropped, since closing over unread bytes resets the connection, and a reset can
// destroy the answer before the peer has read it (a 413 while its body is still arriving).
constexpr std::chrono::seconds kDrainTimeout{2};
constexpr size_t kHttpHeaderLimitBytes = 16 * 1024;
constexpr size_t kHttpBodyLimitBytes = 16 * 1024;
constexpr const char *kRetryAfterSeconds = "1";  // connections come and go within seconds

template <class Stream>
constexpr bool kIsTls = !std::is_same_v<Stream, beast::tcp_stream>;

// An answer before it is written: status, text and the header fields that go with them.
struct HttpAnswer {
    http::status status;
    std::string body;
    std::string content_type = "text/plain; charset=utf-8";
    std::vector<std::pair<http::field, std::string>> fields = {};
    bool close = false;  // the request stream cannot be trusted any more: close after this answer
};

inline HttpAnswer plain_error(http::status status, std::string reason, bool close = false) {
    return {status, std::move(reason) + "\n", "text/plain; charset=utf-8", {}, close};
}

template <class Stream>
class HttpSession final : public std::enable_shared_from_this<HttpSession<Stream>> {
public:
    // `ticket` is the connection's place under the host's connection limit; without one (the
    // host is full) the session answers 503 at once and closes.
    HttpSession(Stream &&stream, const ListenerContext &context, std::optional<ConnectionTicket> ticket,
                std::string peer)
        : stream_(std::move(stream)), context_(context), ticket_(std::move(ticket)), peer_(std::move(peer)) {}

    void run() {
        if constexpr (kIsTls<Stream>) {
            beast::get_lowest_layer(stream_).expires_after(kHttpReadTimeout);
            stream_.async_handshake(boost::asio::ssl::stream_base::server,
                                    [self = this->shared_from_this()](beast::error_code e) {
                                        if (e) return spdlog::info("https {}: TLS handshake failed: {}", self->peer_, e.message());
                                        self->start();
                                    });
        } else {
            start();
        }
    }

private:
    void start() {
        if (ticket_) return do_read();
        // Before reading anything: the answer does not depend on the request.
        respond(11, http::verb::get,
                {http::status::service_unavailable,
                 fmt::format("scenehost: connection limit ({}) reached; try again later\n", context_.gate.limit()),
                 "text/plain; charset=utf-8",
                 {{http::field::retry_after, kRetryAfterSeconds}},
                 true});
    }

    void do_read() {
        parser_.emplace();
        parser_->header_limit(kHttpHeaderLimitBytes);
        parser_->body_limit(kHttpBodyLimitBytes);
        beast::get_lowest_layer(stream_).expires_after(kHttpReadTimeout);
        http::async_read(stream_, buffer_, *parser_,
                         [self = this->shared_from_this()](beast::error_code e, size_t) { self->on_read(e); });
    }

    void on_read(beast::error_code error) {
        if (error) {
            if (auto answer = answer_to_read_error(error)) respond(11, http::verb::get, std::move(*answer));
            return;
        }
        http::request<http::string_body> request = parser_->release();
        if (request.version() >= 11 && request.find(http::field::host) == request.end()) {
            return respond(request, plain_error(http::status::bad_request,
                                                "an HTTP/1.1 request needs a Host header field (RFC 9112 section 3.2)", true));
        }
        const std::string_view target = request.target();
        const std::string_view path = target.substr(0, target.find('?'));
        const std::string_view query = path.size() < target.size() ? target.substr(path.size() + 1) : "";
        const bool upgrade = websocket::is_upgrade(request);
        const Routes routes = context_.config.routes;
        // "/" too: napari-cuda's control client asks for the root of whatever port it is given.
        const bool control = routes == Routes::control || (routes == Routes::all && (path == "/control" || path == "/"));
        const bool pixels = context_.pixels != nullptr &&
                            (routes == Routes::pixels || (routes == Routes::all && path == "/pixels"));
        if (upgrade && (control || pixels)) {
            if (auto refused = check_upgrade(request)) return respond(request, std::move(*refused));
            return control ? upgrade_to(std::move(request), Channel::control,
                                        [&control = context_.control](std::shared_ptr<Connection> c) {
                                            return control.on_connect(std::move(c));
                                        })
                           : upgrade_to(std::move(request), Channel::pixels,
                                        [pixels = context_.pixels, query = std::string(query)](std::shared_ptr<Connection> c) {
                                            return pixels->on_connect(std::move(c), query);
                                        });
        }
        if (path == "/healthz") return respond(request, is_get_or_head(request) ? ok("ok\n") : not_allowed(request));
        if (routes == Routes::all && context_.metrics != nullptr && path == "/metrics") {
            return respond(request, is_get_or_head(request)
                                        ? ok((*context_.metrics)(), "text/plain; version=0.0.4; charset=utf-8")
                                        : not_allowed(request));
        }
        if (routes != Routes::all) {
            return respond(request, plain_error(http::status::not_found,
                                                routes == Routes::control ? "this port serves the control WebSocket: send an upgrade request"
                                                : context_.pixels == nullptr ? "no pixel stream: this host does not render (--no-render)"
                                                                             : "this port serves the pixel WebSocket: send an upgrade request"));
        }
        if (path == "/pixels") {
            return respond(request, plain_error(http::status::not_found,
                                                context_.pixels == nullptr ? "no pixel stream: this host does not render (--no-render)"
                                                                           : "/pixels is a WebSocket: send an upgrade request"));
        }
        if (context_.web != nullptr) return respond_file(request);
        respond(request, plain_error(http::status::not_found, fmt::format("no such path: {}", std::string(target))));
    }

    // The answer to a request Beast could not read, or nothing when nobody is left to answer
    // (the peer closed, reset, or let the read time out).
    static std::optional<HttpAnswer> answer_to_read_error(beast::error_code error) {
        if (error == http::error::header_limit) {
            return plain_error(http::status::request_header_fields_too_large,
                               fmt::format("the request header is over {} bytes", kHttpHeaderLimitBytes), true);
        }
        if (error == http::error::body_limit) {
            return plain_error(http::status::payload_too_large,
                               fmt::format("the request body is over {} bytes", kHttpBodyLimitBytes), true);
        }
        if (error.category() != beast::error_code(http::error::bad_method).category() ||
            error == http::error::end_of_stream || error == http::error::partial_message) {
            return std::nullopt;
        }
        return plain_error(http::status::bad_request, fmt::format("malformed request: {}", error.message()), true);
    }

    // RFC 6455 §4.2.1 and §4.4, checked before Beast's accept so each gets its own answer.
    static std::optional<HttpAnswer> check_upgrade(const http::request<http::string_body> &request) {
        if (request[http::field::sec_websocket_version] != "13") {
            return HttpAnswer{http::status::upgrade_required,
                              "scenehost speaks WebSocket version 13 only (RFC 6455 section 4.4)\n",
                              "text/plain; charset=utf-8",
                              {{http::field::sec_websocket_version, "13"}},
                              true};
        }
        if (!is_valid_websocket_key(request[http::field::sec_websocket_key])) {
            return plain_error(http::status::bad_request,
                               "Sec-WebSocket-Key must be the base64 of 16 bytes (RFC 6455 section 4.2.1)", true);
        }
        return std::nullopt;
    }

    template <class Factory>
    void upgrade_to(http::request<http::string_body> request, Channel channel, Factory make_handler) {
        SCENEHOST_ASSERT(ticket_.has_value(), "a refused connection is answered before any request is read");
        std::make_shared<WebSocketConnection<Stream>>(std::move(stream_), context_.config, context_.counters, channel,
                                                      std::move(make_handler), peer_, std::move(*ticket_))
            ->accept(std::move(request));
    }

    static bool is_get_or_head(const http::request<http::string_body> &request) {
        return request.method() == http::verb::get || request.method() == http::verb::head;
    }

    static HttpAnswer ok(std::string body, std::string content_type = "text/plain; charset=utf-8") {
        return {http::status::ok, std::move(body), std::move(content_type)};
    }

    static HttpAnswer not_allowed(const http::request<http::string_body> &request) {
        HttpAnswer answer = plain_error(http::status::method_not_allowed,
                                        fmt::format("{} answers GET and HEAD only", std::string(request.target())));
        answer.fields.emplace_back(http::field::allow, "GET, HEAD");
        return answer;
    }

    // A viewer file (or why not): its type and ETag, revalidated on every use.
    void respond_file(const http::request<http::string_body> &request) {
        const auto if_none_match = request.find(http::field::if_none_match);
        StaticAnswer file = context_.web->answer(
            request.method(), request.target().substr(0, request.target().find('?')),
            if_none_match == request.end() ? std::string_view() : std::string_view(if_none_match->value()));
        HttpAnswer answer{file.status, std::move(file.body), std::move(file.content_type)};
        if (!file.etag.empty()) {
            answer.fields.emplace_back(http::field::etag, std::move(file.etag));
            answer.fields.emplace_back(http::field::cache_control, "no-cache");
        }
        if (file.status == http::status::method_not_allowed) answer.fields.emplace_back(http::field::allow, "GET, HEAD");
        respond(request, std::move(answer), true);
    }

    void respond(const http::request<http::string_body> &request, HttpAnswer answer, bool nosniff = false) {
        respond(request.version(), request.method(), std::move(answer), nosniff, request.keep_alive());
    }

    // Writes the answer; HEAD and 304 carry no body (HEAD says its length), so the next
    // pipelined response starts right after the header.
    void respond(unsigned version, http::verb method, HttpAnswer answer, bool nosniff = false, bool keep_alive = false) {
        auto response = std::make_shared<http::response<http::string_body>>(answer.status, version);
        response->set(http::field::server, "scenehost");
        response->set(http::field::content_type, answer.content_type);
        if (nosniff) response->set("X-Content-Type-Options", "nosniff");
        for (auto &[field, value] : answer.fields) response->set(field, value);
        response->keep_alive(keep_alive && !answer.close);
        if (answer.status == http::status::not_modified) {
            // no body, no length: RFC 9110 §15.4.5
        } else if (method == http::verb::head) {
            response->content_length(answer.body.size());
        } else {
            response->body() = std::move(answer.body);
            response->prepare_payload();
        }
        if (answer.status >= http::status::bad_request) {
            context_.counters.http_errors.with({std::to_string(static_cast<unsigned>(answer.status))}).inc();
        }
        write(response);
    }

    void write(const std::shared_ptr<http::response<http::string_body>> &response) {
        beast::get_lowest_layer(stream_).expires_after(context_.config.write_timeout);
        http::async_write(stream_, *response, [self = this->shared_from_this(), response](beast::error_code e, size_t bytes) {
            if (e == beast::error::timeout) {
                self->context_.counters.write_timeouts.inc();
                spdlog::info("http {}: a {} response not written within {} ms ({} bytes written): TCP connection closed",
                             self->peer_, response->result_int(), self->context_.config.write_timeout.count(), bytes);
            }
            if (e) return;
            if (response->keep_alive()) return self->do_read();
            self->shutdown();
        });
    }

    void shutdown() {
        auto &tcp = beast::get_lowest_layer(stream_);
        tcp.expires_after(kDrainTimeout);
        if constexpr (kIsTls<Stream>) {
            stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {});
        } else {
            beast::error_code ignored;  // the peer may already be gone; the socket closes either way
            tcp.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
            drain();
        }
    }

    void drain() {
        beast::get_lowest_layer(stream_).async_read_some(
            boost::asio::buffer(drain_buffer_), [self = this->shared_from_this()](beast::error_code e, size_t) {
                if (!e) self->drain();  // until the peer closes or the deadline closes the socket
            });
    }

    Stream stream_;
    const ListenerContext &context_;
    std::optional<ConnectionTicket> ticket_;
    std::string peer_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    std::array<char, 4096> drain_buffer_;
};

}  // namespace scenehost::transport
