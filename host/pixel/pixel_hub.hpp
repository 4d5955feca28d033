// The /pixels endpoint: every pixel client and the fan-out of encoded frames to them. A client
// starts at an IDR (it asks for one on joining). Each has at most `max_queued` messages waiting
// in its connection; a frame that does not fit is dropped, and so is every frame after it up to
// the next IDR, so a slow client never holds up rendering or the others.
// A forced IDR costs every viewer bandwidth, so a client's lag does not force one per frame: once
// its queue has drained it may ask for one at most every `recovery_interval` (the pipeline
// rate-limits forced IDRs host-wide on top), else it waits for the next scheduled IDR. A client
// whose queue has not drained for `stall_timeout` is closed (1013): it makes no progress.
// Lives on the io thread; nothing here is locked.
#pragma once

#include <cstddef>
#include <functional>
#include <set>
#include <memory>
#include <string_view>

#include "base/clock.hpp"
#include "pixel/encode_pipeline.hpp"
#include "transport/connection.hpp"

namespace scenehost::pixel {

class PixelClient;

struct PixelLimits {
    size_t max_queued = 2;                           // messages waiting per client
    base::TimeUs recovery_interval_us = 10'000'000;  // a lagging client asks for an IDR at most this often
    base::TimeUs stall_timeout_us = 10'000'000;      // a queue not drained for this long closes the client
};

class PixelHub final : public transport::PixelEndpoint {
public:
    // request_keyframe is called on the io thread and must not block. `clock` stamps the time a
    // frame is handed to the connections (the metadata's stages.sent_us).
    PixelHub(const base::Clock &clock, std::function<void()> request_keyframe, PixelLimits limits = {});
    ~PixelHub() override;
    PixelHub(const PixelHub &) = delete;
    PixelHub &operator=(const PixelHub &) = delete;

    // query: "" or "meta=1" (scenehost's metadata block, docs/pixels.md); anything else is
    // refused with close code 1008 naming it.
    std::shared_ptr<transport::ConnectionHandler> on_connect(std::shared_ptr<transport::Connection> connection,
                                                             std::string_view query) override;

    // Sends frame to every client that can take it.
    void publish(const std::shared_ptr<const EncodedFrame> &frame);
    // Holds every client's frames back until the next IDR (a client's keyframe request: it will
    // reset its decoder, so what comes before the IDR is of no use to it).
    void hold_until_keyframe();
    // Closes every pixel connection: 1001 when the host stops, 1011 after a critical fault.
    void close_all(transport::CloseCode code, std::string_view reason);

    struct Stats {
        uint64_t sent = 0;        // messages queued to clients
        uint64_t dropped = 0;     // frames a client did not get (slow, or waiting for its first IDR)
        uint64_t recoveries = 0;  // IDRs asked for by a client that had fallen behind
        uint64_t stalled = 0;     // clients closed for making no progress
    };
    Stats stats() const { return stats_; }
    size_t client_count() const { return clients_.size(); }

private:
    friend class PixelClient;

    const base::Clock &clock_;
    std::function<void()> request_keyframe_;
    PixelLimits limits_;
    std::set<PixelClient *> clients_;  // the registered ones (see PixelClient)
    Stats stats_;
};

}  // namespace scenehost::pixel
