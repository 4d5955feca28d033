// The config file: every mistake names the file, the line, the key and the bound; the command
// line wins; the shipped template documents every option at its default and parses as such.
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "app/config_file.hpp"
#include "app/serve_options.hpp"

namespace fs = std::filesystem;
using namespace scenehost::app;

namespace {

// serve's options parsed from a command line, then the config file text applied.
struct Serve {
    explicit Serve(const std::string &command_line = "") : options(default_serve_options(package_layout())) {
        add_serve_options(app, options);
        app.parse(command_line);
        sources = command_line_sources(app);
    }
    ~Serve() { fs::remove(file); }
    Serve(const Serve &) = delete;
    Serve &operator=(const Serve &) = delete;
    void apply(const std::string &toml) {
        std::ofstream(file) << toml;
        apply_config_file(file, app, sources);
    }
    // The start-up error apply() throws for toml.
    std::string error_for(const std::string &toml) {
        try {
            apply(toml);
        } catch (const std::runtime_error &e) {
            return e.what();
        }
        FAIL("the config was accepted:\n" << toml);
        return {};
    }
    const fs::path file = fs::temp_directory_path() / ("scenehost-config-test-" + std::to_string(getpid()) + ".toml");
    CLI::App app;
    ServeOptions options;
    ValueSources sources;
};

std::string read(const fs::path &path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

TEST_CASE("config values set the options the command line did not give, and say where they came from") {
    Serve serve("--heartbeat-s 3");
    serve.apply("[serve]\nheartbeat-s = 2\nlisten = \"0.0.0.0:9000\"\ntoken = [\"a\", \"b\"]\nno-render = true\n"
                "allow-command = \"scene.snapshot\"\nupdates-per-s = 100\n");
    CHECK(serve.options.heartbeat_s == 3.0);  // the command line wins
    CHECK(serve.options.listen == "0.0.0.0:9000");
    CHECK(serve.options.bearer_tokens == std::vector<std::string>{"a", "b"});
    CHECK(serve.options.no_render);
    CHECK(serve.options.allowed_commands == std::vector<std::string>{"scene.snapshot"});  // one value for a list
    CHECK(serve.options.updates_per_s == 100.0);  // an integer for a number
    const std::string f = serve.file.string();
    CHECK(serve.sources == ValueSources{{"heartbeat-s", "command line"},
                                        {"listen", f + ":3"},
                                        {"token", f + ":4"},
                                        {"no-render", f + ":5"},
                                        {"allow-command", f + ":6"},
                                        {"updates-per-s", f + ":7"}});
    const std::string effective = effective_config(serve.app, serve.sources, {{"audit-log", "empty: x"}});
    CHECK_THAT(effective, Catch::Contains("\nheartbeat-s = 3.0  # command line\n") ||
                              Catch::Contains("\nheartbeat-s = 3  # command line\n"));
    CHECK_THAT(effective, Catch::Contains("\nlisten = \"0.0.0.0:9000\"  # " + f + ":3\n"));
    CHECK_THAT(effective, Catch::Contains("\ntoken = [\"a\", \"b\"]  # " + f + ":4\n"));
    CHECK_THAT(effective, Catch::Contains("\nno-render = true  # " + f + ":5\n"));
    CHECK_THAT(effective, Catch::Contains("\nstate-dir = \"/var/lib/scenehost\"  # default\n"));
    CHECK_THAT(effective, Catch::Contains("\naudit-log = \"\"  # default; empty: x\n"));
    CHECK_THAT(effective, Catch::Contains("\nencoder-order = [\"vpl\", \"x264\"]  # default\n"));
    CHECK_THAT(effective, Catch::Contains("\ndemo = false  # default\n"));
}

TEST_CASE("an unknown key or table is an error naming the file, the line and the key") {
    Serve serve;
    const std::string f = serve.file.string();
    CHECK(serve.error_for("[serve]\nlisten = \"127.0.0.1:0\"\nshininess = 3\n") ==
          f + ":3: serve.shininess: unknown key, not an option of `scenehost serve` (`scenehost config --template` lists them)");
    CHECK(serve.error_for("\n[server]\nlisten = \"127.0.0.1:0\"\n") ==
          f + ":2: server: unknown table or key (scenehost reads [serve])");
    CHECK(serve.error_for("listen = \"127.0.0.1:0\"\n") == f + ":1: listen: unknown table or key (scenehost reads [serve])");
    CHECK(serve.error_for("[serve]\nhelp = true\n") ==
          f + ":2: serve.help: unknown key, not an option of `scenehost serve` (`scenehost config --template` lists them)");
}

TEST_CASE("a value out of its bound is an error naming the file, line, key and bound") {
    Serve serve;
    const std::string f = serve.file.string();
    const std::string heartbeat = serve.error_for("[serve]\n\nheartbeat-s = 0\n");
    CHECK_THAT(heartbeat, Catch::StartsWith(f + ":3: serve.heartbeat-s: ") && Catch::Contains("0.01 - 3600"));
    const std::string fsync = serve.error_for("[serve]\nfsync = \"sometimes\"\n");
    CHECK_THAT(fsync, Catch::StartsWith(f + ":2: serve.fsync: ") && Catch::Contains("sometimes") &&
                          Catch::Contains("never") && Catch::Contains("always"));
    const std::string listen = serve.error_for("[serve]\nlisten = \"localhost\"\n");
    CHECK_THAT(listen, Catch::StartsWith(f + ":2: serve.listen: ") && Catch::Contains("'localhost' is not ADDRESS:PORT"));
    const std::string port = serve.error_for("[serve]\nlisten = \"127.0.0.1:65536\"\n");
    CHECK_THAT(port, Catch::StartsWith(f + ":2: serve.listen: ") && Catch::Contains("ADDRESS:PORT"));
    const std::string buffer = serve.error_for("[serve]\nsocket-send-buffer-bytes = 100\n");
    CHECK_THAT(buffer, Catch::StartsWith(f + ":2: serve.socket-send-buffer-bytes: ") &&
                           Catch::Contains("0 or in [4096 - 67108864]"));
    const std::string write_timeout = serve.error_for("[serve]\nwrite-timeout-s = 0\n");
    CHECK_THAT(write_timeout, Catch::StartsWith(f + ":2: serve.write-timeout-s: ") && Catch::Contains("0.1 - 600"));
    const std::string connections = serve.error_for("[serve]\nmax-connections = 0\n");
    CHECK_THAT(connections, Catch::StartsWith(f + ":2: serve.max-connections: ") && Catch::Contains("1 - 1048576"));
    const std::string dir = serve.error_for("[serve]\ndata-root = [\"/no/such/dir\"]\n");
    CHECK_THAT(dir, Catch::StartsWith(f + ":2: serve.data-root: ") && Catch::Contains("/no/such/dir"));
}

TEST_CASE("a value of the wrong TOML type is an error saying which type the option takes") {
    Serve serve;
    const std::string f = serve.file.string();
    CHECK(serve.error_for("[serve]\nheartbeat-s = \"fast\"\n") ==
          f + ":2: serve.heartbeat-s: expects a number (FLOAT in [0.01 - 3600])");
    CHECK(serve.error_for("[serve]\nbitrate-kbps = 8000.5\n") ==
          f + ":2: serve.bitrate-kbps: expects an integer (UINT in [100 - 1000000])");
    CHECK(serve.error_for("[serve]\nno-render = \"yes\"\n") == f + ":2: serve.no-render: expects true or false");
    CHECK(serve.error_for("[serve]\nlisten = [\"127.0.0.1:0\"]\n") == f + ":2: serve.listen: takes one value, not an array");
    CHECK(serve.error_for("[serve]\ntoken = [\"a\", 3]\n") == f + ":2: serve.token: each item must be a string");
    CHECK(serve.error_for("[serve]\nencoder-order = []\n") == f + ":2: serve.encoder-order: must not be empty");
}

TEST_CASE("a file that is not TOML, or not there, is an error naming it") {
    Serve serve;
    const std::string f = serve.file.string();
    CHECK_THAT(serve.error_for("[serve]\nlisten = \"127.0.0.1:0\n"), Catch::StartsWith(f + ":2: not valid TOML: "));
    fs::remove(serve.file);
    try {
        apply_config_file("/no/such/scenehost.toml", serve.app, serve.sources);
        FAIL("a missing file was accepted");
    } catch (const std::runtime_error &e) {
        CHECK(std::string(e.what()) == "config file /no/such/scenehost.toml: No such file or directory");
    }
}

TEST_CASE("options that exclude each other are refused across the file and the command line") {
    Serve serve("--open /tmp/cells.npy");
    const std::string f = serve.file.string();
    CHECK(serve.error_for("[serve]\ndemo = true\n") ==
          f + ": serve.demo (" + f + ":2) excludes serve.open (command line)");
    Serve off("--open /tmp/cells.npy");
    off.apply("[serve]\ndemo = false\n");  // false is the default: nothing to exclude
    CHECK_FALSE(off.options.demo);
}

TEST_CASE("the shipped config is the template: every option, commented out at the package's default") {
    Serve serve;
    const std::string shipped = read(fs::path(SCENEHOST_SOURCE_DIR) / "packaging" / "scenehost.toml");
    CHECK(shipped == config_template(serve.app));
    // Every option is there, as a comment line `# name = default`.
    for (const CLI::Option *option : serve.app.get_options()) {
        if (option == serve.app.get_help_ptr()) continue;
        CHECK_THAT(shipped, Catch::Contains("\n# " + option->get_lnames().front() + " = "));
    }
    // As shipped it sets nothing; uncommented, each line is accepted and is the default. The
    // web root is left out: it must exist, and only the installed package has it.
    serve.apply(shipped);
    CHECK(serve.sources.empty());
    std::string uncommented;
    std::istringstream lines(shipped);
    for (std::string line; std::getline(lines, line);) {
        const bool option_line = line.rfind("# ", 0) == 0 && line.find(" = ") != std::string::npos;
        if (option_line && line.rfind("# web-root = ", 0) != 0) line = line.substr(2);
        uncommented += line + "\n";
    }
    Serve all;
    all.apply(uncommented);
    CHECK(all.sources.size() + 2 == serve.app.get_options().size());  // all but --help and web-root
    const ServeOptions defaults = default_serve_options(package_layout());
    CHECK(all.options.listen == defaults.listen);
    CHECK(all.options.heartbeat_s == defaults.heartbeat_s);
    CHECK(all.options.encoder_order == defaults.encoder_order);
    CHECK(all.options.state_dir == defaults.state_dir);
    CHECK(all.options.fsync == defaults.fsync);
    CHECK(all.options.bitrate_kbps == defaults.bitrate_kbps);
    CHECK(all.options.socket_send_buffer_bytes == defaults.socket_send_buffer_bytes);
    CHECK(all.options.demo == defaults.demo);
    CHECK(all.options.open.empty());
}

TEST_CASE("the package layout puts plugins, viewer, config and state in the FHS places, a build tree keeps its own") {
    const Layout package = package_layout();
    CHECK(package.plugin_dir == "/usr/lib/scenehost/plugins");
    CHECK(package.web_root == "/usr/share/scenehost/web");
    CHECK(package.config_file == "/etc/scenehost/scenehost.toml");
    CHECK(package.state_dir == "/var/lib/scenehost");
    const Layout build = layout_for_prefix("/work/build");
    CHECK(build.plugin_dir == "/work/build/lib/scenehost/plugins");
    CHECK(build.web_root == "/work/build/share/scenehost/web");
    CHECK(build.config_file == "/work/build/etc/scenehost/scenehost.toml");
    CHECK(build.state_dir == "/work/build/var/lib/scenehost");
}

TEST_CASE("plugin directories: the system one first, then each site one once") {
    const Layout layout = layout_for_prefix("/opt/scenehost");
    const fs::path system = layout.plugin_dir;
    CHECK(plugin_directories(layout, false, {"/srv/a", "/srv/b", "/srv/a"}) ==
          std::vector<fs::path>{system, "/srv/a", "/srv/b"});
    CHECK(plugin_directories(layout, false, {system}) == std::vector<fs::path>{system});
    CHECK(plugin_directories(layout, true, {"/srv/a"}) == std::vector<fs::path>{"/srv/a"});
}

TEST_CASE("the audit log defaults to the state directory") {
    ServeOptions options = default_serve_options(package_layout());
    CHECK(audit_log_path(options) == "/var/lib/scenehost/audit.jsonl");
    options.audit_log = "/tmp/a.jsonl";
    CHECK(audit_log_path(options) == "/tmp/a.jsonl");
}
