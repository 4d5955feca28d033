// Fuzz target: the pixel channel's message reader (protocol/pixel_frame.hpp parse_pixel_message),
// napari-cuda's 24-byte header, scenehost's metadata block and the access unit after them. What
// parses must pack back into a message that parses to the same thing.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <variant>

#include "base/assert.hpp"
#include "protocol/pixel_frame.hpp"

namespace {

using namespace scenehost::protocol;

bool same(const PixelMessage &a, const PixelMessage &b) {
    // The timestamp by its bits: any double a header carries, NaN included, must survive.
    const bool header = a.header.seq == b.header.seq &&
                        std::bit_cast<uint64_t>(a.header.timestamp_s) == std::bit_cast<uint64_t>(b.header.timestamp_s) &&
                        a.header.width == b.header.width && a.header.height == b.header.height &&
                        a.header.codec == b.header.codec && a.header.flags == b.header.flags;
    const bool meta = a.meta.has_value() == b.meta.has_value() &&
                      (!a.meta || (a.meta->sequence == b.meta->sequence && a.meta->captured_us == b.meta->captured_us &&
                                   a.meta->versions == b.meta->versions && a.meta->stages == b.meta->stages));
    return header && meta && std::equal(a.payload.begin(), a.payload.end(), b.payload.begin(), b.payload.end());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const auto parsed = parse_pixel_message({data, size});
    const auto *message = std::get_if<PixelMessage>(&parsed);
    if (message == nullptr) return 0;
    const std::string packed =
        pack_pixel_message(message->header, message->meta ? &*message->meta : nullptr, message->payload);
    const auto again = parse_pixel_message({reinterpret_cast<const uint8_t *>(packed.data()), packed.size()});
    SCENEHOST_ASSERT(std::holds_alternative<PixelMessage>(again) && same(*message, std::get<PixelMessage>(again)),
                     "a parsed pixel message packs back to itself");
    return 0;
}
