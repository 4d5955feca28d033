// Base64 (RFC 4648 §4, with padding) as the host reads it at its boundaries: a client's
// screenshot data, a WebSocket handshake's key.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace scenehost::base {

// The bytes `text` encodes, or nullopt on any character outside the alphabet, a length that is
// not a multiple of 4, or a misplaced '='.
std::optional<std::string> decode_base64(std::string_view text);

}  // namespace scenehost::base
