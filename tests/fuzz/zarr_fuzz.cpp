// Fuzz target: an OME-Zarr image directory (data/zarr_source.hpp open_ome_zarr: .zattrs, each
// level's .zarray, the chunks), then what the host reads of a source that opened. The input is
// the directory as sections, each a line `==> NAME <==` and then the file's bytes up to the next
// "\n==> " (binary-safe enough for compressed chunks, readable for the JSON), as `head` prints
// several files:
//   ==> .zattrs <==          ==> 0/.zarray <==          ==> 0/0.0 <==
//   {"multiscales": ...}     {"zarr_format": 2, ...}    <chunk bytes>
// A name that would leave the directory is skipped: the harness writes files, the source is
// what is tested.
#include <cstddef>
#include <algorithm>
#include <cstdint>
#include <string_view>

#include "data/zarr_source.hpp"
#include "source_fuzz.hpp"

namespace {

bool inside(std::string_view name) {
    if (name.empty() || name.front() == '/' || name.size() > 64 || name.find('\0') != name.npos) return false;
    for (size_t at = 0; at <= name.size();) {
        const size_t end = std::min(name.find('/', at), name.size());
        const std::string_view part = name.substr(at, end - at);
        if (part.empty() || part == "." || part == "..") return false;
        at = end + 1;
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    using namespace scenehost;
    std::string_view rest = fuzz::as_text(data, size);
    const fuzz::fs::path image = fuzz::ScratchDir::fresh() / "image.zarr";
    fuzz::fs::create_directory(image);
    constexpr std::string_view kOpen = "==> ", kClose = " <==\n", kNext = "\n==> ";
    for (int files = 0; rest.starts_with(kOpen) && files < 16; ++files) {
        const size_t name_end = rest.find(kClose);
        if (name_end == std::string_view::npos) break;
        const std::string_view name = rest.substr(kOpen.size(), name_end - kOpen.size());
        rest.remove_prefix(name_end + kClose.size());
        const size_t content_end = std::min(rest.find(kNext), rest.size());
        const std::string_view content = rest.substr(0, content_end);
        rest.remove_prefix(std::min(content_end + 1, rest.size()));  // the newline belongs to the next mark
        std::error_code ignored;  // a name that collides with a directory is just not written
        if (inside(name) && !fuzz::fs::is_directory(image / name, ignored)) {
            try {
                fuzz::write_file(image / name, content);
            } catch (const fuzz::fs::filesystem_error &) {
                // A path through a file ("a" then "a/b"): not a directory the input can describe.
            }
        }
    }
    fuzz::open_and_read(data::open_ome_zarr, image);
    return 0;
}
