#include "render/renderer.hpp"

#include <QOpenGLContext>
#include <QOpenGLFramebufferObject>
#include <QOpenGLFunctions_3_3_Core>
#include <QOpenGLShaderProgram>
#include <QOpenGLVersionFunctionsFactory>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <numbers>
#include <optional>
#include <spdlog/spdlog.h>

#include "base/assert.hpp"
#include "data/slab.hpp"
#include "render/colormap.hpp"
#include "render/layer_slice.hpp"
#include "render/shaders.inc"

namespace scenehost::render {
namespace {

using data::DType;

// What a layer's 2D texture holds: a plane of one level at one position of the other axes.
struct PlaneKey {
    const data::ArraySource *source = nullptr;
    size_t level = 0;
    std::vector<int64_t> index;  // level coordinates of every layer axis not displayed
    int64_t row_axis = 0, column_axis = 0;
    bool operator==(const PlaneKey &) const = default;
};

// What a layer's 3D texture holds.
struct VolumeKey {
    const data::ArraySource *source = nullptr;
    size_t level = 0;
    std::vector<int64_t> index;  // level coordinates of every layer axis not displayed
    std::array<int64_t, 3> axes{};  // -1, 0, 1 for a 2D layer shown as a plane in 3D
    bool operator==(const VolumeKey &) const = default;
};

struct Pixels {
    std::vector<std::byte> bytes;
    std::array<int64_t, 3> size{1, 1, 1};  // columns, rows, depth
};

double scale_of(DType dtype) { return dtype == DType::uint8 ? 255.0 : dtype == DType::uint16 ? 65535.0 : 1.0; }

}  // namespace

struct Renderer::Impl {
    QOpenGLContext &context;
    QOpenGLFunctions_3_3_Core *gl;
    QOpenGLShaderProgram layer2d;
    std::map<std::string, std::unique_ptr<QOpenGLShaderProgram>, std::less<>> volume_programs;  // by mode
    GLuint vao = 0, quad = 0;
    std::unique_ptr<QOpenGLFramebufferObject> fbo;
    std::map<std::string, GLuint, std::less<>> colormaps;
    struct LayerTextures {
        GLuint plane = 0, volume = 0;
        std::optional<PlaneKey> plane_key;  // what the texture holds
        std::optional<VolumeKey> volume_key;
        // The last key whose read threw DataError, and why: not retried while it is shown.
        std::optional<PlaneKey> plane_failed;
        std::optional<VolumeKey> volume_failed;
        std::string plane_failure, volume_failure;
    };
    std::map<std::string, LayerTextures, std::less<>> layers;
    uint64_t uploads = 0;

    explicit Impl(QOpenGLContext &c) : context(c) {
        SCENEHOST_ASSERT(QOpenGLContext::currentContext() == &context, "the renderer's context is current");
        gl = QOpenGLVersionFunctionsFactory::get<QOpenGLFunctions_3_3_Core>(&context);
        SCENEHOST_ASSERT(gl != nullptr, "the context offers OpenGL 3.3 core (checked when it was created)");
        build(layer2d, kLayer2dVert, kLayer2dFrag, "layer2d");
        const float corners[] = {0, 0, 1, 0, 0, 1, 1, 1};
        gl->glGenVertexArrays(1, &vao);
        gl->glBindVertexArray(vao);
        gl->glGenBuffers(1, &quad);
        gl->glBindBuffer(GL_ARRAY_BUFFER, quad);
        gl->glBufferData(GL_ARRAY_BUFFER, sizeof corners, corners, GL_STATIC_DRAW);
        gl->glEnableVertexAttribArray(0);
        gl->glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, 0, nullptr);
    }

    ~Impl() {
        for (auto &[name, tex] : colormaps) gl->glDeleteTextures(1, &tex);
        for (auto &[id, t] : layers) {
            gl->glDeleteTextures(1, &t.plane);
            gl->glDeleteTextures(1, &t.volume);
        }
        gl->glDeleteBuffers(1, &quad);
        gl->glDeleteVertexArrays(1, &vao);
    }

    // Shaders ship with the host: a compile or link error is a bug, not an input error.
    static void build(QOpenGLShaderProgram &program, std::string_view vert, std::string_view frag, const char *name,
                      std::string_view defines = {}) {
        // Defines go right after the #version line.
        std::string fragment(frag);
        if (!defines.empty()) fragment.insert(fragment.find('\n') + 1, defines);
        const bool ok = program.addShaderFromSourceCode(QOpenGLShader::Vertex, QByteArray(vert.data(), qsizetype(vert.size()))) &&
                        program.addShaderFromSourceCode(QOpenGLShader::Fragment, QByteArray::fromStdString(fragment)) &&
                        program.link();
        SCENEHOST_ASSERT(ok, std::string("shader program ") + name + " builds: " + program.log().toStdString());
    }

    QOpenGLShaderProgram &volume_program(const std::string &mode) {
        static const std::map<std::string, int, std::less<>> kModes = {
            {"mip", 0}, {"minip", 1}, {"attenuated_mip", 2}, {"iso", 3}, {"translucent", 4}, {"average", 5}, {"additive", 6}};
        auto [it, inserted] = volume_programs.try_emplace(mode);
        if (inserted) {
            it->second = std::make_unique<QOpenGLShaderProgram>();
            build(*it->second, kFullscreenVert, kVolumeFrag, "volume", "#define MODE " + std::to_string(kModes.at(mode)) + "\n");
        }
        return *it->second;
    }

    GLuint colormap(const std::string &name) {
        auto [it, inserted] = colormaps.try_emplace(name, 0);
        if (inserted) {
            const ColormapLut lut = colormap_lut(name);
            gl->glGenTextures(1, &it->second);
            gl->glBindTexture(GL_TEXTURE_2D, it->second);
            gl->glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, 256, 1, 0, GL_RGBA, GL_UNSIGNED_BYTE, lut.data());
            gl->glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
            gl->glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
            gl->glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
            gl->glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
        }
        return it->second;
    }

    static std::pair<GLint, GLenum> formats(DType dtype) {
        switch (dtype) {
            case DType::uint8: return {GL_R8, GL_UNSIGNED_BYTE};
            case DType::uint16: return {GL_R16, GL_UNSIGNED_SHORT};
            case DType::float32: return {GL_R32F, GL_FLOAT};
        }
        SCENEHOST_ASSERT(false, "a DType is one of the three");
        return {};
    }

    // Reads the plane for key: rows along row_axis, columns along column_axis.
    static Pixels read_plane(const data::ArraySource &source, const PlaneKey &key) {
        const std::vector<int64_t> &shape = source.level_shape(key.level);
        Pixels out;
        out.size = {shape[size_t(key.column_axis)], shape[size_t(key.row_axis)], 1};
        out.bytes.resize(size_t(out.size[0] * out.size[1]) * data::dtype_bytes(source.dtype()));
        const std::array<int64_t, 2> axes{key.row_axis, key.column_axis};
        data::read_slab(source, key.level, axes, key.index, out.bytes);
        return out;
    }

    // Reads the volume for key, permuted so that x, y, z follow the displayed axes c2, c1, c0.
    // A 2D layer (axes -1, 0, 1) is its plane, one voxel deep.
    static Pixels read_volume(const data::ArraySource &source, const VolumeKey &key) {
        if (key.axes[0] < 0) return read_plane(source, PlaneKey{key.source, key.level, {}, 0, 1});
        const std::vector<int64_t> &shape = source.level_shape(key.level);
        Pixels out;
        out.size = {shape[size_t(key.axes[2])], shape[size_t(key.axes[1])], shape[size_t(key.axes[0])]};
        out.bytes.resize(size_t(out.size[0] * out.size[1] * out.size[2]) * data::dtype_bytes(source.dtype()));
        data::read_slab(source, key.level, key.axes, key.index, out.bytes);
        return out;
    }

    // Reads what key shows unless that already failed. A DataError (a corrupt strip, tile or
    // chunk found only by this read) leaves the layer out of the frame: it is logged once,
    // reported in the frame while the key is shown, and retried once the layer shows another.
    template <typename Key>
    std::optional<Pixels> fetch(const LayerState &layer, const Key &key, std::optional<Key> &failed, std::string &failure,
                                std::vector<LayerError> &errors, Pixels (*read)(const data::ArraySource &, const Key &)) {
        if (failed != key) {
            try {
                Pixels pixels = read(*layer.source, key);
                failed.reset();
                return pixels;
            } catch (const data::DataError &e) {
                failed = key;
                failure = e.what();
                spdlog::warn("layer {} is left out until it shows other data: {}", layer.id, failure);
            }
        }
        errors.push_back({layer.id, failure});
        return std::nullopt;
    }

    void filter(GLenum target, const std::string &interpolation) {
        const GLint f = interpolation == "linear" ? GL_LINEAR : GL_NEAREST;
        gl->glTexParameteri(target, GL_TEXTURE_MIN_FILTER, f);
        gl->glTexParameteri(target, GL_TEXTURE_MAG_FILTER, f);
        gl->glTexParameteri(target, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
        gl->glTexParameteri(target, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
        gl->glTexParameteri(target, GL_TEXTURE_WRAP_R, GL_CLAMP_TO_EDGE);
    }

    void blending(const std::string &mode) {
        if (mode == "opaque") {
            gl->glDisable(GL_BLEND);
            return;
        }
        gl->glEnable(GL_BLEND);
        if (mode == "minimum") {
            gl->glBlendEquation(GL_MIN);
        } else if (mode == "additive") {
            gl->glBlendEquation(GL_FUNC_ADD);
            gl->glBlendFuncSeparate(GL_SRC_ALPHA, GL_ONE, GL_ZERO, GL_ONE);
        } else {  // translucent, translucent_no_depth (the renderer has no depth buffer)
            gl->glBlendEquation(GL_FUNC_ADD);
            gl->glBlendFuncSeparate(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA, GL_ZERO, GL_ONE);
        }
    }

    void draw_plane(const LayerState &layer, const RenderScene &scene, std::vector<LayerError> &errors) {
        const data::ArraySource &source = *layer.source;
        const std::vector<int64_t> displayed = scene.dims.displayed();
        const auto axes = layer_axes(source, scene.dims, displayed);
        if (!axes) return;  // the layer does not span the shown axes, as in napari
        const PlaneKey key{&source, layer.level, fixed_index(source, layer.level, scene.dims, *axes), (*axes)[0], (*axes)[1]};
        LayerTextures &t = layers[layer.id];
        if (t.plane == 0) gl->glGenTextures(1, &t.plane);
        gl->glActiveTexture(GL_TEXTURE0);
        gl->glBindTexture(GL_TEXTURE_2D, t.plane);
        if (t.plane_key != key) {
            const std::optional<Pixels> pixels = fetch(layer, key, t.plane_failed, t.plane_failure, errors, &read_plane);
            if (!pixels) return;
            const auto [internal, type] = formats(source.dtype());
            gl->glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
            gl->glTexImage2D(GL_TEXTURE_2D, 0, internal, GLsizei(pixels->size[0]), GLsizei(pixels->size[1]), 0, GL_RED, type,
                             pixels->bytes.data());
            ++uploads;
            t.plane_key = key;
        }
        filter(GL_TEXTURE_2D, layer.interpolation2d);
        gl->glActiveTexture(GL_TEXTURE1);
        gl->glBindTexture(GL_TEXTURE_2D, colormap(layer.colormap));

        layer2d.bind();
        layer2d.setUniformValue("u_data", 0);
        layer2d.setUniformValue("u_colormap", 1);
        layer2d.setUniformValue("u_size", float(source.shape()[size_t(key.column_axis)]), float(source.shape()[size_t(key.row_axis)]));
        layer2d.setUniformValue("u_center", float(scene.camera.center[2]), float(scene.camera.center[1]));
        layer2d.setUniformValue("u_zoom", float(scene.camera.zoom));
        layer2d.setUniformValue("u_viewport", float(scene.width), float(scene.height));
        layer2d.setUniformValue("u_scale", float(scale_of(source.dtype())));
        layer2d.setUniformValue("u_clim", float(layer.contrast_limits[0]), float(layer.contrast_limits[1]));
        layer2d.setUniformValue("u_gamma", float(layer.gamma));
        layer2d.setUniformValue("u_opacity", float(layer.opacity));
        blending(layer.blending);
        gl->glBindVertexArray(vao);
        gl->glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
    }

    void draw_volume(const LayerState &layer, const RenderScene &scene, std::vector<LayerError> &errors) {
        const data::ArraySource &source = *layer.source;
        const int64_t m = int64_t(source.shape().size());
        const std::vector<int64_t> displayed = scene.dims.displayed();
        VolumeKey key{&source, layer.level, {}, {}};
        std::array<float, 3> world{};  // extent along x, y, z in world voxels
        std::array<float, 3> level{};  // the same in the level's voxels
        if (m == 2) {
            // napari shows a 2D layer in the 3D view as a plane at 0 on the axis it lacks: a
            // volume one voxel deep, drawn as its maximum.
            const auto axes = layer_axes(source, scene.dims, {displayed[1], displayed[2]});
            if (!axes || *axes != std::vector<int64_t>{0, 1}) return;  // not spanning the view's plane
            key.axes = {-1, 0, 1};
            const std::vector<int64_t> &shape = source.level_shape(layer.level);
            world = {float(source.shape()[1]), float(source.shape()[0]), 1};
            level = {float(shape[1]), float(shape[0]), 1};
        } else {
            const auto axes = layer_axes(source, scene.dims, displayed);
            if (!axes) return;  // the layer does not span the shown axes
            key.index = fixed_index(source, layer.level, scene.dims, *axes);
            key.axes = {(*axes)[0], (*axes)[1], (*axes)[2]};
            const std::vector<int64_t> &shape = source.level_shape(layer.level);
            const std::vector<int64_t> &base = source.shape();
            world = {float(base[size_t(key.axes[2])]), float(base[size_t(key.axes[1])]), float(base[size_t(key.axes[0])])};
            level = {float(shape[size_t(key.axes[2])]), float(shape[size_t(key.axes[1])]), float(shape[size_t(key.axes[0])])};
        }
        LayerTextures &t = layers[layer.id];
        if (t.volume == 0) gl->glGenTextures(1, &t.volume);
        gl->glActiveTexture(GL_TEXTURE0);
        gl->glBindTexture(GL_TEXTURE_3D, t.volume);
        if (t.volume_key != key) {
            const std::optional<Pixels> pixels = fetch(layer, key, t.volume_failed, t.volume_failure, errors, &read_volume);
            if (!pixels) return;
            const auto [internal, type] = formats(source.dtype());
            gl->glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
            gl->glTexImage3D(GL_TEXTURE_3D, 0, internal, GLsizei(pixels->size[0]), GLsizei(pixels->size[1]),
                             GLsizei(pixels->size[2]), 0, GL_RED, type, pixels->bytes.data());
            ++uploads;
            t.volume_key = key;
        }
        filter(GL_TEXTURE_3D, layer.interpolation3d);
        gl->glActiveTexture(GL_TEXTURE1);
        gl->glBindTexture(GL_TEXTURE_2D, colormap(layer.colormap));

        // Steps are in the level's voxels, so a coarser level takes fewer samples.
        const float sx = world[0], sy = world[1], sz = world[2];
        const double step = layer.sample_step * std::max({sx / level[0], sy / level[1], sz / level[2]});
        const auto r = rotation(scene.camera.angles);
        QOpenGLShaderProgram &volume = volume_program(m == 2 ? "mip" : layer.volume_mode);
        volume.bind();
        volume.setUniformValue("u_data", 0);
        volume.setUniformValue("u_colormap", 1);
        volume.setUniformValue("u_viewport", float(scene.width), float(scene.height));
        volume.setUniformValue("u_size", sx, sy, sz);
        volume.setUniformValue("u_center", float(scene.camera.center[2]), float(scene.camera.center[1]), float(scene.camera.center[0]));
        volume.setUniformValue("u_right", float(r[0][0]), float(r[1][0]), float(r[2][0]));
        volume.setUniformValue("u_down", float(r[0][1]), float(r[1][1]), float(r[2][1]));
        volume.setUniformValue("u_forward", float(r[0][2]), float(r[1][2]), float(r[2][2]));
        volume.setUniformValue("u_zoom", float(scene.camera.zoom));
        volume.setUniformValue("u_fov", float(scene.camera.perspective * std::numbers::pi / 180.0));
        volume.setUniformValue("u_step", float(step));
        volume.setUniformValue("u_scale", float(scale_of(source.dtype())));
        volume.setUniformValue("u_clim", float(layer.contrast_limits[0]), float(layer.contrast_limits[1]));
        volume.setUniformValue("u_gamma", float(layer.gamma));
        volume.setUniformValue("u_opacity", float(layer.opacity));
        volume.setUniformValue("u_iso", float(layer.iso_threshold));
        volume.setUniformValue("u_attenuation", float(layer.attenuation));
        blending(layer.blending);
        gl->glBindVertexArray(vao);
        gl->glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
    }

    // R = Rz(g) Ry(b) Rx(a), row-major, as the camera reducer composes it.
    static std::array<std::array<double, 3>, 3> rotation(const std::array<double, 3> &deg) {
        const double a = deg[0] * std::numbers::pi / 180, b = deg[1] * std::numbers::pi / 180, g = deg[2] * std::numbers::pi / 180;
        const double ca = std::cos(a), sa = std::sin(a), cb = std::cos(b), sb = std::sin(b), cg = std::cos(g), sg = std::sin(g);
        return {{{cb * cg, sa * sb * cg - ca * sg, ca * sb * cg + sa * sg},
                 {cb * sg, sa * sb * sg + ca * cg, ca * sb * sg - sa * cg},
                 {-sb, sa * cb, ca * cb}}};
    }

    Frame render(const RenderScene &scene) {
        using Clock = std::chrono::steady_clock;
        const auto start = Clock::now();
        if (!fbo || fbo->width() != scene.width || fbo->height() != scene.height) {
            fbo = std::make_unique<QOpenGLFramebufferObject>(scene.width, scene.height);
            SCENEHOST_ASSERT(fbo->isValid(), "a framebuffer of the canvas size can be made");
        }
        fbo->bind();
        gl->glViewport(0, 0, scene.width, scene.height);
        gl->glDisable(GL_DEPTH_TEST);
        gl->glClearColor(scene.background[0], scene.background[1], scene.background[2], scene.background[3]);
        gl->glClear(GL_COLOR_BUFFER_BIT);
        // The textures of layers the scene no longer has (a scene load removed them) go.
        std::erase_if(layers, [&](auto &entry) {
            const bool gone = std::none_of(scene.layers.begin(), scene.layers.end(),
                                           [&](const LayerState &l) { return l.id == entry.first; });
            if (gone) {
                gl->glDeleteTextures(1, &entry.second.plane);
                gl->glDeleteTextures(1, &entry.second.volume);
            }
            return gone;
        });
        std::vector<LayerError> errors;
        for (const LayerState &layer : scene.layers) {
            if (!layer.visible) continue;
            if (scene.dims.ndisplay == 3) {
                draw_volume(layer, scene, errors);
            } else {
                draw_plane(layer, scene, errors);
            }
        }
        gl->glFinish();
        const auto drawn = Clock::now();
        Frame frame{scene.width, scene.height, std::vector<uint8_t>(size_t(scene.width) * size_t(scene.height) * 4),
                    scene.versions, std::move(errors), 0, 0};
        gl->glPixelStorei(GL_PACK_ALIGNMENT, 1);
        gl->glReadPixels(0, 0, scene.width, scene.height, GL_RGBA, GL_UNSIGNED_BYTE, frame.rgba.data());
        // GL's first row is the bottom one.
        const size_t row = size_t(scene.width) * 4;
        for (size_t top = 0, bottom = size_t(scene.height) - 1; top < bottom; ++top, --bottom) {
            std::swap_ranges(frame.rgba.begin() + ptrdiff_t(top * row), frame.rgba.begin() + ptrdiff_t((top + 1) * row),
                             frame.rgba.begin() + ptrdiff_t(bottom * row));
        }
        fbo->release();
        frame.draw_ms = std::chrono::duration<double, std::milli>(drawn - start).count();
        frame.readback_ms = std::chrono::duration<double, std::milli>(Clock::now() - drawn).count();
        const GLenum error = gl->glGetError();
        SCENEHOST_ASSERT(error == GL_NO_ERROR, "the frame rendered without a GL error (" + std::to_string(error) + ")");
        return frame;
    }
};

Renderer::Renderer(QOpenGLContext &context) : impl_(std::make_unique<Impl>(context)) {}
Renderer::~Renderer() = default;
Frame Renderer::render(const RenderScene &scene) { return impl_->render(scene); }
uint64_t Renderer::texture_uploads() const { return impl_->uploads; }
size_t Renderer::textured_layers() const { return impl_->layers.size(); }

}  // namespace scenehost::render
