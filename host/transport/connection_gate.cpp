// Counting tickets in and out.
#include "transport/connection_gate.hpp"

#include "base/assert.hpp"

namespace scenehost::transport {

ConnectionTicket &ConnectionTicket::operator=(ConnectionTicket &&other) noexcept {
    if (this != &other) {
        release();
        open_ = std::move(other.open_);
    }
    return *this;
}

ConnectionTicket::~ConnectionTicket() { release(); }

void ConnectionTicket::release() {
    if (!open_) return;  // moved from
    const size_t before = open_->fetch_sub(1);
    SCENEHOST_ASSERT(before > 0, "every ticket was counted in when the gate made it");
    open_.reset();
}

ConnectionGate::ConnectionGate(size_t limit) : limit_(limit) {
    SCENEHOST_ASSERT(limit >= 1, "the command line bounds --max-connections to at least 1");
}

std::optional<ConnectionTicket> ConnectionGate::admit() {
    if (open_->load() >= limit_) return std::nullopt;
    open_->fetch_add(1);  // only the io thread admits, so nothing can pass the limit in between
    return ConnectionTicket(open_);
}

}  // namespace scenehost::transport
