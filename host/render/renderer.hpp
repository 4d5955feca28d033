// The GL renderer: draws a RenderScene into a framebuffer of the canvas size and reads it
// back. Lives on the thread whose QOpenGLContext is current. Layer data is uploaded once per
// plane (2D) or volume (3D) of any displayed axes and re-uploaded only when what is shown changes.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "render/render_scene.hpp"

class QOpenGLContext;

namespace scenehost::render {

// A layer left out of a frame because its data could not be read (a data::DataError from a
// corrupt strip, tile or chunk that only a read finds).
struct LayerError {
    std::string layer;    // its id
    std::string message;  // the DataError's, naming the file
};

struct Frame {
    int width = 0, height = 0;
    std::vector<uint8_t> rgba;  // width * height * 4 bytes, top row first
    std::map<std::string, uint64_t, std::less<>> versions;  // the store versions it shows
    std::vector<LayerError> errors;  // layers left out of this frame, bottom to top
    double draw_ms = 0;      // uploads and draw calls until the GPU finished
    double readback_ms = 0;  // glReadPixels and the row flip
};

class Renderer {
public:
    // `context` must be current on the calling thread for the renderer's whole life.
    explicit Renderer(QOpenGLContext &context);
    ~Renderer();
    Renderer(const Renderer &) = delete;
    Renderer &operator=(const Renderer &) = delete;

    Frame render(const RenderScene &scene);

    // Layer data uploads (glTexImage2D/3D of pixels) since construction.
    uint64_t texture_uploads() const;
    // Layers holding GPU textures: those of the last scene rendered (a layer the scene no longer
    // has loses its textures at the next render).
    size_t textured_layers() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace scenehost::render
