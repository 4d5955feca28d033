// The browser viewer's files (web/), served by the main listener at / and below it: GET and
// HEAD of the regular files under one root directory, nothing else. Each answer has its MIME
// type, an ETag (size and modification time) and Cache-Control "no-cache", so a browser
// revalidates (a 304 when the file is unchanged) and sees a new host's files at once.
#pragma once

#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>
#include <filesystem>
#include <string>
#include <string_view>

namespace scenehost::transport {

struct StaticAnswer {
    boost::beast::http::status status = boost::beast::http::status::not_found;
    std::string content_type;  // the file's, or text/plain for an error
    std::string body;          // the file, or the reason; HEAD sends none but says its length
    std::string etag;          // set with a file (200, 304)
};

class StaticFiles {
public:
    // `root` must be an existing directory (the command line checks it); kept canonical.
    explicit StaticFiles(const std::filesystem::path &root);

    // The answer for a request of `method` at `path` (the target without its query, still
    // percent-encoded) carrying `if_none_match` (empty when absent):
    // - 405 for any method but GET and HEAD;
    // - 400 for a path that is not absolute, has a bad %-escape, or decodes to a NUL or a "\";
    // - 404 for a path with a "." or ".." segment or one starting with "." (no hidden files),
    //   one that resolves outside the root (symlinks included), one that is not a regular file,
    //   or whose extension has no type below;
    // - 304 when if_none_match names the file's ETag, else 200 with the file.
    // "/" and any path ending in "/" mean its index.html.
    StaticAnswer answer(boost::beast::http::verb method, std::string_view path, std::string_view if_none_match) const;

    const std::filesystem::path &root() const { return root_; }

private:
    std::filesystem::path root_;
};

// The MIME type served for a file name's extension (any case), or "" when it is not served:
// .html, .js, .mjs, .css, .json, .map, .svg, .png, .ico, .wasm, .txt, .woff2.
std::string_view mime_type(std::string_view file_name);

}  // namespace scenehost::transport
