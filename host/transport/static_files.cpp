// Path checks, then the file: decode, refuse what could leave the root, resolve, read.
#include "transport/static_files.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <fstream>
#include <iterator>
#include <optional>
#include <sys/stat.h>
#include <system_error>
#include <vector>

#include "base/assert.hpp"

namespace scenehost::transport {
namespace {

namespace fs = std::filesystem;
namespace http = boost::beast::http;

StaticAnswer refuse(http::status status, std::string reason) {
    return {status, "text/plain; charset=utf-8", std::move(reason) + "\n", {}};
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// The path with %XX decoded, or nothing when an escape is broken.
std::optional<std::string> percent_decoded(std::string_view path) {
    std::string out;
    for (size_t i = 0; i < path.size(); ++i) {
        if (path[i] != '%') {
            out += path[i];
            continue;
        }
        if (i + 2 >= path.size()) return std::nullopt;
        const int high = hex_digit(path[i + 1]), low = hex_digit(path[i + 2]);
        if (high < 0 || low < 0) return std::nullopt;
        out += char(high * 16 + low);
        i += 2;
    }
    return out;
}

}  // namespace

std::string_view mime_type(std::string_view file_name) {
    static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
        {".html", "text/html; charset=utf-8"},     {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},             {".map", "application/json"},
        {".svg", "image/svg+xml"},                 {".png", "image/png"},
        {".ico", "image/x-icon"},                  {".wasm", "application/wasm"},
        {".txt", "text/plain; charset=utf-8"},     {".woff2", "font/woff2"}};
    const size_t dot = file_name.rfind('.');
    if (dot == std::string_view::npos) return {};
    std::string extension(file_name.substr(dot));
    std::transform(extension.begin(), extension.end(), extension.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    for (const auto &[ext, type] : kTypes) {
        if (ext == extension) return type;
    }
    return {};
}

StaticFiles::StaticFiles(const fs::path &root) {
    std::error_code error;
    root_ = fs::canonical(root, error);
    SCENEHOST_ASSERT(!error && fs::is_directory(root_), "the command line checks that the web root is a directory");
}

StaticAnswer StaticFiles::answer(http::verb method, std::string_view path, std::string_view if_none_match) const {
    if (method != http::verb::get && method != http::verb::head) {
        return refuse(http::status::method_not_allowed, "the viewer's files answer GET and HEAD only");
    }
    if (path.empty() || path.front() != '/') return refuse(http::status::bad_request, "the path must start with /");
    const auto decoded = percent_decoded(path);
    if (!decoded) return refuse(http::status::bad_request, "the path has a broken %-escape");
    if (decoded->find('\0') != std::string::npos || decoded->find('\\') != std::string::npos) {
        return refuse(http::status::bad_request, "the path holds a NUL or a backslash");
    }
    std::string relative = decoded->substr(1);
    if (relative.empty() || relative.back() == '/') relative += "index.html";
    const std::string not_found = fmt::format("no such file: {}", *decoded);
    for (size_t start = 0; start <= relative.size();) {
        const size_t end = std::min(relative.find('/', start), relative.size());
        const std::string_view segment = std::string_view(relative).substr(start, end - start);
        if (segment.empty() || segment.front() == '.') return refuse(http::status::not_found, not_found);
        start = end + 1;
    }
    const std::string_view type = mime_type(relative);
    if (type.empty()) return refuse(http::status::not_found, not_found);

    std::error_code error;
    const fs::path file = fs::weakly_canonical(root_ / relative, error);
    const auto [r, f] = std::mismatch(root_.begin(), root_.end(), file.begin(), file.end());
    if (error || r != root_.end() || !fs::is_regular_file(file, error)) return refuse(http::status::not_found, not_found);
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) return refuse(http::status::not_found, not_found);
    std::string etag = fmt::format("\"{:x}-{:x}{:09}\"", uint64_t(st.st_size), uint64_t(st.st_mtim.tv_sec),
                                   uint64_t(st.st_mtim.tv_nsec));
    if (!if_none_match.empty() && (if_none_match == etag || if_none_match == "*")) {
        return {http::status::not_modified, std::string(type), {}, std::move(etag)};
    }
    std::ifstream in(file, std::ios::binary);
    std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) return refuse(http::status::not_found, not_found);
    return {http::status::ok, std::string(type), std::move(body), std::move(etag)};
}

}  // namespace scenehost::transport
