// A connection's outgoing frames, bounded in bytes. Under pressure, hot-path frames
// (notify.dims / notify.camera) are coalesced to the newest per target; every other frame is
// kept, and when one no longer fits the caller must close the connection (1013) so the
// client resumes by token with nothing lost.
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <string>

namespace scenehost::transport {

enum class SendClass {
    kept,         // never dropped: acks, replies, resumable notifies, session frames
    coalescible,  // a newer frame with the same key makes an unsent older one worthless
};

// One frame waiting to be written; the text may be shared by many connections.
struct OutgoingFrame {
    std::shared_ptr<const std::string> text;
    SendClass send_class = SendClass::kept;
    std::string coalesce_key;  // e.g. "notify.dims" or "notify.camera/main"; only for coalescible
    bool binary = false;       // a WebSocket binary message (the pixel channel), else text
};

enum class PushResult { queued, coalesced, overflow };

// Invariant: queued_bytes() is the sum of the sizes of the frames queued, and it never exceeds
// the limit except by the one frame being written (a queue is never refused its first frame).
class SendQueue {
public:
    explicit SendQueue(size_t limit_bytes) : limit_bytes_(limit_bytes) {}

    // Adds frame at the back. When the bytes would exceed the limit, first drops queued
    // coalescible frames that a newer frame with the same key supersedes (including the one
    // being pushed), then every older duplicate of other hot-path keys. overflow: the frame was not
    // queued; only superseded hot-path frames may have been dropped.
    PushResult push(OutgoingFrame frame);
    // The frame at the front; it stays queued (and counted) until pop_front().
    const OutgoingFrame &front() const { return frames_.front(); }
    void pop_front();
    bool empty() const { return frames_.empty(); }
    size_t size() const { return frames_.size(); }
    size_t queued_bytes() const { return queued_bytes_; }
    size_t limit_bytes() const { return limit_bytes_; }
    // Drops every frame but the one being written (a connection that is closing).
    void drop_unsent();
    // Marks the front frame as being written: it can no longer be coalesced away.
    void mark_front_in_flight() { front_in_flight_ = !frames_.empty(); }

private:
    bool drop_superseded(const std::string &key, bool include_newest);

    size_t limit_bytes_;
    size_t queued_bytes_ = 0;
    bool front_in_flight_ = false;
    std::deque<OutgoingFrame> frames_;
};

}  // namespace scenehost::transport
