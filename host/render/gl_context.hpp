// Qt's GUI application on the offscreen platform and the OpenGL 3.3 core contexts the render
// worker draws with.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "render/xvfb.hpp"

class QGuiApplication;
class QOffscreenSurface;
class QOpenGLContext;

namespace scenehost::render {

// One per process, made on the main (GUI) thread before any context: acquires the display,
// sets QT_QPA_PLATFORM=offscreen and DISPLAY, and creates the QGuiApplication.
class QtRuntime {
public:
    explicit QtRuntime(std::string_view display_mode);
    ~QtRuntime();
    QtRuntime(const QtRuntime &) = delete;
    QtRuntime &operator=(const QtRuntime &) = delete;

    const Display &display() const { return display_; }
    // A surface for one context; Qt wants surfaces created on the GUI thread.
    std::unique_ptr<QOffscreenSurface> make_surface() const;

private:
    Display display_;
    std::unique_ptr<QGuiApplication> app_;
};

// An OpenGL 3.3 core context, current on the thread that made it, drawing to `surface`.
// Throws std::runtime_error naming what the driver offered when it cannot have 3.3 core.
class GlContext {
public:
    explicit GlContext(QOffscreenSurface &surface);
    ~GlContext();
    GlContext(const GlContext &) = delete;
    GlContext &operator=(const GlContext &) = delete;

    QOpenGLContext &context() { return *context_; }
    std::string description() const;  // e.g. "llvmpipe (LLVM 15.0.6, 256 bits), OpenGL 4.5"

private:
    std::unique_ptr<QOpenGLContext> context_;
};

}  // namespace scenehost::render
