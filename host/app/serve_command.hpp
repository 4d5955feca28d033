// `scenehost serve`: loads the plugins, seeds the scene through the reducers, opens the audit
// log and runs until SIGINT or SIGTERM.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace scenehost::app {

struct ServeOptions {
    std::vector<std::filesystem::path> plugin_dirs;
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
    // The browser viewer's files, served at / (docs/viewer.md); empty: no viewer. The default is
    // the source tree's web/ (SCENEHOST_DEFAULT_WEB_ROOT) when it exists.
    std::filesystem::path web_root;
    std::string audit_log = "scenehost-audit.jsonl";
    std::string fsync = "batch";
    double heartbeat_s = 15.0;
    std::vector<std::string> bearer_tokens;
    std::string tls_cert;
    std::string tls_key;
    size_t max_frame_bytes = 1 << 20;
    size_t send_queue_bytes = 4 << 20;
    int socket_send_buffer_bytes = 0;
    bool no_deflate = false;
    double updates_per_s = 240.0;
    std::vector<std::string> allowed_commands;
    // The pixel stream (see docs/pixels.md).
    std::string encoder = "auto";                             // auto, or an encoder plugin's name
    std::vector<std::string> encoder_order = {"vpl", "x264"};  // hardware first
    std::string encoder_options = "{}";                       // the plugin's own settings, JSON
    unsigned bitrate_kbps = 8000;
    unsigned keyframe_interval = 120;
    unsigned stream_fps = 60;
};

// Returns the process exit code; throws std::runtime_error for a start-up error.
int run_serve_command(const ServeOptions &options);

}  // namespace scenehost::app
