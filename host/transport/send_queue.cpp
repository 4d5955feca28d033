// Byte-bounded frame queue with newest-wins coalescing for hot-path frames.
#include "transport/send_queue.hpp"

#include <algorithm>
#include <vector>

#include "base/assert.hpp"

namespace scenehost::transport {

bool SendQueue::drop_superseded(const std::string &key, bool include_newest) {
    // Drops every unsent coalescible frame with this key except (unless include_newest) the
    // newest one. The in-flight front frame is being written and must stay.
    bool dropped = false;
    bool newest_seen = include_newest;
    for (size_t i = frames_.size(); i-- > 0;) {
        OutgoingFrame &f = frames_[i];
        if (f.send_class != SendClass::coalescible || f.coalesce_key != key) continue;
        if (i == 0 && front_in_flight_) continue;
        if (!newest_seen) {
            newest_seen = true;
            continue;
        }
        queued_bytes_ -= f.text->size();
        frames_.erase(frames_.begin() + static_cast<std::ptrdiff_t>(i));
        dropped = true;
    }
    return dropped;
}

PushResult SendQueue::push(OutgoingFrame frame) {
    SCENEHOST_ASSERT(frame.text != nullptr, "a frame always has text");
    SCENEHOST_ASSERT(frame.send_class == SendClass::kept || !frame.coalesce_key.empty(),
                     "coalescible frames name what they supersede");
    const size_t size = frame.text->size();
    bool coalesced = false;
    if (!frames_.empty() && queued_bytes_ + size > limit_bytes_) {
        if (frame.send_class == SendClass::coalescible) {
            coalesced = drop_superseded(frame.coalesce_key, /*include_newest=*/true);
        }
        // Still too full: make room by coalescing every other hot-path key to its newest frame.
        if (queued_bytes_ + size > limit_bytes_) {
            std::vector<std::string> keys;
            for (const OutgoingFrame &f : frames_) {
                if (f.send_class == SendClass::coalescible &&
                    std::find(keys.begin(), keys.end(), f.coalesce_key) == keys.end()) {
                    keys.push_back(f.coalesce_key);
                }
            }
            for (const std::string &key : keys) coalesced |= drop_superseded(key, /*include_newest=*/false);
        }
        if (queued_bytes_ + size > limit_bytes_) {
            return PushResult::overflow;
        }
    }
    queued_bytes_ += size;
    frames_.push_back(std::move(frame));
    return coalesced ? PushResult::coalesced : PushResult::queued;
}

void SendQueue::drop_unsent() {
    const size_t keep = front_in_flight_ ? 1 : 0;
    while (frames_.size() > keep) {
        queued_bytes_ -= frames_.back().text->size();
        frames_.pop_back();
    }
}

void SendQueue::pop_front() {
    SCENEHOST_ASSERT(!frames_.empty(), "pop only after a write of the front frame");
    queued_bytes_ -= frames_.front().text->size();
    frames_.pop_front();
    front_in_flight_ = false;
}

}  // namespace scenehost::transport
