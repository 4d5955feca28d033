// scenehost's command line: `serve` runs the host, `plugins` lists what the plugin
// directories hold, `encoders` which encoders can run here. Every outside mistake ends here as a message and exit code 2.
#include <CLI/CLI.hpp>
#include <iostream>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <stdexcept>

#include "app/encoders_command.hpp"
#include "app/plugins_command.hpp"
#include "app/serve_command.hpp"
#include "plugin/plugin_registry.hpp"

int main(int argc, char **argv) {
    using namespace scenehost;
    CLI::App cli{"scenehost: remote scientific visualization host"};
    cli.require_subcommand(1);
    // Options can also come from a TOML file: serve's options in a [serve] table
    // (`listen = "0.0.0.0:8080"`, `token = ["a"]`). A key that is not an option is an error;
    // options given on the command line win.
    cli.set_config("--config", "", "Read options from this TOML file (before the subcommand)");
    cli.allow_config_extras(CLI::config_extras_mode::error);

    std::vector<std::filesystem::path> plugin_dirs;
    auto *plugins = cli.add_subcommand("plugins", "List every plugin file with its kind, version and load status");
    plugins->add_option("--plugin-dir", plugin_dirs, "Plugin directory (repeatable; default: the installed one)");

    std::vector<std::filesystem::path> encoder_dirs;
    auto *encoders = cli.add_subcommand("encoders", "Probe every encoder plugin: available, or unavailable and why");
    encoders->add_option("--plugin-dir", encoder_dirs, "Plugin directory (repeatable; default: the installed one)");

    app::ServeOptions serve_options;
    auto *serve = cli.add_subcommand("serve", "Run the host");
    serve->add_option("--plugin-dir", serve_options.plugin_dirs, "Plugin directory (repeatable)");
    auto *demo = serve->add_flag("--demo", serve_options.demo, "Serve the built-in demo scene");
    serve->add_option("--open", serve_options.open, "Serve these .npy, .tif/.tiff files or OME-Zarr directories, a layer each")
        ->excludes(demo);
    serve->add_flag("--no-render", serve_options.no_render, "Run the control channel only (no display, no GL)");
    serve->add_option("--display", serve_options.display,
                      "X display for offscreen GL: auto ($DISPLAY, else a private Xvfb), xvfb, or :N");
    serve->add_option("--listen", serve_options.listen, "ADDRESS:PORT to listen on (port 0: any free port)");
    serve->add_flag("--napari-cuda-ports", serve_options.napari_cuda_ports,
                    "Also serve napari-cuda's layout: control at / on port 8081, pixels at / on 8082 (the --listen address)");
    serve->add_option("--control-listen", serve_options.control_listen,
                      "ADDRESS:PORT of a control-only listener (any path; napari-cuda's client)");
    serve->add_option("--pixel-listen", serve_options.pixel_listen,
                      "ADDRESS:PORT of a pixels-only listener (any path; napari-cuda's client)");
    serve->add_option("--data-root", serve_options.data_roots,
                      "Directory clients may browse with fs.listdir (repeatable; none: the command is not offered)")
        ->check(CLI::ExistingDirectory);
    serve->add_option("--web-root", serve_options.web_root,
                      "Directory of the browser viewer served at / (default: the build's web/)")
        ->check(CLI::ExistingDirectory);
    serve->add_option("--audit-log", serve_options.audit_log, "Audit log file (JSON Lines)");
    serve->add_option("--heartbeat-s", serve_options.heartbeat_s, "Heartbeat period in seconds")
        ->check(CLI::Range(0.01, 3600.0));
    serve->add_option("--token", serve_options.bearer_tokens, "Accepted bearer token (repeatable; none: no auth)");
    serve->add_option("--tls-cert", serve_options.tls_cert, "TLS certificate chain (PEM)");
    serve->add_option("--tls-key", serve_options.tls_key, "TLS private key (PEM)");
    serve->add_option("--max-frame-bytes", serve_options.max_frame_bytes, "Largest accepted control frame")
        ->check(CLI::Range(size_t{1024}, size_t{64} << 20));
    serve->add_option("--send-queue-bytes", serve_options.send_queue_bytes, "Per-connection send queue bound")
        ->check(CLI::Range(size_t{4096}, size_t{1} << 30));
    serve->add_option("--socket-send-buffer-bytes", serve_options.socket_send_buffer_bytes,
                      "Fixed SO_SNDBUF per connection (default: the OS autotunes)")
        ->check(CLI::Range(4096, 64 << 20));
    serve->add_flag("--no-deflate", serve_options.no_deflate, "Do not negotiate permessage-deflate");
    serve->add_option("--updates-per-s", serve_options.updates_per_s, "state.update rate limit per session")
        ->check(CLI::Range(1.0, 1e6));
    serve->add_option("--allow-command", serve_options.allowed_commands,
                      "Command sessions may run (repeatable; none: all)");
    serve->add_option("--fsync", serve_options.fsync, "Audit log fsync policy: never, batch or always")
        ->check(CLI::IsMember({"never", "batch", "always"}));
    serve->add_option("--encoder", serve_options.encoder,
                      "Encoder plugin for the pixel stream: auto (the first of --encoder-order that can run) or a "
                      "name; a named encoder that cannot run is a start-up error");
    serve->add_option("--encoder-order", serve_options.encoder_order, "Preference order for --encoder auto")
        ->delimiter(',');
    serve->add_option("--encoder-options", serve_options.encoder_options,
                      "The encoder plugin's own settings as a JSON object, e.g. {\"preset\":\"ultrafast\"}");
    serve->add_option("--bitrate-kbps", serve_options.bitrate_kbps, "Pixel stream target bit rate")
        ->check(CLI::Range(100u, 1000000u));
    serve->add_option("--keyframe-interval", serve_options.keyframe_interval, "Frames between scheduled IDRs")
        ->check(CLI::Range(1u, 100000u));
    serve->add_option("--stream-fps", serve_options.stream_fps, "Nominal pixel stream frame rate")
        ->check(CLI::Range(1u, 240u));

    try {
        cli.parse(argc, argv);
    } catch (const CLI::ParseError &e) {
        const CLI::Option *config = cli.get_config_ptr();
        if (e.get_exit_code() != 0 && config != nullptr && config->count() > 0) {
            std::cerr << "scenehost: config file " << config->as<std::string>() << " or command line: ";
        }
        return cli.exit(e) == 0 ? 0 : 2;  // --help is not a mistake; every command-line mistake is 2
    }
    // Logs go to stderr; stdout carries only what scripts read (the bound address, tables).
    spdlog::set_default_logger(spdlog::stderr_color_mt("scenehost"));
    try {
        if (*plugins) {
            if (plugin_dirs.empty()) plugin_dirs.push_back(plugin::default_plugin_directory());
            spdlog::set_level(spdlog::level::off);  // the table says it all
            return app::run_plugins_command(plugin_dirs, std::cout);
        }
        if (*encoders) {
            if (encoder_dirs.empty()) encoder_dirs.push_back(plugin::default_plugin_directory());
            spdlog::set_level(spdlog::level::off);
            return app::run_encoders_command(encoder_dirs, std::cout);
        }
        if (serve_options.plugin_dirs.empty()) serve_options.plugin_dirs.push_back(plugin::default_plugin_directory());
        return app::run_serve_command(serve_options);
    } catch (const std::runtime_error &e) {
        // Start-up errors: a file, directory or setting from outside that cannot be used.
        std::cerr << "scenehost: " << e.what() << '\n';
        return 2;
    }
}
