// Fuzz target: a TIFF file through libtiff (data/tiff_source.hpp open_tiff: every directory, its
// size, sample type and codec), then what the host reads of a source that opened.
#include <cstddef>
#include <cstdint>

#include "data/tiff_source.hpp"
#include "source_fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    using namespace scenehost;
    fuzz::open_and_read(data::open_tiff, fuzz::fresh_file("input.tif", fuzz::as_text(data, size)));
    return 0;
}
