// The host's cap on open TCP connections, shared by all its listeners: each accepted
// connection, HTTP or WebSocket, holds a ticket until its socket is gone, and a connection that
// finds no ticket left is answered 503 and closed.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <optional>

namespace scenehost::transport {

// Owns one of the gate's places; gives it back when destroyed. Move-only.
class ConnectionTicket {
public:
    ConnectionTicket(ConnectionTicket &&other) noexcept = default;
    ConnectionTicket &operator=(ConnectionTicket &&other) noexcept;
    ConnectionTicket(const ConnectionTicket &) = delete;
    ConnectionTicket &operator=(const ConnectionTicket &) = delete;
    ~ConnectionTicket();

private:
    friend class ConnectionGate;
    explicit ConnectionTicket(std::shared_ptr<std::atomic<size_t>> open) : open_(std::move(open)) {}
    void release();

    std::shared_ptr<std::atomic<size_t>> open_;  // shared: a ticket may outlive the gate at shutdown
};

// Invariant: open() equals the number of live tickets and never exceeds limit(). Tickets are
// taken and given back on the io thread; open() may be read from any thread (tests).
class ConnectionGate {
public:
    explicit ConnectionGate(size_t limit);

    // A ticket, or nothing when limit() tickets are out.
    std::optional<ConnectionTicket> admit();
    size_t open() const { return open_->load(); }
    size_t limit() const { return limit_; }

private:
    size_t limit_;
    std::shared_ptr<std::atomic<size_t>> open_ = std::make_shared<std::atomic<size_t>>(0);
};

}  // namespace scenehost::transport
