// fs.listdir: what a client may see of the configured data roots, as napari-cuda's server lists a
// directory (its remote file dialog reads this): entries with size, mtime and, for directories,
// what kind of Zarr they are. Nothing outside the roots is ever listed.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <filesystem>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace scenehost::data {

// A refused request under the data roots (a listing or a dataset): fs.forbidden, fs.not_found,
// command.invalid, zarr.*, with a message naming the path or the argument.
struct ListingError {
    std::string code;
    std::string message;
    boost::json::object details;
};

class DataRoots {
public:
    // Each root must be an existing directory (the command line checked it); kept canonical.
    explicit DataRoots(const std::vector<std::filesystem::path> &roots);

    // kwargs: path (string; relative to the first root; default the first root), show_hidden
    // (bool, default false), only (list of file suffixes, default [".zarr"]; directories always
    // show). Result {path, entries: [{name, path, is_dir, size, mtime, zarr_metadata}], has_more},
    // entries sorted by name without case, at most kMaxEntries.
    std::variant<boost::json::object, ListingError> listdir(const boost::json::array &args,
                                                            const boost::json::object &kwargs) const;

    // napari.load_zarr's dataset. kwargs: path (string, required; relative to the first root).
    // The OME-Zarr directory it names, found as napari-cuda's server finds one: the path itself
    // when it is a dataset (it holds .zarray, or .zattrs with multiscales), else the only
    // dataset within two directory levels below it. Refused: command.invalid (the arguments),
    // fs.forbidden (outside the roots, also through a symlink), fs.not_found (missing or not a
    // directory), zarr.disambiguate (several datasets below; details {path, options} with
    // their paths relative to it, at most kMaxOptions), zarr.invalid (none).
    std::variant<std::filesystem::path, ListingError> dataset(const boost::json::array &args,
                                                              const boost::json::object &kwargs) const;

    static constexpr size_t kMaxEntries = 1000;
    static constexpr size_t kMaxOptions = 32;

private:
    bool inside(const std::filesystem::path &canonical) const;
    // The canonical directory a client's `path` argument names (absent, null or "" is the first
    // root; relative to it otherwise), or why not: command.invalid, fs.forbidden outside the
    // roots, fs.not_found with one of the two messages.
    std::variant<std::filesystem::path, ListingError> directory(const boost::json::object &kwargs,
                                                                std::string_view not_found,
                                                                std::string_view not_directory) const;

    std::vector<std::filesystem::path> roots_;
};

}  // namespace scenehost::data
