// The newest rendered frame, shared between the render thread (put) and readers on other
// threads (get), e.g. the screenshot command and, later, the pixel channel.
#pragma once

#include <memory>
#include <mutex>

#include "render/render_worker.hpp"

namespace scenehost::render {

class FrameSlot {
public:
    void put(std::shared_ptr<const RenderedFrame> frame) {
        std::lock_guard lock(mutex_);
        frame_ = std::move(frame);
    }
    std::shared_ptr<const RenderedFrame> get() const {
        std::lock_guard lock(mutex_);
        return frame_;
    }

private:
    mutable std::mutex mutex_;
    std::shared_ptr<const RenderedFrame> frame_;
};

}  // namespace scenehost::render
