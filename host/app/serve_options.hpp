// `scenehost serve`'s options: the values, their command-line and config-file definitions (one
// table for both, so the shipped config documents exactly what the command line takes).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>
#include <string>
#include <vector>

#include "app/layout.hpp"

namespace scenehost::app {

struct ServeOptions {
    // Plugin directories: the system one (Layout::plugin_dir) unless no_system_plugins, then these.
    std::vector<std::filesystem::path> plugin_dirs;
    bool no_system_plugins = false;
    bool demo = false;
    std::vector<std::filesystem::path> open;  // data files or OME-Zarr directories, one layer each; not with demo
    bool no_render = false;          // control channel only: no display, no GL
    std::string display = "auto";    // auto ($DISPLAY or a private Xvfb), xvfb, or :N
    std::string listen = "127.0.0.1:8080";  // ADDRESS:PORT; port 0 picks a free one
    // napari-cuda's two ports beside it (docs/protocol.md): both default to the --listen address
    // with ports 8081 / 8082 under napari_cuda_ports; either may be given alone.
    bool napari_cuda_ports = false;
    std::string control_listen;  // ADDRESS:PORT, control WebSocket at any path
    std::string pixel_listen;    // ADDRESS:PORT, pixel WebSocket at any path
    std::vector<std::filesystem::path> data_roots;  // what fs.listdir may show
    std::string web_root;   // the browser viewer's files, served at / (docs/viewer.md)
    std::string state_dir;  // created when missing; holds the audit log by default
    std::string audit_log;  // empty: <state_dir>/audit.jsonl
    std::string fsync = "batch";
    unsigned snapshot_every = 10'000;  // committed changes between snapshots
    bool fresh_state = false;          // replace the recovered scene with the command line's
    double heartbeat_s = 15.0;
    std::vector<std::string> bearer_tokens;
    std::string tls_cert;
    std::string tls_key;
    size_t max_frame_bytes = 1 << 20;
    size_t send_queue_bytes = 4 << 20;
    int socket_send_buffer_bytes = 0;
    double write_timeout_s = 10.0;  // one write not done within this ends its connection
    size_t max_connections = 1024;  // open TCP connections across every listener
    bool no_deflate = false;
    double updates_per_s = 240.0;
    int history_mb = 64;
    std::vector<std::string> allowed_commands;
    // The pixel stream (see docs/pixels.md).
    std::string encoder = "auto";                             // auto, or an encoder plugin's name
    std::vector<std::string> encoder_order = {"vpl", "x264"};  // hardware first
    std::string encoder_options = "{}";                       // the plugin's own settings, JSON
    unsigned bitrate_kbps = 8000;
    unsigned keyframe_interval = 120;
    unsigned stream_fps = 60;
    unsigned forced_keyframe_ms = 1000;
    double pixel_stall_s = 10.0;
    int64_t max_canvas_pixels = 3840 * 2160;
};

struct ListenAddress {
    std::string address;
    uint16_t port;
};
// ADDRESS:PORT (the listen options' syntax), or nullopt.
std::optional<ListenAddress> parse_listen_address(std::string_view text);

// The defaults that depend on where scenehost is installed.
ServeOptions default_serve_options(const Layout &layout);

// Defines every serve option on `serve`, bound to `options`, whose current values are the
// defaults (captured for --help, `config --print` and the config template).
void add_serve_options(CLI::App &serve, ServeOptions &options);

// The plugin directories to load: the system one first (unless turned off), then the site
// ones, each once (a directory named twice, or the system one named again, is loaded once).
std::vector<std::filesystem::path> plugin_directories(const Layout &layout, bool no_system_plugins,
                                                      const std::vector<std::filesystem::path> &site_dirs);

// The audit log's path: the option, else <state_dir>/audit.jsonl.
std::filesystem::path audit_log_path(const ServeOptions &options);

}  // namespace scenehost::app
