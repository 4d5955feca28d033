// The stream under every WebSocket (plain TCP or TLS), for what Beast leaves open: the client's
// frames pass a ClientFrameScanner (undefined close codes fail with 1002), and every teardown
// Beast starts (after a close handshake or a protocol failure, when it waits for the peer to
// close TCP) has a deadline, after which the socket is closed.
#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket/teardown.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <spdlog/spdlog.h>
#include <type_traits>

#include "base/assert.hpp"
#include "transport/rfc6455.hpp"

namespace scenehost::transport {

template <class Next>
class GuardedStream {
public:
    using executor_type = typename Next::executor_type;
    using next_layer_type = Next;

    GuardedStream(Next &&next, std::chrono::milliseconds teardown_timeout)
        : next_(std::move(next)), teardown_timeout_(teardown_timeout), timer_(next_.get_executor()) {}
    // Lives where Beast's websocket stream built it: the deadline's handler knows its address.
    GuardedStream(GuardedStream &&) = delete;
    GuardedStream &operator=(GuardedStream &&) = delete;

    executor_type get_executor() noexcept { return next_.get_executor(); }
    Next &next_layer() noexcept { return next_; }
    const Next &next_layer() const noexcept { return next_; }
    const ClientFrameScanner &scanner() const { return scanner_; }

    // Beast reads into one contiguous buffer (its frame buffer's prepare()), so a held-back
    // byte can go in front of what the next layer reads.
    template <class MutableBuffers, class ReadHandler>
    auto async_read_some(const MutableBuffers &buffers, ReadHandler &&handler) {
        const boost::asio::mutable_buffer first = *boost::asio::buffer_sequence_begin(buffers);
        SCENEHOST_ASSERT(boost::asio::buffer_size(buffers) == first.size(), "Beast reads into one buffer");
        return boost::asio::async_initiate<ReadHandler, void(boost::beast::error_code, size_t)>(
            [this](auto handler, boost::asio::mutable_buffer buffer) {
                ReadOp<std::decay_t<decltype(handler)>>(std::move(handler), *this, buffer);
            },
            handler, first);
    }

    template <class ConstBuffers, class WriteHandler>
    auto async_write_some(const ConstBuffers &buffers, WriteHandler &&handler) {
        return next_.async_write_some(buffers, std::forward<WriteHandler>(handler));
    }

    // Called by async_teardown below: when the teardown has not ended by the deadline (the peer
    // neither closed TCP nor answered TLS close_notify), the socket is closed, which ends it.
    void arm_teardown_deadline() {
        timer_.expires_after(teardown_timeout_);
        timer_.async_wait([this, alive = std::weak_ptr<const char>(alive_)](boost::beast::error_code error) {
            if (error || alive.expired()) return;  // the teardown ended, or the stream is gone
            spdlog::debug("websocket teardown not done in {} ms: closing the socket", teardown_timeout_.count());
            boost::beast::get_lowest_layer(next_).close();
        });
    }

private:
    // Reads through the scanner, handing a held-back byte in again first.
    template <class Handler>
    class ReadOp : public boost::beast::async_base<Handler, executor_type> {
    public:
        ReadOp(Handler &&handler, GuardedStream &stream, boost::asio::mutable_buffer buffer)
            : boost::beast::async_base<Handler, executor_type>(std::move(handler), stream.get_executor()),
              stream_(stream), buffer_(buffer) {
            SCENEHOST_ASSERT(buffer.size() >= 2, "Beast reads frames into buffers of hundreds of bytes");
            if (stream.held_) {
                *static_cast<uint8_t *>(buffer.data()) = *stream.held_;
                stream.held_.reset();
                held_ = 1;
            }
            stream.next_.async_read_some(buffer + held_, std::move(*this));
        }

        void operator()(boost::beast::error_code error, size_t bytes) {
            auto *data = static_cast<uint8_t *>(buffer_.data());
            bytes += held_;
            const size_t taken = stream_.scanner_.scan(data, bytes);
            if (taken < bytes) {
                SCENEHOST_ASSERT(taken + 1 == bytes, "the scanner holds back at most the first byte of a close code");
                stream_.held_ = data[taken];
            }
            this->complete_now(error, taken);
        }

    private:
        GuardedStream &stream_;
        boost::asio::mutable_buffer buffer_;
        size_t held_ = 0;
    };

    Next next_;
    std::chrono::milliseconds teardown_timeout_;
    boost::asio::steady_timer timer_;
    ClientFrameScanner scanner_;
    std::optional<uint8_t> held_;  // the first byte of a close code whose second is still to come
    std::shared_ptr<const char> alive_ = std::make_shared<const char>();  // a fired deadline may run after us
};

// Found by Beast's websocket stream (argument-dependent lookup) for every teardown it starts.
template <class Next, class TeardownHandler>
void async_teardown(boost::beast::role_type role, GuardedStream<Next> &stream, TeardownHandler &&handler) {
    stream.arm_teardown_deadline();
    using boost::beast::websocket::async_teardown;
    async_teardown(role, stream.next_layer(), std::forward<TeardownHandler>(handler));
}

}  // namespace scenehost::transport
