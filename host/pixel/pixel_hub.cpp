// Pixel clients and the per-client drop rule; see pixel_hub.hpp.
#include "pixel/pixel_hub.hpp"

#include <fmt/format.h>
#include <limits>
#include <vector>
#include <spdlog/spdlog.h>

#include "base/assert.hpp"
#include "protocol/pixel_frame.hpp"

namespace scenehost::pixel {

class PixelClient final : public transport::ConnectionHandler {
public:
    PixelClient(PixelHub &hub, std::weak_ptr<transport::Connection> connection, bool meta)
        : hub_(hub), connection_(std::move(connection)), meta_(meta) {}

    // Either side may go first: the hub unregisters its clients when it is destroyed, and a
    // client unregisters itself when it closes or is destroyed.
    ~PixelClient() override { unregister(); }
    void on_text(std::string_view) override {}  // see WebSocketConnection: never called on /pixels
    void on_drained() override {
        if (!registered_) return;
        const base::TimeUs now = hub_.clock_.now_us();
        last_drained_us_ = now;
        if (!lagged_ || now - last_recovery_us_ < hub_.limits_.recovery_interval_us) return;
        // Caught up after falling behind: one IDR now rather than a stale picture until the next
        // scheduled one, but not again within the recovery interval.
        lagged_ = false;
        last_recovery_us_ = now;
        ++hub_.stats_.recoveries;
        hub_.request_keyframe_();
    }
    void on_closed() override { unregister(); }
    void unregister() {
        if (registered_) hub_.clients_.erase(this);
        registered_ = false;
    }

    PixelHub &hub_;
    std::weak_ptr<transport::Connection> connection_;
    const bool meta_;
    bool registered_ = false;
    bool waiting_for_keyframe_ = true;  // joined, or dropped a frame: only an IDR may come next
    bool lagged_ = false;               // dropped a frame for a full queue since its last recovery
    bool stalled_ = false;              // closed for making no progress; on_closed follows
    base::TimeUs last_drained_us_;      // its queue was last empty then (or it joined)
    base::TimeUs last_recovery_us_ = std::numeric_limits<base::TimeUs>::min() / 2;
};

PixelHub::PixelHub(const base::Clock &clock, std::function<void()> request_keyframe, PixelLimits limits)
    : clock_(clock), request_keyframe_(std::move(request_keyframe)), limits_(limits) {
    SCENEHOST_ASSERT(request_keyframe_ != nullptr && limits_.max_queued >= 1, "a pixel hub can ask for IDRs and queue a frame");
    SCENEHOST_ASSERT(limits_.stall_timeout_us > 0 && limits_.recovery_interval_us >= 0, "stall and recovery times are positive");
}

PixelHub::~PixelHub() {
    for (PixelClient *client : clients_) client->registered_ = false;
}

std::shared_ptr<transport::ConnectionHandler> PixelHub::on_connect(std::shared_ptr<transport::Connection> connection,
                                                                   std::string_view query) {
    if (query != "" && query != "meta=1" && query != "meta=0") {
        auto refused = std::make_shared<PixelClient>(*this, connection, false);
        connection->close(transport::CloseCode::policy,
                          fmt::format("unknown query '{}': /pixels takes meta=1 or nothing", query));
        return refused;
    }
    auto client = std::make_shared<PixelClient>(*this, connection, query == "meta=1");
    client->registered_ = true;
    client->last_drained_us_ = clock_.now_us();
    clients_.insert(client.get());
    spdlog::info("pixels {}: joined{}; waiting for an IDR", connection->peer(), client->meta_ ? " (with metadata)" : "");
    request_keyframe_();
    return client;
}

void PixelHub::publish(const std::shared_ptr<const EncodedFrame> &frame) {
    std::shared_ptr<const std::string> plain, with_meta;  // packed once, on first need
    const int64_t sent_us = clock_.now_us();
    auto message = [&](bool meta) {
        auto &slot = meta ? with_meta : plain;
        if (slot == nullptr) {
            const protocol::PixelHeader header{static_cast<uint32_t>(frame->sequence),
                                               static_cast<double>(frame->captured_us) / 1e6,
                                               frame->width,
                                               frame->height,
                                               protocol::kPixelCodecH264,
                                               frame->keyframe ? protocol::kPixelFlagKeyframe : uint8_t(0)};
            const protocol::PixelMeta pixel_meta{
                frame->sequence, frame->captured_us, frame->versions,
                protocol::PixelStages{frame->projected_us, frame->captured_us, frame->encoded_us, sent_us}};
            slot = std::make_shared<const std::string>(
                protocol::pack_pixel_message(header, meta ? &pixel_meta : nullptr, frame->avcc));
        }
        return slot;
    };
    std::vector<std::shared_ptr<transport::Connection>> stalled;
    for (PixelClient *client : clients_) {
        auto connection = client->connection_.lock();
        SCENEHOST_ASSERT(connection != nullptr, "a registered client's connection is open (on_closed unregisters)");
        if (client->stalled_) continue;
        if (connection->queued_messages() > 0 && sent_us - client->last_drained_us_ > limits_.stall_timeout_us) {
            spdlog::info("pixels {}: nothing written for {:.1f} s ({} messages waiting); closing", connection->peer(),
                         double(sent_us - client->last_drained_us_) / 1e6, connection->queued_messages());
            client->stalled_ = true;
            stalled.push_back(std::move(connection));
            continue;
        }
        if (frame->keyframe) {
            // An IDR makes everything older worthless: what still waits is dropped in its favour.
            if (connection->queued_messages() > 1) connection->discard_unsent();
            client->waiting_for_keyframe_ = false;
        } else if (client->waiting_for_keyframe_) {
            ++stats_.dropped;
            continue;
        } else if (connection->queued_messages() >= limits_.max_queued) {
            spdlog::debug("pixels {}: {} messages waiting; dropping frames until the next IDR", connection->peer(),
                          connection->queued_messages());
            client->waiting_for_keyframe_ = true;
            client->lagged_ = true;
            ++stats_.dropped;
            continue;
        }
        connection->send_binary(message(client->meta_));
        ++stats_.sent;
    }
    // Closed after the loop: on_closed unregisters from clients_, which the loop walks.
    for (auto &connection : stalled) {
        ++stats_.stalled;
        connection->close(transport::CloseCode::try_again_later, "no progress: nothing written for too long; reconnect");
    }
}

void PixelHub::hold_until_keyframe() {
    for (PixelClient *client : clients_) client->waiting_for_keyframe_ = true;
}

void PixelHub::close_all(transport::CloseCode code, std::string_view reason) {
    std::vector<std::shared_ptr<transport::Connection>> open;
    for (PixelClient *client : clients_) {
        if (auto c = client->connection_.lock()) open.push_back(std::move(c));
    }
    for (auto &c : open) c->close(code, reason);
}

}  // namespace scenehost::pixel
