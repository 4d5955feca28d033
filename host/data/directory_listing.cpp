// Directory listings under the data roots: resolve, confine, read, describe.
#include "data/directory_listing.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <sys/stat.h>
#include <fmt/format.h>
#include <fstream>
#include <sstream>
#include <system_error>

#include "base/assert.hpp"

namespace scenehost::data {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr size_t kDatasetChildrenMax = 16;

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return s;
}

// .zattrs with a non-empty "multiscales" list (an OME-Zarr image).
bool has_multiscales(const fs::path &dir) {
    std::error_code error;
    if (!fs::is_regular_file(dir / ".zattrs", error)) return false;
    std::ifstream in(dir / ".zattrs");
    std::stringstream text;
    text << in.rdbuf();
    json::error_code parse_error;
    const json::value meta = json::parse(text.str(), parse_error);
    if (parse_error || !meta.is_object()) return false;
    const json::value *multiscales = meta.get_object().if_contains("multiscales");
    return multiscales != nullptr && multiscales->is_array() && !multiscales->get_array().empty();
}

bool is_array_dir(const fs::path &dir) {
    std::error_code error;
    return fs::is_regular_file(dir / ".zarray", error);
}

json::object zarr_metadata(const fs::path &dir) {
    const bool multiscales = has_multiscales(dir);
    const bool dataset = multiscales || is_array_dir(dir);
    json::array children;
    if (!dataset) {
        std::error_code error;
        for (fs::directory_iterator it(dir, error), end; !error && it != end && children.size() < kDatasetChildrenMax;
             it.increment(error)) {
            std::error_code kind;
            if (it->is_directory(kind) && (has_multiscales(it->path()) || is_array_dir(it->path()))) {
                children.emplace_back(it->path().filename().string());
            }
        }
    }
    return {{"is_dataset", dataset}, {"has_multiscales", multiscales}, {"dataset_children", std::move(children)}};
}

// st_size and st_mtime, as napari-cuda's server reports them (a directory's size is its inode's).
std::pair<int64_t, double> size_and_mtime(const fs::path &p) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) return {0, 0.0};
    return {int64_t(st.st_size), double(st.st_mtim.tv_sec) + double(st.st_mtim.tv_nsec) / 1e9};
}

ListingError invalid(std::string message) { return {"command.invalid", std::move(message), {}}; }

}  // namespace

DataRoots::DataRoots(const std::vector<fs::path> &roots) {
    for (const fs::path &root : roots) {
        std::error_code error;
        fs::path canonical = fs::canonical(root, error);
        SCENEHOST_ASSERT(!error && fs::is_directory(canonical), "the command line checks that data roots exist");
        roots_.push_back(std::move(canonical));
    }
    SCENEHOST_ASSERT(!roots_.empty(), "fs.listdir is offered only with a data root");
}

bool DataRoots::inside(const fs::path &canonical) const {
    return std::any_of(roots_.begin(), roots_.end(), [&](const fs::path &root) {
        const auto [r, c] = std::mismatch(root.begin(), root.end(), canonical.begin(), canonical.end());
        return r == root.end();
    });
}

std::variant<fs::path, ListingError> DataRoots::directory(const json::object &kwargs, std::string_view not_found,
                                                          std::string_view not_directory) const {
    fs::path requested = roots_.front();
    if (const json::value *path = kwargs.if_contains("path"); path != nullptr && !path->is_null()) {
        if (!path->is_string()) return invalid("'path' must be a string");
        if (path->get_string().find('\0') != json::string::npos) return invalid("'path' must not contain NUL");
        if (!path->get_string().empty()) {
            const fs::path given(std::string(path->get_string()));
            requested = given.is_absolute() ? given : roots_.front() / given;
        }
    }
    const json::object where{{"path", requested.string()}};
    std::error_code error;
    fs::path resolved = fs::weakly_canonical(requested, error);
    if (error || !inside(resolved)) {
        return ListingError{"fs.forbidden", fmt::format("{} is outside the data roots", requested.string()), where};
    }
    if (!fs::exists(resolved, error)) return ListingError{"fs.not_found", std::string(not_found), where};
    if (!fs::is_directory(resolved, error)) return ListingError{"fs.not_found", std::string(not_directory), where};
    return resolved;
}

std::variant<json::object, ListingError> DataRoots::listdir(const json::array &args, const json::object &kwargs) const {
    if (!args.empty()) return invalid("fs.listdir takes keyword arguments only (path, show_hidden, only)");
    for (const auto &kv : kwargs) {
        if (kv.key() != "path" && kv.key() != "show_hidden" && kv.key() != "only") {
            return invalid(fmt::format("fs.listdir has no argument '{}' (path, show_hidden, only)",
                                       std::string_view(kv.key())));
        }
    }
    bool show_hidden = false;
    if (const json::value *v = kwargs.if_contains("show_hidden"); v != nullptr && !v->is_null()) {
        if (!v->is_bool()) return invalid("'show_hidden' must be true or false");
        show_hidden = v->get_bool();
    }
    std::vector<std::string> suffixes = {".zarr"};
    if (const json::value *only = kwargs.if_contains("only"); only != nullptr && !only->is_null()) {
        if (!only->is_array()) return invalid("'only' filter must be a list of suffixes");
        suffixes.clear();
        for (const json::value &s : only->get_array()) {
            if (!s.is_string()) return invalid("'only' filter must be a list of suffixes");
            if (!s.get_string().empty()) suffixes.push_back(lower(std::string(s.get_string())));
        }
    }
    auto directory = this->directory(kwargs, "Directory not found", "Path is not a directory");
    if (auto *error = std::get_if<ListingError>(&directory)) return std::move(*error);
    const fs::path resolved = std::get<fs::path>(std::move(directory));

    std::error_code error;
    std::vector<fs::directory_entry> children;
    for (fs::directory_iterator it(resolved, error), end; !error && it != end; it.increment(error)) {
        children.push_back(*it);
    }
    if (error) {
        return ListingError{"fs.forbidden", fmt::format("{}: {}", resolved.string(), error.message()),
                            {{"path", resolved.string()}}};
    }
    std::sort(children.begin(), children.end(), [](const auto &a, const auto &b) {
        return lower(a.path().filename().string()) < lower(b.path().filename().string());
    });
    json::array entries;
    bool has_more = false;
    for (const fs::directory_entry &child : children) {
        const std::string name = child.path().filename().string();
        if (!show_hidden && name.starts_with(".")) continue;
        std::error_code kind;
        const bool is_dir = child.is_directory(kind);
        if (!is_dir && !suffixes.empty() && std::none_of(suffixes.begin(), suffixes.end(), [&](const std::string &s) {
                return lower(name).ends_with(s);
            })) {
            continue;
        }
        if (entries.size() == kMaxEntries) {
            has_more = true;
            break;
        }
        const auto [size, mtime] = size_and_mtime(child.path());
        entries.push_back(json::object{{"name", name},
                                       {"path", child.path().string()},
                                       {"is_dir", is_dir},
                                       {"size", size},
                                       {"mtime", mtime},
                                       {"zarr_metadata", is_dir ? json::value(zarr_metadata(child.path())) : nullptr}});
    }
    return json::object{{"path", resolved.string()}, {"entries", std::move(entries)}, {"has_more", has_more}};
}

std::variant<fs::path, ListingError> DataRoots::dataset(const json::array &args, const json::object &kwargs) const {
    if (!args.empty()) return invalid("napari.load_zarr takes the keyword argument 'path' only");
    for (const auto &kv : kwargs) {
        if (kv.key() != "path") {
            return invalid(fmt::format("napari.load_zarr has no argument '{}' (path)", std::string_view(kv.key())));
        }
    }
    const json::value *given = kwargs.if_contains("path");
    if (given == nullptr || !given->is_string() || given->get_string().empty()) {
        return invalid("'path' must be a non-empty string");
    }
    auto directory = this->directory(kwargs, "Dataset not found", "Dataset path is not a directory");
    if (auto *error = std::get_if<ListingError>(&directory)) return std::move(*error);
    const fs::path resolved = std::get<fs::path>(std::move(directory));
    std::error_code error;
    const auto is_dataset = [](const fs::path &dir) { return has_multiscales(dir) || is_array_dir(dir); };
    if (is_dataset(resolved)) return resolved;

    // Breadth first, two levels down, in name order; a symlink out of the roots is not followed.
    std::vector<fs::path> options;
    std::vector<std::pair<fs::path, int>> queue{{resolved, 0}};
    for (size_t next = 0; next < queue.size() && options.size() < kMaxOptions; ++next) {
        const auto [dir, depth] = queue[next];
        std::vector<fs::path> children;
        for (fs::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
            std::error_code kind;
            if (it->is_directory(kind)) children.push_back(it->path());
        }
        error.clear();  // an unreadable directory has no datasets to offer, as in napari-cuda
        std::sort(children.begin(), children.end());
        for (const fs::path &child : children) {
            const fs::path canonical = fs::weakly_canonical(child, error);
            if (error || !inside(canonical)) continue;
            if (is_dataset(canonical)) {
                options.push_back(canonical);
                if (options.size() == kMaxOptions) break;
            } else if (depth + 1 < 2) {
                queue.emplace_back(canonical, depth + 1);
            }
        }
    }
    if (options.size() == 1) return options.front();
    if (options.empty()) {
        return ListingError{"zarr.invalid", fmt::format("No OME-Zarr dataset found under {}", resolved.string()),
                            {{"path", resolved.string()}}};
    }
    json::array relative;
    for (const fs::path &option : options) relative.emplace_back(option.lexically_relative(resolved).string());
    return ListingError{"zarr.disambiguate",
                        fmt::format("Multiple OME-Zarr datasets found under {}; selection required.", resolved.string()),
                        {{"path", resolved.string()}, {"options", std::move(relative)}}};
}

}  // namespace scenehost::data
