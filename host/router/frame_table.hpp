// The router: a table from client frame type to handler, built once and shared by every session.
// Pure dispatch: it holds no state of its own, does no I/O and never mutates anything; the
// handlers do the work. Sits between the protocol parser and the session, engine and broadcaster.
#pragma once

#include <array>
#include <functional>
#include <variant>

#include "base/assert.hpp"
#include "protocol/client_frames.hpp"

namespace scenehost::router {

// Context is what a handler acts on (a session); the router never looks into it.
// Invariant: once complete(), every client frame type has exactly one handler.
template <class Context>
class FrameTable {
public:
    // Sets the handler for the frame type whose parsed payload is Payload (protocol::Hello,
    // StateUpdate, CallCommand, SessionAck or Goodbye). Each type is set once.
    template <class Payload, class Handler>
    FrameTable &on(Handler handler) {
        constexpr size_t index = payload_index<Payload>();
        SCENEHOST_ASSERT(!handlers_[index], "each frame type has one handler");
        handlers_[index] = [handler = std::move(handler)](Context &context, const protocol::ClientFrame &frame) {
            handler(context, frame.envelope, std::get<Payload>(frame.payload));
        };
        return *this;
    }

    bool complete() const {
        for (const auto &h : handlers_) {
            if (!h) return false;
        }
        return true;
    }

    // Calls the handler of the frame's type.
    void dispatch(Context &context, const protocol::ClientFrame &frame) const {
        const auto &handler = handlers_[frame.payload.index()];
        SCENEHOST_ASSERT(handler != nullptr, "the table is complete before any frame is dispatched");
        handler(context, frame);
    }

private:
    using Erased = std::function<void(Context &, const protocol::ClientFrame &)>;
    static constexpr size_t kTypes = std::variant_size_v<protocol::ClientPayload>;

    template <class Payload, size_t I = 0>
    static constexpr size_t payload_index() {
        static_assert(I < kTypes, "Payload is one of protocol::ClientPayload's types");
        if constexpr (std::is_same_v<std::variant_alternative_t<I, protocol::ClientPayload>, Payload>) {
            return I;
        } else {
            return payload_index<Payload, I + 1>();
        }
    }

    std::array<Erased, kTypes> handlers_;
};

}  // namespace scenehost::router
