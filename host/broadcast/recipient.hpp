// A session as the broadcaster sees it: an id, its dialect and a place to send frames. The session module
// implements it; the broadcaster and the intent lane send through it and nothing else.
#pragma once

#include <cstddef>
#include <string>

#include "protocol/dialect.hpp"
#include "transport/send_queue.hpp"

namespace scenehost::broadcast {

class Recipient {
public:
    virtual ~Recipient() = default;
    virtual const std::string &id() const = 0;
    // Queues a frame; never blocks (the connection closes itself when its queue overflows).
    virtual void send(std::string text, transport::SendClass send_class = transport::SendClass::kept,
                      std::string coalesce_key = {}) = 0;
    // Bytes waiting to be written (a paced replay sends its next part when this falls).
    virtual size_t queued_bytes() const = 0;
    // The dialect it speaks: every frame sent to it is built by this one.
    virtual protocol::Dialect &dialect() const = 0;
};

}  // namespace scenehost::broadcast
