// serve's option table: each option's name, help, bound and default in one place, read by the
// command line, the config file, `config --print` and the shipped config template alike.
#include "app/serve_options.hpp"

#include <algorithm>
#include <charconv>
#include <system_error>

namespace scenehost::app {

std::optional<ListenAddress> parse_listen_address(std::string_view text) {
    const auto colon = text.rfind(':');
    unsigned long port = 0;
    if (colon == std::string_view::npos || colon == 0 ||
        std::from_chars(text.data() + colon + 1, text.data() + text.size(), port).ec != std::errc() || port > 65535) {
        return std::nullopt;
    }
    return ListenAddress{std::string(text.substr(0, colon)), static_cast<uint16_t>(port)};
}

namespace {

const CLI::Validator kListenAddress(
    [](const std::string &text) {
        return parse_listen_address(text) ? std::string() : "'" + text + "' is not ADDRESS:PORT, e.g. 127.0.0.1:8080";
    },
    "ADDRESS:PORT");
// The same, or empty for "no such listener".
const CLI::Validator kOptionalListenAddress(
    [](const std::string &text) { return text.empty() ? std::string() : kListenAddress(text); }, "ADDRESS:PORT or empty");

// A flag whose default shows in --help, `config --print` and the template (CLI11 captures no
// default for flags).
CLI::Option *add_flag(CLI::App &app, const std::string &name, bool &value, const std::string &help) {
    return app.add_flag(name, value, help)->default_str(value ? "true" : "false");
}

}  // namespace

ServeOptions default_serve_options(const Layout &layout) {
    ServeOptions options;
    options.web_root = layout.web_root.string();
    options.state_dir = layout.state_dir.string();
    return options;
}

void add_serve_options(CLI::App &serve, ServeOptions &options) {
    serve.option_defaults()->always_capture_default();
    // Where the scene comes from.
    auto *demo = add_flag(serve, "--demo", options.demo, "Serve the built-in demo scene (a volume and an image)");
    serve.add_option("--open", options.open,
                     "Serve these .npy, .tif/.tiff files or OME-Zarr directories, a layer each (not with demo)")
        ->excludes(demo);
    serve.add_option("--data-root", options.data_roots,
                     "Directories clients may browse (fs.listdir) and open a dataset from (napari.load_zarr); "
                     "none: neither command is offered")
        ->check(CLI::ExistingDirectory);
    // Plugins.
    serve.add_option("--plugin-dir", options.plugin_dirs,
                     "Site plugin directories, loaded after the system one; a scope or encoder name claimed "
                     "twice is a start-up error naming both files");
    add_flag(serve, "--no-system-plugins", options.no_system_plugins,
                   "Do not load the system plugin directory (a site that replaces a shipped reducer)");
    // Listeners.
    serve.add_option("--listen", options.listen,
                     "ADDRESS:PORT of the main listener: the viewer at /, /control, /pixels, /healthz, /metrics "
                     "(port 0: any free port)")
        ->check(kListenAddress);
    add_flag(serve, "--napari-cuda-ports", options.napari_cuda_ports,
                   "Also serve napari-cuda's layout on the listen address: control on port 8081, pixels on 8082");
    serve.add_option("--control-listen", options.control_listen,
                     "ADDRESS:PORT of a control-only listener, any path (napari-cuda's client)")
        ->check(kOptionalListenAddress);
    serve.add_option("--pixel-listen", options.pixel_listen,
                     "ADDRESS:PORT of a pixels-only listener, any path (napari-cuda's client)")
        ->check(kOptionalListenAddress);
    serve.add_option("--web-root", options.web_root, "Directory of the browser viewer served at /")
        ->check(CLI::ExistingDirectory);
    serve.add_option("--tls-cert", options.tls_cert, "TLS certificate chain (PEM); with tls-key, every listener is TLS");
    serve.add_option("--tls-key", options.tls_key, "TLS private key (PEM)");
    serve.add_option("--token", options.bearer_tokens, "Accepted bearer tokens; none: no authentication");
    // State.
    serve.add_option("--state-dir", options.state_dir,
                     "Directory of the host's state (created when missing): snapshots of the scene and, by "
                     "default, the audit log; a restart recovers the scene from it");
    serve.add_option("--audit-log", options.audit_log,
                     "Audit log file, JSON Lines (empty: audit.jsonl in the state directory)");
    serve.add_option("--fsync", options.fsync,
                     "Audit log fsync: never, batch (after each burst of writes) or always (before every ack)")
        ->check(CLI::IsMember({"never", "batch", "always"}));
    serve.add_option("--snapshot-every", options.snapshot_every,
                     "Changes between two snapshots of the scene in the state directory (recovery replays the "
                     "audit log after the newest)")
        ->check(CLI::Range(1u, 100'000'000u));
    add_flag(serve, "--fresh-state", options.fresh_state,
             "Start from the command line's scene instead of the one recovered from the state directory "
             "(recorded in the audit log as a scene load; versions go on)");
    // Sessions.
    serve.add_option("--heartbeat-s", options.heartbeat_s, "Heartbeat period in seconds")
        ->check(CLI::Range(0.01, 3600.0));
    serve.add_option("--max-frame-bytes", options.max_frame_bytes, "Largest accepted control frame in bytes")
        ->check(CLI::Range(size_t{1024}, size_t{64} << 20));
    serve.add_option("--send-queue-bytes", options.send_queue_bytes, "Send queue bound per connection in bytes")
        ->check(CLI::Range(size_t{4096}, size_t{1} << 30));
    serve.add_option("--socket-send-buffer-bytes", options.socket_send_buffer_bytes,
                     "Fixed SO_SNDBUF per connection in bytes (0: the OS autotunes)")
        ->check(CLI::Validator(
            [](const std::string &text) {
                int bytes = 0;
                const bool ok = CLI::detail::lexical_cast(text, bytes) &&
                                (bytes == 0 || (bytes >= 4096 && bytes <= (64 << 20)));
                return ok ? std::string() : "Value " + text + " is not 0 or in [4096 - 67108864]";
            },
            "0 or in [4096 - 67108864]"));
    serve.add_option("--write-timeout-s", options.write_timeout_s,
                     "Seconds one write (a WebSocket message, an HTTP response) may take before its TCP "
                     "connection is closed: a client that stops reading holds nothing longer")
        ->check(CLI::Range(0.1, 600.0));
    serve.add_option("--max-connections", options.max_connections,
                     "Open TCP connections, HTTP and WebSocket, across every listener; one more is answered "
                     "503 and closed")
        ->check(CLI::Range(size_t{1}, size_t{1} << 20));
    add_flag(serve, "--no-deflate", options.no_deflate, "Do not negotiate permessage-deflate");
    serve.add_option("--updates-per-s", options.updates_per_s, "state.update rate limit per session")
        ->check(CLI::Range(1.0, 1e6));
    serve.add_option("--history-mb", options.history_mb,
                     "Resumable notify history kept per topic in MiB (older deltas: resume from a baseline)")
        ->check(CLI::Range(1, 4096));
    serve.add_option("--allow-command", options.allowed_commands, "Commands sessions may run; none: all");
    // Rendering.
    add_flag(serve, "--no-render", options.no_render, "Run the control channel only (no display, no GL, no pixels)");
    serve.add_option("--display", options.display,
                     "X display for offscreen GL: auto ($DISPLAY, else a private Xvfb), xvfb, or :N");
    serve.add_option("--max-canvas-pixels", options.max_canvas_pixels,
                     "Largest canvas a client may ask for, width x height in pixels (frame memory grows with it)")
        ->check(CLI::Range(int64_t{256}, int64_t{8192} * 8192));
    // The pixel stream.
    serve.add_option("--encoder", options.encoder,
                     "Encoder plugin: auto (the first of encoder-order that can run) or a name; a named encoder "
                     "that cannot run is a start-up error");
    serve.add_option("--encoder-order", options.encoder_order, "Preference order for encoder auto")->delimiter(',');
    serve.add_option("--encoder-options", options.encoder_options,
                     "The encoder plugin's own settings as a JSON object, e.g. {\"preset\":\"ultrafast\"}");
    serve.add_option("--bitrate-kbps", options.bitrate_kbps, "Pixel stream target bit rate in kbit/s")
        ->check(CLI::Range(100u, 1000000u));
    serve.add_option("--keyframe-interval", options.keyframe_interval, "Frames between scheduled IDRs")
        ->check(CLI::Range(1u, 100000u));
    serve.add_option("--stream-fps", options.stream_fps, "Nominal pixel stream frame rate")->check(CLI::Range(1u, 240u));
    serve.add_option("--forced-keyframe-ms", options.forced_keyframe_ms,
                     "Least time between two forced IDRs (a pixel client joining or asking), shared by all viewers")
        ->check(CLI::Range(0u, 60000u));
    serve.add_option("--pixel-stall-s", options.pixel_stall_s,
                     "Close a pixel client whose queued frames have not been written for this long")
        ->check(CLI::Range(0.1, 3600.0));
}

std::vector<std::filesystem::path> plugin_directories(const Layout &layout, bool no_system_plugins,
                                                      const std::vector<std::filesystem::path> &site_dirs) {
    std::vector<std::filesystem::path> out;
    if (!no_system_plugins) out.push_back(layout.plugin_dir);
    for (const auto &dir : site_dirs) {
        const bool seen = std::any_of(out.begin(), out.end(), [&](const std::filesystem::path &earlier) {
            std::error_code error;  // a directory that does not exist is reported by the registry
            return earlier == dir || std::filesystem::equivalent(earlier, dir, error);
        });
        if (!seen) out.push_back(dir);
    }
    return out;
}

std::filesystem::path audit_log_path(const ServeOptions &options) {
    return options.audit_log.empty() ? std::filesystem::path(options.state_dir) / "audit.jsonl"
                                   : std::filesystem::path(options.audit_log);
}

}  // namespace scenehost::app
