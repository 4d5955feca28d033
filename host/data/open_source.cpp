#include "data/open_source.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <system_error>

#include "data/npy_source.hpp"
#include "data/source_checks.hpp"
#include "data/tiff_source.hpp"
#include "data/zarr_source.hpp"

namespace scenehost::data {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view accepted =
    "scenehost opens .npy files, .tif/.tiff files and OME-Zarr (NGFF 0.4, Zarr v2) directories holding .zattrs";

}  // namespace

std::unique_ptr<ArraySource> open_array(const fs::path &path) {
    std::error_code ec;
    const fs::file_status status = fs::status(path, ec);
    if (!fs::exists(status)) {
        throw file_error(path, fmt::format("does not exist{}; {}", ec && ec != std::errc::no_such_file_or_directory
                                                                       ? fmt::format(" or cannot be reached ({})", ec.message())
                                                                       : "",
                                           accepted));
    }
    if (fs::is_directory(status)) {
        if (!fs::exists(path / ".zattrs", ec)) throw file_error(path, fmt::format("is a directory without .zattrs; {}", accepted));
        return open_ome_zarr(path);
    }
    std::string extension = path.extension().string();
    std::transform(extension.begin(), extension.end(), extension.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    if (extension == ".npy") return open_npy(path);
    if (extension == ".tif" || extension == ".tiff") return open_tiff(path);
    throw file_error(path, fmt::format("is not a format scenehost reads; {}", accepted));
}

}  // namespace scenehost::data
