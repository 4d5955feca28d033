// A frame as PNG bytes (Qt's encoder), for screenshots.
#pragma once

#include <string>

#include "render/renderer.hpp"

namespace scenehost::render {

std::string encode_png(const Frame &frame);
std::string base64(std::string_view bytes);

}  // namespace scenehost::render
