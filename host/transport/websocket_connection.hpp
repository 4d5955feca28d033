// One WebSocket over a plain or TLS stream, on /control (text frames in and out) or /pixels
// (binary out; what the client sends is read and ignored): a read loop feeding the handler and
// a write loop draining the bounded SendQueue. Every write has a deadline (write_timeout) and so
// has the close handshake (close_timeout): a peer that stops reading loses its TCP connection.
// Single-threaded: everything runs on the one io_context thread, so no member needs a lock.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <fmt/format.h>
#include <functional>
#include <memory>
#include <spdlog/spdlog.h>
#include <string>

#include "base/assert.hpp"
#include "transport/connection.hpp"
#include "transport/connection_gate.hpp"
#include "transport/guarded_stream.hpp"
#include "transport/send_queue.hpp"
#include "transport/transport_config.hpp"
#include "transport/transport_metrics.hpp"

namespace scenehost::transport {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;

enum class Channel { control, pixels };

// Makes the handler of a connection that has just been accepted.
using HandlerFactory = std::function<std::shared_ptr<ConnectionHandler>(std::shared_ptr<Connection>)>;

template <class Stream>
class WebSocketConnection final : public Connection, public std::enable_shared_from_this<WebSocketConnection<Stream>> {
public:
    // The ticket is the connection's place under the host's connection limit, held until the
    // socket is gone.
    WebSocketConnection(Stream &&stream, const TransportConfig &config, TransportMetrics &counters, Channel channel,
                        HandlerFactory make_handler, std::string peer, ConnectionTicket ticket)
        : ws_(std::move(stream), config.close_timeout), config_(config), counters_(counters), channel_(channel),
          make_handler_(std::move(make_handler)), peer_(std::move(peer)),
          name_(channel == Channel::control ? "control" : "pixels"), queue_(config.send_queue_bytes),
          deadline_(ws_.get_executor()), ticket_(std::move(ticket)) {}

    // Completes the upgrade that arrived as request.
    void accept(http::request<http::string_body> request) {
        // The websocket stream keeps its own timeouts and this connection its deadline: a TCP
        // timer would also end the read that waits for the next frame.
        beast::get_lowest_layer(ws_).expires_never();
        websocket::stream_base::timeout timeouts{};
        timeouts.handshake_timeout = config_.close_timeout;
        timeouts.idle_timeout = websocket::stream_base::none();  // liveness is the protocol's heartbeat
        timeouts.keep_alive_pings = false;
        ws_.set_option(timeouts);
        ws_.read_message_max(config_.max_frame_bytes);
        websocket::permessage_deflate deflate;
        deflate.server_enable = config_.permessage_deflate && channel_ == Channel::control;  // H.264 does not deflate
        ws_.set_option(deflate);
        ws_.set_option(websocket::stream_base::decorator(
            [](websocket::response_type &response) { response.set(http::field::server, "scenehost"); }));
        ws_.async_accept(request, [self = this->shared_from_this()](beast::error_code error) { self->on_accept(error); });
    }

    void send_text(std::shared_ptr<const std::string> text, SendClass send_class, std::string coalesce_key) override {
        SCENEHOST_ASSERT(channel_ == Channel::control, "text frames go out on /control");
        push({std::move(text), send_class, std::move(coalesce_key), false});
    }

    void send_binary(std::shared_ptr<const std::string> bytes) override {
        SCENEHOST_ASSERT(channel_ == Channel::pixels, "binary messages go out on /pixels");
        push({std::move(bytes), SendClass::kept, {}, true});
    }

    void discard_unsent() override {
        SCENEHOST_ASSERT(channel_ == Channel::pixels, "/control never loses a frame");
        queue_.drop_unsent();
    }

    void close(CloseCode code, std::string_view reason) override {
        if (closing_ || closed_) return;
        closing_ = true;
        close_reason_ = {static_cast<websocket::close_code>(code), std::string(reason)};
        if (code == CloseCode::try_again_later) {
            queue_.drop_unsent();  // nothing more goes out but the frame already being written
        }
        if (!writing_) do_close();
    }

    const std::string &peer() const override { return peer_; }
    size_t queued_bytes() const override { return queue_.queued_bytes(); }
    size_t queued_messages() const override { return queue_.size(); }

private:
    void push(OutgoingFrame frame) {
        if (closing_ || closed_) return;  // frames after close have nobody to go to
        switch (queue_.push(std::move(frame))) {
            case PushResult::overflow:
                spdlog::warn("{} {}: send queue over {} bytes, closing with 1013", name_, peer_, queue_.limit_bytes());
                return close(CloseCode::try_again_later, channel_ == Channel::control
                                                             ? "send queue full: resume with your tokens"
                                                             : "send queue full: reconnect");
            case PushResult::queued:
            case PushResult::coalesced:
                break;
        }
        if (!writing_) do_write();
    }

    void on_accept(beast::error_code error) {
        if (error) {
            spdlog::info("{} {}: upgrade failed: {}", name_, peer_, error.message());
            return;
        }
        handler_ = make_handler_(this->shared_from_this());
        make_handler_ = nullptr;
        SCENEHOST_ASSERT(handler_ != nullptr, "the endpoint answers every connection with a handler");
        do_read();
    }

    void do_read() {
        ws_.async_read(buffer_, [self = this->shared_from_this()](beast::error_code error, size_t) {
            self->on_read(error);
        });
    }

    void on_read(beast::error_code error) {
        if (error) {
            if (error == websocket::error::message_too_big) {
                spdlog::info("{} {}: frame above {} bytes, closed with 1009", name_, peer_, config_.max_frame_bytes);
            } else if (error == websocket::error::bad_close_code) {
                const uint16_t undefined = ws_.next_layer().scanner().refused_code();
                spdlog::info("{} {}: a close frame with an invalid code{}, answered with 1002", name_, peer_,
                             undefined != 0 ? fmt::format(" ({})", undefined) : "");
            } else if (error != websocket::error::closed) {
                spdlog::debug("{} {}: read ended: {}", name_, peer_, error.message());
            }
            return finish();
        }
        if (channel_ == Channel::pixels) {  // the pixel channel has no client messages (napari-cuda ignores them too)
            buffer_.consume(buffer_.size());
            return do_read();
        }
        if (!ws_.got_text()) {
            buffer_.consume(buffer_.size());
            close(CloseCode::unsupported_data, "/control carries text frames only");
            return do_read();  // keep reading until the peer answers the close
        }
        const std::string text = beast::buffers_to_string(buffer_.data());
        buffer_.consume(buffer_.size());
        if (!closing_ && handler_) handler_->on_text(text);
        do_read();
    }

    void do_write() {
        SCENEHOST_ASSERT(!queue_.empty() && !writing_, "one write at a time, of the front frame");
        writing_ = true;
        queue_.mark_front_in_flight();
        ws_.binary(queue_.front().binary);
        arm_deadline(config_.write_timeout);
        ws_.async_write(boost::asio::buffer(*queue_.front().text),
                        [self = this->shared_from_this()](beast::error_code error, size_t) { self->on_write(error); });
    }

    void on_write(beast::error_code error) {
        writing_ = false;
        disarm_deadline();
        queue_.pop_front();
        if (error) {
            spdlog::debug("{} {}: write failed: {}", name_, peer_, error.message());
            return finish();
        }
        if (!queue_.empty()) return do_write();
        if (closing_) return do_close();
        if (handler_) handler_->on_drained();
    }

    void do_close() {
        if (close_sent_) return;
        close_sent_ = true;
        arm_deadline(config_.close_timeout);
        ws_.async_close(close_reason_, [self = this->shared_from_this()](beast::error_code error) {
            if (error) spdlog::debug("{} {}: close: {}", self->name_, self->peer_, error.message());
            self->finish();
        });
    }

    // Called when the connection is over, from whichever operation noticed first.
    void finish() {
        if (closed_) return;
        closed_ = true;
        disarm_deadline();
        if (handler_) {
            auto handler = std::move(handler_);  // breaks the connection <-> handler cycle
            handler->on_closed();
        }
    }

    // When what is pending (the write of the front frame, else the close handshake) has not
    // completed within `timeout`, closes the TCP connection: the pending operations then fail
    // and finish() follows.
    void arm_deadline(std::chrono::milliseconds timeout) {
        const uint64_t armed = ++deadline_armed_;
        deadline_.expires_after(timeout);
        deadline_.async_wait([weak = this->weak_from_this(), armed, timeout](beast::error_code error) {
            const auto self = weak.lock();
            // A newer arm or a disarm supersedes this wait even when it had already fired.
            if (error || !self || self->deadline_armed_ != armed || self->closed_) return;
            self->on_deadline(timeout);
        });
    }

    void disarm_deadline() {
        ++deadline_armed_;
        deadline_.cancel();
    }

    void on_deadline(std::chrono::milliseconds timeout) {
        // The frame in flight stays at the queue's front until its write completes.
        const std::string pending = writing_ ? fmt::format("the write of a {}-byte {} message", queue_.front().text->size(),
                                                           queue_.front().binary ? "binary" : "text")
                                             : std::string("the close handshake");
        if (writing_) counters_.write_timeouts.inc();
        spdlog::info("{} {}: {} not done within {} ms ({} messages, {} bytes queued): closing the TCP connection",
                     name_, peer_, pending, timeout.count(), queue_.size(), queue_.queued_bytes());
        beast::get_lowest_layer(ws_).close();
    }

    websocket::stream<GuardedStream<Stream>> ws_;
    const TransportConfig &config_;
    TransportMetrics &counters_;
    Channel channel_;
    HandlerFactory make_handler_;  // until the upgrade completes
    std::string peer_;
    const char *name_;  // for logs
    beast::flat_buffer buffer_;
    SendQueue queue_;
    std::shared_ptr<ConnectionHandler> handler_;
    websocket::close_reason close_reason_;
    boost::asio::steady_timer deadline_;
    uint64_t deadline_armed_ = 0;  // which arm_deadline() the pending wait belongs to
    ConnectionTicket ticket_;
    bool writing_ = false;
    bool closing_ = false;
    bool close_sent_ = false;
    bool closed_ = false;
};

}  // namespace scenehost::transport
