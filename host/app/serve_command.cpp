// Wires the modules together for `serve`; the control channel and render loop plug in here.
#include "app/serve_command.hpp"
#include "app/host_limits.hpp"
#include "app/host_metrics.hpp"
#include "app/state_commands.hpp"
#include "app/state_keeper.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/serialize.hpp>
#include <algorithm>
#include <charconv>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <csignal>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <functional>
#include <optional>
#include <spdlog/spdlog.h>
#include <stdexcept>
#include <tuple>
#include <utility>
#include <vector>

#include "base/assert.hpp"
#include "broadcast/broadcaster.hpp"
#include "base/clock.hpp"
#include "data/demo_scene.hpp"
#include "data/directory_listing.hpp"
#include "data/file_scene.hpp"
#include "engine/command_registry.hpp"
#include "engine/state_engine.hpp"
#include "pixel/encode_pipeline.hpp"
#include "pixel/encoder_selection.hpp"
#include "pixel/pixel_hub.hpp"
#include "render/frame_slot.hpp"
#include "render/gl_context.hpp"
#include "render/png.hpp"
#include "render/render_scene.hpp"
#include "session/control_plane.hpp"
#include "transport/listener.hpp"
#include "transport/static_files.hpp"
#include "plugin/plugin_registry.hpp"
#include "store/audit_log.hpp"
#include "store/scene_store.hpp"

namespace scenehost::app {
namespace {


// scene.screenshot: the newest rendered frame as a PNG, with the store versions it shows, so a
// client (an agent, a test) can wait for the picture of its own change.
engine::CommandResult screenshot(const render::FrameSlot &latest, const engine::CommandCall &call) {
    if (!call.args.empty() || !call.kwargs.empty()) {
        return engine::CommandError{"command.invalid", "scene.screenshot takes no arguments", {}};
    }
    const auto frame = latest.get();
    if (frame == nullptr) {
        return engine::CommandError{"command.retryable", "no frame has been rendered yet; ask again", {}};
    }
    const std::string png = render::encode_png(frame->frame);
    boost::json::object versions;
    for (const auto &[scope, version] : frame->frame.versions) versions[scope] = version;
    boost::json::array errors;  // layers left out because their data could not be read
    for (const render::LayerError &error : frame->frame.errors) {
        errors.push_back(boost::json::object{{"layer_id", error.layer}, {"message", error.message}});
    }
    return engine::CommandReply(boost::json::object{{"format", "png"},
                                                     {"width", frame->frame.width},
                                                     {"height", frame->frame.height},
                                                     {"sequence", frame->sequence},
                                                     {"captured_us", frame->captured_us},
                                                     {"versions", std::move(versions)},
                                                     {"errors", std::move(errors)},
                                                     {"data", render::base64(png)}});
}

// notify.stream for an encoder's stream format.
protocol::StreamConfig stream_config(const pixel::StreamFormat &format, const std::string &encoder) {
    protocol::StreamConfig config;
    config.encoder = encoder;
    config.fps = format.fps;
    config.width = format.width;
    config.height = format.height;
    config.avcc_base64 = render::base64(
        std::string_view(reinterpret_cast<const char *>(format.avcc_record.data()), format.avcc_record.size()));
    return config;
}

// The encoder `options` asks for, checked by opening a trial session; throws the start-up error.
const plugin::EncoderPlugin &choose_encoder(const plugin::PluginRegistry &registry, const ServeOptions &options,
                                            const pixel::PipelineSettings &settings) {
    auto chosen = pixel::select_encoder(registry, options.encoder, options.encoder_order);
    if (auto *why = std::get_if<std::string>(&chosen)) throw std::runtime_error(*why);
    const auto &choice = std::get<pixel::EncoderChoice>(chosen);
    for (const std::string &skipped : choice.passed_over) spdlog::info("encoder passed over: {}", skipped);
    if (std::string why = pixel::EncodePipeline::check_settings(*choice.plugin, settings); !why.empty()) {
        throw std::runtime_error(why);
    }
    return *choice.plugin;
}

// ADDRESS:PORT of a listen option, which the option's validator checked.
std::pair<std::string, uint16_t> listen_address(const std::string &text) {
    const auto parsed = parse_listen_address(text);
    SCENEHOST_ASSERT(parsed.has_value(), "the listen options' validator admits only ADDRESS:PORT");
    return {parsed->address, parsed->port};
}

// napari-cuda's two-port layout beside the main listener: the explicit options, else with
// --napari-cuda-ports its launcher's defaults (8081 / 8082) on the --listen address.
std::optional<transport::TransportConfig> single_route(const ServeOptions &options,
                                                       const transport::TransportConfig &main, transport::Routes routes) {
    const bool control = routes == transport::Routes::control;
    const std::string &given = control ? options.control_listen : options.pixel_listen;
    if (given.empty() && !options.napari_cuda_ports) return std::nullopt;
    transport::TransportConfig config = main;
    config.routes = routes;
    if (given.empty()) {
        config.port = control ? 8081 : 8082;
    } else {
        std::tie(config.address, config.port) = listen_address(given);
    }
    return config;
}

// fs.listdir's result or napari-cuda's error for it.
engine::CommandResult listdir(const data::DataRoots &roots, const engine::CommandCall &call) {
    auto listing = roots.listdir(call.args, call.kwargs);
    if (auto *error = std::get_if<data::ListingError>(&listing)) {
        return engine::CommandError{error->code, error->message, error->details};
    }
    return engine::CommandReply(std::get<boost::json::object>(std::move(listing)));
}

// napari.load_zarr: opens the dataset `call` names under the roots as a new scene and has the
// engine replace the store's with it (audited). The new layers' sources join `sources` before
// the store changes (the renderer projects at commit) and the old ones leave after. The reply
// is napari-cuda's {ok: true}; then `replaced` publishes the new scene. Refusals are
// napari-cuda's codes: the roots' (command.invalid, fs.*, zarr.disambiguate, zarr.invalid), and
// zarr.invalid for a dataset that cannot be opened or that a reducer cannot show.
engine::CommandResult load_dataset(const data::DataRoots &roots, const engine::CommandCall &call,
                                   engine::StateEngine &engine, const store::SceneStore &store,
                                   data::SourceMap &sources, size_t &next_layer, StateKeeper &keeper,
                                   std::function<void(std::vector<std::string>, broadcast::Cause)> replaced,
                                   const std::function<void(const std::string &)> &not_recorded) {
    auto found = roots.dataset(call.args, call.kwargs);
    if (auto *error = std::get_if<data::ListingError>(&found)) {
        return engine::CommandError{error->code, error->message, error->details};
    }
    const std::filesystem::path path = std::get<std::filesystem::path>(std::move(found));
    const boost::json::object where{{"path", path.string()}};
    data::Scene loaded;
    try {
        loaded = data::file_scene({path}, next_layer);
    } catch (const data::DataError &e) {
        return engine::CommandError{"zarr.invalid", e.what(), where};
    }
    // The stream keeps its size: the new scene has the canvas the view has now.
    if (const store::Record *canvas = store.find("view", "main", "canvas_size")) {
        loaded.description["canvas_size"] = canvas->value;
    }
    std::vector<std::string> before;
    for (std::string_view id : store.targets("layer")) before.emplace_back(id);
    sources.insert(loaded.sources.begin(), loaded.sources.end());
    // The audit line names the data and its first layer id, which recovery reopens.
    const DataOrigin origin{DataOrigin::Kind::files, {std::filesystem::absolute(path).lexically_normal().string()},
                            next_layer};
    const auto outcome = engine.load(boost::json::serialize(loaded.description),
                                     {{"path", origin.paths.front()}, {"first_layer", origin.first_layer}},
                                     {call.caller.actor_id, call.caller.session_id, call.caller.frame_id});
    if (const auto *failed = std::get_if<engine::NotRecorded>(&outcome)) {
        not_recorded(failed->reason);
        return engine::CommandError{"state.not_recorded", "the audit log could not record this load; the host is stopping",
                                    where};
    }
    if (const auto *rejected = std::get_if<engine::Rejected>(&outcome)) {
        for (const auto &[id, source] : loaded.sources) sources.erase(id);
        return engine::CommandError{"zarr.invalid", rejected->message, where};
    }
    next_layer += loaded.sources.size();
    std::vector<std::string> removed;
    const auto now = store.targets("layer");
    for (std::string &id : before) {
        if (std::find(now.begin(), now.end(), id) == now.end()) removed.push_back(std::move(id));
    }
    for (const std::string &id : removed) sources.erase(id);
    keeper.loaded(store, origin, next_layer);
    spdlog::info("scene replaced by {} ({} layer{}) for {}", path.string(), loaded.sources.size(),
                 loaded.sources.size() == 1 ? "" : "s", call.caller.actor_id);
    return engine::CommandReply(boost::json::object{{"ok", true}},
                                [replaced = std::move(replaced), removed = std::move(removed),
                                 recipient = call.caller.recipient, frame = std::string(call.caller.frame_id)] {
                                    replaced(removed, {recipient, frame, "load", nullptr});
                                });
}

// The data behind the recovered scene's layers: the command line's scene when the state is of it,
// else reopened. Throws when it cannot be opened or no longer gives the store's layers.
data::SourceMap recovered_sources(const Recovery &recovered, const DataOrigin &command_line, const data::Scene &scene,
                                  const store::SceneStore &store, const std::string &state_dir) {
    data::SourceMap sources;
    if (recovered.data == command_line) {
        sources = scene.sources;
    } else {
        try {
            sources = recovered.data.open().sources;
        } catch (const data::DataError &e) {
            throw std::runtime_error(fmt::format(
                "the scene recovered from {} shows {}, which cannot be opened now: {}; add --fresh-state to start from "
                "the command line's scene instead",
                state_dir, recovered.data.describe(), e.what()));
        }
    }
    std::vector<std::string> opened, held;
    for (const auto &[id, source] : sources) opened.push_back(id);
    for (std::string_view id : store.targets("layer")) held.emplace_back(id);
    if (opened != held) {
        throw std::runtime_error(fmt::format(
            "the scene recovered from {} has the layers [{}], but {} gives [{}]: the data changed since; add "
            "--fresh-state to start from the command line's scene instead",
            state_dir, fmt::join(held, ", "), recovered.data.describe(), fmt::join(opened, ", ")));
    }
    return sources;
}

}  // namespace

int run_serve_command(const ServeOptions &options, const Layout &layout) {
    const auto registry =
        plugin::PluginRegistry::load(plugin_directories(layout, options.no_system_plugins, options.plugin_dirs));
    for (const auto &row : registry.rows()) {
        if (!row.loaded) {
            throw std::runtime_error(fmt::format("plugin {} refused: {}", row.info.path.string(), row.refusal));
        }
    }
    transport::TransportConfig transport_config;
    std::tie(transport_config.address, transport_config.port) = listen_address(options.listen);
    transport_config.max_frame_bytes = options.max_frame_bytes;
    transport_config.send_queue_bytes = options.send_queue_bytes;
    transport_config.socket_send_buffer_bytes = options.socket_send_buffer_bytes;
    transport_config.write_timeout = std::chrono::milliseconds(std::llround(options.write_timeout_s * 1000));
    transport_config.permessage_deflate = !options.no_deflate;
    if (!options.tls_cert.empty() || !options.tls_key.empty()) {
        if (options.tls_cert.empty() || options.tls_key.empty()) {
            throw std::runtime_error("TLS needs both --tls-cert and --tls-key");
        }
        transport_config.tls = transport::TlsConfig{options.tls_cert, options.tls_key};
    }

    // The data first: a file that cannot be used stops the host before it writes anything.
    SCENEHOST_ASSERT(!options.demo || options.open.empty(), "the command line refuses --open with --demo");
    const data::Scene scene = options.demo            ? data::demo_scene()
                              : !options.open.empty() ? data::file_scene(options.open)
                                                      : data::empty_scene();
    // The data behind each layer the store holds (napari.load_zarr replaces it), and the number
    // of the next layer id: ids are never reused, so nothing a client knows of an old layer
    // ever names a new one.
    data::SourceMap sources = scene.sources;
    size_t next_layer = scene.sources.size();

    base::SystemClock clock;
    store::SceneStore store(clock);
    std::error_code state_error;
    std::filesystem::create_directories(options.state_dir, state_error);
    if (state_error) {
        throw std::runtime_error(fmt::format("state directory {}: {}", options.state_dir, state_error.message()));
    }
    const std::filesystem::path audit_path = audit_log_path(options);
    const store::FsyncPolicy fsync = *store::parse_fsync_policy(options.fsync);  // CLI11 checked the spelling
    const std::vector<engine::WriteLimit> limits{canvas_limit(options.max_canvas_pixels)};

    // The store: recovered from the state directory, before the audit log opens (recovery cuts
    // off a torn last line, which opening would close instead), or seeded on a first start.
    StateKeeper keeper(options.state_dir, audit_path, fsync != store::FsyncPolicy::never, options.snapshot_every,
                       clock);
    const DataOrigin command_line = command_line_origin(options);
    const std::optional<Recovery> recovered =
        keeper.recover(store, [&](std::string_view scope, std::string_view key, const boost::json::value &value) {
            return engine::stored_value_problem(registry, limits, scope, key, value);
        });
    if (recovered && recovered->command_line != command_line && !options.fresh_state) {
        throw std::runtime_error(fmt::format(
            "the state in {} (run {}) is of a host started with {}, not {}: start with {} to go on with it, or add "
            "--fresh-state to replace it with this command line's scene",
            options.state_dir, recovered->snapshot.run, recovered->command_line.describe(), command_line.describe(),
            recovered->command_line.describe()));
    }
    store::AuditConfig audit_config{.path = audit_path.string()};
    audit_config.fsync = fsync;
    // The live audit file always starts after a snapshot, so recovery reads that file only.
    audit_config.before_rotation = [&] { return keeper.snapshot(store); };
    auto audit = store::AuditLog::open(audit_config, clock);
    engine::StateEngine engine(store, registry, *audit, clock);
    for (const engine::WriteLimit &limit : limits) engine.add_limit(limit);
    DataOrigin data_origin = command_line;
    if (!recovered) {
        // A first start on this directory: lines of an earlier state must never replay into this one.
        audit->start_new_file();
        engine.seed(boost::json::serialize(scene.description));
        spdlog::info("state directory {} holds no snapshot: starting from {}", options.state_dir, command_line.describe());
    } else if (options.fresh_state) {
        const auto outcome = engine.load(boost::json::serialize(scene.description), fresh_state_request(command_line),
                                         {"host", "", "fresh-state"});
        if (const auto *failed = std::get_if<engine::NotRecorded>(&outcome)) throw std::runtime_error(failed->reason);
        if (const auto *rejected = std::get_if<engine::Rejected>(&outcome)) {
            throw std::runtime_error(fmt::format("--fresh-state: {}", rejected->message));
        }
        next_layer = std::max(next_layer, recovered->next_layer);
        spdlog::warn("--fresh-state: the scene recovered from {} (run {}) is replaced by {}", options.state_dir,
                     recovered->snapshot.run, command_line.describe());
    } else {
        sources = recovered_sources(*recovered, command_line, scene, store, options.state_dir);
        data_origin = recovered->data;
        next_layer = recovered->next_layer;
        if (data_origin.kind == DataOrigin::Kind::files) {
            next_layer = std::max(next_layer, data_origin.first_layer + sources.size());
        }
    }
    if (recovered) {
        const store::ReplaySummary &replay = recovered->replay;
        if (replay.torn) spdlog::warn("audit log {}: dropped its torn last line ({})", audit_path.string(), *replay.torn);
        spdlog::info("recovered the scene of {} from snapshot {} of run {} and {} intents of {} ({} lines; {} already "
                     "in the snapshot)",
                     data_origin.describe(), recovered->snapshot.sequence, recovered->snapshot.run, replay.replayed,
                     audit_path.string(), replay.lines, replay.held);
    }
    keeper.start(store, recovered ? recovered->snapshot.run + 1 : 1, command_line, data_origin, next_layer);
    store.subscribe([&](const store::ChangeSet &) { keeper.changed(store); });
    spdlog::info("state directory {}: run {}", options.state_dir, keeper.run());

    // Rendering: the newest scene goes to the render thread after every change; each frame
    // waits in `latest` for whoever shows it and goes to the encoder thread, whose output is
    // fanned out to the pixel clients on the io thread.
    // Shared by every listener; declared before io, whose destruction frees the connections.
    transport::ConnectionGate connection_gate(options.max_connections);
    transport::TransportMetrics transport_metrics;
    boost::asio::io_context io;
    session::ControlPlane *control = nullptr;  // set below, before io runs the handlers posted here
    std::optional<pixel::PixelHub> pixel_hub;
    std::unique_ptr<pixel::EncodePipeline> pipeline;
    render::FrameSlot latest;
    std::optional<render::QtRuntime> qt;
    std::unique_ptr<render::RenderWorker> renderer;
    if (!options.no_render) {
        std::string missing;
        for (std::string_view scope : render::kProjectedScopes) {
            if (registry.reducer(scope) == nullptr) missing += (missing.empty() ? "" : ", ") + std::string(scope);
        }
        if (!missing.empty()) {
            throw std::runtime_error(fmt::format(
                "rendering needs a reducer for each of the scopes view, dims, camera, layer and volume; none is "
                "loaded for: {} (load the shipped plugins, or pass --no-render)",
                missing));
        }
        const pixel::PipelineSettings pipeline_settings{options.stream_fps, options.bitrate_kbps,
                                                        options.keyframe_interval, options.encoder_options,
                                                        std::chrono::milliseconds(options.forced_keyframe_ms)};
        const plugin::EncoderPlugin &encoder = choose_encoder(registry, options, pipeline_settings);
        pipeline = std::make_unique<pixel::EncodePipeline>(
            encoder, pipeline_settings,
            pixel::EncodePipeline::Sinks{
                [&](std::shared_ptr<const pixel::EncodedFrame> frame) {
                    boost::asio::post(io, [&, frame = std::move(frame)] { pixel_hub->publish(frame); });
                },
                [&](const pixel::StreamFormat &format) {
                    boost::asio::post(io, [&, config = stream_config(format, encoder.info().name)] {
                        control->broadcaster().publish_stream(config);
                    });
                },
                [&](const std::string &why) {
                    boost::asio::post(io, [&, why] {
                        control->sessions().fail_critical("encoder", "encoder.failed", why);
                    });
                }});
        pixel_hub.emplace(clock, [&pipeline] { pipeline->request_keyframe(); },
                          pixel::PixelLimits{.stall_timeout_us = base::TimeUs(options.pixel_stall_s * 1e6)});
        spdlog::info("encoding with '{}' {} at {} kbps, an IDR every {} frames", encoder.info().name,
                     encoder.info().version, options.bitrate_kbps, options.keyframe_interval);
        qt.emplace(options.display);
        // Never render faster than the stream is encoded: a view asking for more fps coalesces.
        renderer = std::make_unique<render::RenderWorker>(
            *qt,
            [&](std::shared_ptr<const render::RenderedFrame> frame) {
                latest.put(frame);
                pipeline->submit(std::move(frame));
            },
            render::RenderWorkerConfig{.max_fps = double(options.stream_fps)},
            [&](const std::string &layer, render::Thumbnail thumbnail) {
                protocol::LayerThumbnail t{layer, render::Thumbnail::kSide, std::move(thumbnail.rgba),
                                           double(clock.now_us()) / 1e6};
                boost::asio::post(io, [&, t = std::move(t)]() mutable {
                    control->broadcaster().publish_thumbnail(std::move(t));
                });
            });
        spdlog::info("rendering on display {} with {}", qt->display().name(), renderer->gl_description());
        const auto project = [&] {
            render::RenderScene scene = render::project_scene(store, sources);
            scene.projected_us = clock.now_us();
            return scene;
        };
        store.subscribe([&, project](const store::ChangeSet &) { renderer->submit(project()); });
        renderer->submit(project());
    }

    engine::CommandRegistry commands;
    commands.add("scene.snapshot", [&](const engine::CommandCall &) {
        return engine::CommandResult(engine::CommandReply(control->broadcaster().scene()));
    });
    commands.add("state.get", [&](const engine::CommandCall &call) { return state_get(store, call); });
    commands.add("state.schema", [&](const engine::CommandCall &call) { return state_schema(registry, call); });
    if (renderer) {
        commands.add("scene.screenshot", [&latest](const engine::CommandCall &call) { return screenshot(latest, call); });
    }

    session::SessionConfig session_config;
    session_config.heartbeat_s = options.heartbeat_s;
    session_config.bearer_tokens = options.bearer_tokens;
    session_config.updates_per_s = options.updates_per_s;
    session_config.update_burst = 2 * options.updates_per_s;
    session_config.allowed_commands = options.allowed_commands;
    session_config.replay_budget_bytes = options.send_queue_bytes / 2;
    session_config.history_bytes = size_t(options.history_mb) << 20;
    session::ControlPlane plane(io, session_config, engine, store, commands, session::declared_lanes(registry), clock);
    control = &plane;
    session::SessionRegistry &sessions = plane.sessions();
    // Called inside a commit: the host stops once the apply is done.
    keeper.on_failure([&](const std::string &why) {
        boost::asio::post(io, [&, why] { sessions.fail_critical("state", "state.snapshot_failed", why); });
    });
    // Spec §3.4: the next frame is an IDR. Like napari-cuda, notify.stream goes out again so a
    // client can reset its decoder, and pixels are held back until that IDR.
    const std::function<void()> restart_stream = [&] {
        pipeline->request_keyframe();
        pixel_hub->hold_until_keyframe();
        plane.broadcaster().republish_stream();
    };
    if (pipeline) {
        commands.add("napari.pixel.request_keyframe", [&](const engine::CommandCall &call) {
            if (!call.args.empty() || !call.kwargs.empty()) {
                return engine::CommandResult(
                    engine::CommandError{"command.invalid", "napari.pixel.request_keyframe takes no arguments", {}});
            }
            return engine::CommandResult(engine::CommandReply(nullptr, restart_stream));
        });
    }
    std::optional<data::DataRoots> data_roots;
    if (!options.data_roots.empty()) {
        data_roots.emplace(options.data_roots);
        commands.add("fs.listdir", [&](const engine::CommandCall &call) { return listdir(*data_roots, call); });
        commands.add("napari.load_zarr", [&](const engine::CommandCall &call) {
            return load_dataset(*data_roots, call, engine, store, sources, next_layer, keeper, [&](std::vector<std::string> removed,
                                                                                    broadcast::Cause cause) {
                plane.broadcaster().publish_scene_replaced(removed, cause);
                if (pipeline) restart_stream();
            }, [&](const std::string &reason) { sessions.fail_critical("audit", "audit.write_failed", reason); });
        });
    }
    if (!options.pixel_listen.empty() && !pixel_hub) {
        throw std::runtime_error("--pixel-listen needs the pixel stream, which --no-render turns off");
    }
    auto *pixels = pixel_hub ? &*pixel_hub : nullptr;
    // The viewer: --web-root (given ones were checked to exist; the installed default may not be).
    std::optional<transport::StaticFiles> web;
    if (options.web_root.empty()) {
        spdlog::info("no browser viewer: web-root is empty");
    } else if (std::filesystem::is_directory(options.web_root)) {
        web.emplace(options.web_root);
    } else {
        spdlog::warn("no browser viewer: {} is missing; pass --web-root DIR to serve one", options.web_root);
    }
    if (web) spdlog::info("serving the browser viewer from {}", web->root().string());
    metrics::Registry metrics;
    register_host_metrics(metrics, {plane, engine, *audit, keeper, renderer.get(), pipeline.get(), pixels, connection_gate,
                                    transport_metrics});
    const transport::MetricsText metrics_text = [&metrics] { return metrics.expose(); };
    std::vector<std::unique_ptr<transport::Listener>> listeners;
    // Tests and scripts read these lines to find the ports the OS picked; the main one comes last.
    const auto announce = [&](const transport::Listener &l, std::string_view what) {
        const auto bound = l.local_endpoint();
        std::printf("scenehost %slistening on %s:%u%s\n", what.data(), bound.address().to_string().c_str(),
                    bound.port(), transport_config.tls ? " (TLS)" : "");
    };
    if (auto config = single_route(options, transport_config, transport::Routes::control)) {
        listeners.push_back(std::make_unique<transport::Listener>(io, *config, connection_gate, transport_metrics,
                                                                  plane.endpoint(), pixels));
        announce(*listeners.back(), "control ");
    }
    if (pixel_hub) {
        if (auto config = single_route(options, transport_config, transport::Routes::pixels)) {
            listeners.push_back(std::make_unique<transport::Listener>(io, *config, connection_gate, transport_metrics,
                                                                  plane.endpoint(), pixels));
            announce(*listeners.back(), "pixels ");
        }
    }
    listeners.push_back(std::make_unique<transport::Listener>(io, transport_config, connection_gate, transport_metrics,
                                                              plane.endpoint(), pixels, web ? &*web : nullptr,
                                                              &metrics_text));
    announce(*listeners.back(), "");
    if (web) {
        const auto bound = listeners.back()->local_endpoint();
        const std::string host = bound.address().is_unspecified() ? "127.0.0.1" : bound.address().to_string();
        std::printf("scenehost viewer: open %s://%s:%u/ in a browser\n", transport_config.tls ? "https" : "http",
                    host.c_str(), bound.port());
    }
    std::fflush(stdout);
    for (auto &l : listeners) l->start();
    spdlog::info("scenehost serving {}: {} reducers, audit log {}",
                 options.demo ? "the demo scene" : fmt::format("{} layers", sources.size()),
                 registry.reducers().size(), audit_path.string());

    boost::asio::steady_timer audit_timer(io);
    std::function<void()> arm_audit_timer = [&] {
        audit_timer.expires_after(std::chrono::milliseconds(100));
        audit_timer.async_wait([&](boost::system::error_code error) {
            if (error) return;  // cancelled at shutdown
            if (sessions.failed()) return;
            try {
                if (audit->sync_due()) audit->sync();
            } catch (const store::AuditWriteError &e) {
                return sessions.fail_critical("audit", "audit.write_failed", e.what());
            }
            arm_audit_timer();
        });
    };
    arm_audit_timer();
    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    boost::asio::steady_timer drain_timer(io);
    // Give the goodbyes and close frames a moment to leave, then stop.
    auto stop_after_drain = [&] {
        for (auto &l : listeners) l->stop();
        signals.cancel();
        audit_timer.cancel();
        drain_timer.expires_after(std::chrono::milliseconds(300));
        drain_timer.async_wait([&](boost::system::error_code) { io.stop(); });
    };
    std::optional<std::string> critical;
    sessions.on_critical([&](const std::string &message) {
        critical = message;
        if (pixel_hub) pixel_hub->close_all(transport::CloseCode::internal_error, "critical server fault");
        stop_after_drain();
    });
    signals.async_wait([&](boost::system::error_code error, int signal) {
        if (error) return;  // cancelled after a critical fault
        spdlog::info("scenehost stopping on signal {}: saying goodbye to {} sessions", signal, sessions.size());
        sessions.shutdown();
        if (pixel_hub) pixel_hub->close_all(transport::CloseCode::going_away, "the host is stopping");
        stop_after_drain();
    });
    io.run();
    if (critical) {
        spdlog::critical("scenehost stopped after a critical fault: {}", *critical);
        return 3;
    }
    audit->sync();
    return 0;
}

}  // namespace scenehost::app
