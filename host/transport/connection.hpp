// The line between transport and the layers above: a Connection is a live WebSocket (/control
// or /pixels) they send frames on; a ConnectionHandler is what they give back to receive them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "transport/send_queue.hpp"

namespace scenehost::transport {

// WebSocket close codes scenehost uses (RFC 6455 §7.4).
enum class CloseCode : uint16_t {
    normal = 1000,
    going_away = 1001,
    unsupported_data = 1003,  // a binary frame on /control
    policy = 1008,
    too_big = 1009,           // a frame above the configured limit
    internal_error = 1011,
    try_again_later = 1013,   // the send queue overflowed: resume by token
};

class Connection {
public:
    virtual ~Connection() = default;
    // Queues a text frame. Never blocks. On overflow the connection closes itself with 1013.
    virtual void send_text(std::shared_ptr<const std::string> text, SendClass send_class = SendClass::kept,
                           std::string coalesce_key = {}) = 0;
    // Queues a binary message (the pixel channel). Never blocks; overflow closes with 1013.
    virtual void send_binary(std::shared_ptr<const std::string> bytes) = 0;
    // Drops every queued message but the one being written: the pixel channel's newer keyframe
    // makes older frames worthless. Never used on /control, whose frames are never lost.
    virtual void discard_unsent() = 0;
    // Sends what is queued, then the close frame; the handler's on_closed follows.
    virtual void close(CloseCode code, std::string_view reason) = 0;
    // "ip:port" of the peer, for logs.
    virtual const std::string &peer() const = 0;
    // Bytes queued and not yet written (the frame being written included).
    virtual size_t queued_bytes() const = 0;
    // Messages queued and not yet written (the one being written included).
    virtual size_t queued_messages() const = 0;
};

class ConnectionHandler {
public:
    virtual ~ConnectionHandler() = default;
    // A text frame arrived (/control only: what a pixel client sends is read and ignored).
    virtual void on_text(std::string_view text) = 0;
    // The send queue has just been written out, and the connection is open: a sender that
    // paces itself (a long resume replay) sends its next part now. May send.
    virtual void on_drained() {}
    // Called once, whatever ended the connection; the Connection must not be used afterwards.
    virtual void on_closed() = 0;
};

// The session layer: creates a handler for each new /control WebSocket. The connection owns the
// handler; a handler keeps only a weak reference to its connection.
class ControlEndpoint {
public:
    virtual ~ControlEndpoint() = default;
    virtual std::shared_ptr<ConnectionHandler> on_connect(std::shared_ptr<Connection> connection) = 0;
};

// The pixel layer: creates a handler for each new /pixels WebSocket; query is the request
// target's text after '?' ("" when there is none), which the endpoint checks.
class PixelEndpoint {
public:
    virtual ~PixelEndpoint() = default;
    virtual std::shared_ptr<ConnectionHandler> on_connect(std::shared_ptr<Connection> connection,
                                                          std::string_view query) = 0;
};

}  // namespace scenehost::transport
