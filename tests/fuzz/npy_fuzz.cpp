// Fuzz target: a .npy file (data/npy_source.hpp open_npy: magic, version, header dict, dtype,
// shape against the file size), then what the host reads of a source that opened.
#include <cstddef>
#include <cstdint>

#include "data/npy_source.hpp"
#include "source_fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    using namespace scenehost;
    fuzz::open_and_read(data::open_npy, fuzz::fresh_file("input.npy", fuzz::as_text(data, size)));
    return 0;
}
