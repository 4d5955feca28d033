// scene.screenshot from a test client: wait for the frame that shows a change, decode its PNG,
// count what is lit.
#pragma once

#include <QByteArray>
#include <QImage>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "support/control_client.hpp"

namespace scenehost::test {

// Calls scene.screenshot until the frame shows at least `layer_version` of the layer scope.
inline json::object screenshot_showing(ControlClient &c, uint64_t layer_version) {
    for (int attempt = 0; attempt < 400; ++attempt) {
        c.command("scene.screenshot");
        json::object reply = c.next();
        while (reply.at("type") != "reply.command" && reply.at("type") != "error.command") reply = c.next();
        const json::object &payload = reply.at("payload").as_object();
        if (reply.at("type") == "reply.command") {
            const json::object result = payload.at("result").as_object();
            if (result.at("versions").at("layer").to_number<uint64_t>() >= layer_version) return result;
        } else {
            INFO(json::serialize(reply));
            REQUIRE(payload.at("code") == "command.retryable");  // no frame yet
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    FAIL("no frame showed layer version " << layer_version);
    return {};
}

inline QImage decode(const json::object &shot) {
    const QByteArray png = QByteArray::fromBase64(QByteArray(shot.at("data").as_string().c_str()));
    QImage image = QImage::fromData(png, "PNG");
    REQUIRE_FALSE(image.isNull());
    return image.convertToFormat(QImage::Format_RGBA8888);
}

// Pixels (every fourth along each axis) that are not black.
inline int lit_pixels(const QImage &image) {
    int lit = 0;
    for (int y = 0; y < image.height(); y += 4) {
        for (int x = 0; x < image.width(); x += 4) lit += (image.pixel(x, y) & 0xffffff) != 0;
    }
    return lit;
}

}  // namespace scenehost::test
