// The viewer's files: MIME types, ETag and revalidation, index.html for directories, and every
// way out of the root refused (dot segments, encoded ones, symlinks, hidden files, bad escapes).
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "transport/static_files.hpp"

using namespace scenehost;
namespace fs = std::filesystem;
namespace http = boost::beast::http;
using transport::StaticFiles;

namespace {

struct Root {
    fs::path base = fs::temp_directory_path() / ("scenehost-web-" + std::to_string(getpid()));
    fs::path web = base / "web";
    Root() {
        fs::remove_all(base);
        fs::create_directories(web / "ui");
        std::ofstream(web / "index.html") << "<!doctype html><title>viewer</title>";
        std::ofstream(web / "main.js") << "export const x = 1;\n";
        std::ofstream(web / "ui" / "index.html") << "ui";
        std::ofstream(web / "style.CSS") << "body{}";
        std::ofstream(web / ".secret.js") << "no";
        std::ofstream(web / "notes.md") << "no type";
        std::ofstream(base / "outside.js") << "outside";
        fs::create_symlink(base / "outside.js", web / "escape.js");
        fs::create_directories(web / "dir.js");
    }
    ~Root() { fs::remove_all(base); }
};

transport::StaticAnswer get(const StaticFiles &files, std::string_view path, std::string_view etag = {}) {
    return files.answer(http::verb::get, path, etag);
}

}  // namespace

TEST_CASE("files come with their type, an ETag and no-cache revalidation") {
    Root root;
    const StaticFiles files(root.web);
    const auto index = get(files, "/");
    CHECK(index.status == http::status::ok);
    CHECK(index.content_type == "text/html; charset=utf-8");
    CHECK(index.body == "<!doctype html><title>viewer</title>");
    CHECK(index.etag.front() == '"');
    CHECK(get(files, "/index.html").etag == index.etag);
    const auto js = get(files, "/main.js");
    CHECK(js.content_type == "text/javascript; charset=utf-8");
    CHECK(js.body == "export const x = 1;\n");
    CHECK(get(files, "/style.CSS").content_type == "text/css; charset=utf-8");
    CHECK(get(files, "/ui/").body == "ui");
    CHECK(get(files, "/m%61in.js").body == js.body);  // escapes are decoded

    // Revalidation: the same ETag is a 304 with no body; a changed file has a new one.
    const auto again = get(files, "/main.js", js.etag);
    CHECK(again.status == http::status::not_modified);
    CHECK(again.body.empty());
    CHECK(again.etag == js.etag);
    std::ofstream(root.web / "main.js") << "export const x = 22;\n";
    const auto changed = get(files, "/main.js", js.etag);
    CHECK(changed.status == http::status::ok);
    CHECK(changed.etag != js.etag);

    const auto head = files.answer(http::verb::head, "/main.js", {});
    CHECK(head.status == http::status::ok);
    CHECK(head.body == changed.body);  // the listener sends only its length
}

TEST_CASE("nothing outside the root, nothing hidden, nothing without a type") {
    Root root;
    const StaticFiles files(root.web);
    for (std::string_view path : {"/../outside.js", "/ui/../../outside.js", "/%2e%2e/outside.js", "/escape.js",
                                  "/.secret.js", "/ui/./index.html", "/notes.md", "/dir.js", "/missing.js", "//main.js",
                                  "/ui//index.html"}) {
        INFO(path);
        const auto answer = get(files, path);
        CHECK(answer.status == http::status::not_found);
        CHECK(answer.content_type == "text/plain; charset=utf-8");
        CHECK(answer.body.rfind("no such file: ", 0) == 0);  // the reason, never the file
    }
    for (std::string_view path : {"main.js", "/%zz.js", "/main.js%", "/a%00.js", "/a%5c..%5coutside.js"}) {
        INFO(path);
        CHECK(get(files, path).status == http::status::bad_request);
    }
    CHECK(files.answer(http::verb::post, "/main.js", {}).status == http::status::method_not_allowed);
    CHECK(files.answer(http::verb::delete_, "/", {}).status == http::status::method_not_allowed);
}

TEST_CASE("the MIME types served") {
    CHECK(transport::mime_type("a.mjs") == "text/javascript; charset=utf-8");
    CHECK(transport::mime_type("a.json") == "application/json");
    CHECK(transport::mime_type("a.svg") == "image/svg+xml");
    CHECK(transport::mime_type("a.wasm") == "application/wasm");
    CHECK(transport::mime_type("a.PNG") == "image/png");
    CHECK(transport::mime_type("a.exe").empty());
    CHECK(transport::mime_type("Makefile").empty());
}
