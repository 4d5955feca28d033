#include "render/gl_context.hpp"

#include <QGuiApplication>
#include <QOffscreenSurface>
#include <QOpenGLContext>
#include <QOpenGLFunctions>
#include <cstdlib>
#include <spdlog/spdlog.h>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

#include "base/assert.hpp"

namespace scenehost::render {
namespace {

QSurfaceFormat core_33() {
    QSurfaceFormat format;
    format.setVersion(3, 3);
    format.setProfile(QSurfaceFormat::CoreProfile);
    format.setDepthBufferSize(0);
    return format;
}

// Qt's own messages go to the host's log.
void log_qt_message(QtMsgType type, const QMessageLogContext &, const QString &message) {
    const std::string text = message.toStdString();
    switch (type) {
        case QtDebugMsg: return spdlog::debug("[qt] {}", text);
        case QtInfoMsg: return spdlog::info("[qt] {}", text);
        case QtWarningMsg: return spdlog::warn("[qt] {}", text);
        case QtCriticalMsg:
        case QtFatalMsg: return spdlog::error("[qt] {}", text);
    }
}

int g_argc = 1;
char g_arg0[] = "scenehost";
char *g_argv[] = {g_arg0, nullptr};

}  // namespace

QtRuntime::QtRuntime(std::string_view display_mode) : display_(Display::acquire(display_mode)) {
    SCENEHOST_ASSERT(QCoreApplication::instance() == nullptr, "one Qt runtime per process");
    setenv("QT_QPA_PLATFORM", "offscreen", 1);
    if (std::getenv("XDG_RUNTIME_DIR") == nullptr) {
        // Qt wants a private runtime directory; make the one it would pick, without the warning.
        const std::string dir = "/tmp/runtime-" + std::to_string(getuid());
        mkdir(dir.c_str(), 0700);
        setenv("XDG_RUNTIME_DIR", dir.c_str(), 1);
    }
    setenv("DISPLAY", display_.name().c_str(), 1);
    qInstallMessageHandler(log_qt_message);
    app_ = std::make_unique<QGuiApplication>(g_argc, g_argv);
}

QtRuntime::~QtRuntime() = default;

std::unique_ptr<QOffscreenSurface> QtRuntime::make_surface() const {
    auto surface = std::make_unique<QOffscreenSurface>();
    surface->setFormat(core_33());
    surface->create();
    return surface;
}

GlContext::GlContext(QOffscreenSurface &surface) : context_(std::make_unique<QOpenGLContext>()) {
    context_->setFormat(core_33());
    if (!context_->create()) {
        throw std::runtime_error("cannot create an OpenGL context on display " + std::string(std::getenv("DISPLAY")) +
                                 " (Qt offscreen platform over GLX)");
    }
    const QSurfaceFormat got = context_->format();
    if (got.version() < qMakePair(3, 3)) {
        throw std::runtime_error("the OpenGL driver offers version " + std::to_string(got.majorVersion()) + "." +
                                 std::to_string(got.minorVersion()) + "; the renderer needs 3.3 core");
    }
    if (!context_->makeCurrent(&surface)) throw std::runtime_error("cannot make the OpenGL context current");
}

GlContext::~GlContext() { context_->doneCurrent(); }

std::string GlContext::description() const {
    QOpenGLFunctions *f = context_->functions();
    return std::string(reinterpret_cast<const char *>(f->glGetString(GL_RENDERER))) + ", OpenGL " +
           reinterpret_cast<const char *>(f->glGetString(GL_VERSION));
}

}  // namespace scenehost::render
