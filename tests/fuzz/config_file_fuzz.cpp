// Fuzz target: the TOML config file (app/config_file.hpp apply_config_file) over serve's real
// option table. Its one documented failure is std::runtime_error naming the file; anything else
// (another exception, a sanitizer report) is a finding.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "app/config_file.hpp"
#include "app/serve_options.hpp"
#include "base/assert.hpp"
#include "fuzz_files.hpp"

using namespace scenehost;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const app::Layout layout = app::package_layout();
    const fuzz::fs::path file = fuzz::ScratchDir::fresh() / "scenehost.toml";
    fuzz::write_file(file, fuzz::as_text(data, size));

    app::ServeOptions options = app::default_serve_options(layout);
    CLI::App serve;
    app::add_serve_options(serve, options);
    serve.parse("");  // no command line: every value the file sets counts
    app::ValueSources sources = app::command_line_sources(serve);
    try {
        app::apply_config_file(file, serve, sources);
        app::effective_config(serve, sources, {});  // `config --print` of what was accepted
    } catch (const std::runtime_error &e) {
        SCENEHOST_ASSERT(std::string_view(e.what()).find(file.string()) != std::string_view::npos,
                         "every config error names the file");
    }
    return 0;
}
