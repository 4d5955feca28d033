// fs.listdir: what a client may see of the configured data roots, as napari-cuda's server lists a
// directory (its remote file dialog reads this): entries with size, mtime and, for directories,
// what kind of Zarr they are. Nothing outside the roots is ever listed.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <filesystem>
#include <string>
#include <variant>
#include <vector>

namespace scenehost::data {

// A refused listing: fs.forbidden, fs.not_found or command.invalid, with a message naming the
// path or the argument.
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

    static constexpr size_t kMaxEntries = 1000;

private:
    bool inside(const std::filesystem::path &canonical) const;

    std::vector<std::filesystem::path> roots_;
};

}  // namespace scenehost::data
