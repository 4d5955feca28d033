#include "render/png.hpp"

#include <QBuffer>
#include <QImage>

#include "base/assert.hpp"

namespace scenehost::render {

std::string encode_png(const Frame &frame) {
    const QImage image(frame.rgba.data(), frame.width, frame.height, frame.width * 4, QImage::Format_RGBA8888);
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    const bool saved = image.save(&buffer, "PNG");
    SCENEHOST_ASSERT(saved, "Qt encodes PNG (built into QtGui)");
    return std::string(bytes.constData(), size_t(bytes.size()));
}

std::string base64(std::string_view bytes) {
    const QByteArray encoded = QByteArray(bytes.data(), qsizetype(bytes.size())).toBase64();
    return std::string(encoded.constData(), size_t(encoded.size()));
}

}  // namespace scenehost::render
