// The host's metric names and what each counts; the values live in the parts that count them.
#include "app/host_metrics.hpp"

namespace scenehost::app {

void register_host_metrics(metrics::Registry &registry, const HostParts &parts) {
    const session::SessionMetrics &sessions = parts.plane.sessions().metrics();
    registry.attach("scenehost_sessions", "Open control sessions, by dialect (v1 greenfield, v2 napari-cuda)",
                    sessions.sessions);
    registry.attach("scenehost_resumes_total",
                    "Hellos that offered resume tokens: replayed (missed deltas only) or baseline (a fresh snapshot)",
                    sessions.resumes);
    registry.attach("scenehost_control_frames_sent_total",
                    "Control frames queued to sessions, by frame type (notify.* types are the topics)",
                    sessions.frames_sent);
    registry.attach("scenehost_control_sent_bytes_total", "Bytes of those frames, by frame type", sessions.bytes_sent);
    const engine::IntentLane::Metrics &lane = parts.plane.lane().metrics();
    registry.attach("scenehost_updates_accepted_total", "state.update intents applied", lane.accepted);
    registry.attach("scenehost_updates_rejected_total", "state.update intents rejected, by the ack's error code",
                    lane.rejected);
    registry.attach("scenehost_limit_refusals_total",
                    "state.update intents refused by a host limit (state.out_of_range), by limit", parts.engine.limit_refusals());
    const store::ResumableHistory &history = parts.plane.broadcaster().history();
    registry.gauge_callback("scenehost_history_bytes",
                            "Payload bytes of the resumable deltas kept (notify.layers and notify.state; --history-mb each)",
                            [&history] {
                                return static_cast<double>(history.bytes(store::Topic::layers) +
                                                           history.bytes(store::Topic::state));
                            });

    const transport::ConnectionGate &connections = parts.connections;
    registry.gauge_callback("scenehost_connections", "Open TCP connections, HTTP and WebSocket, across every listener",
                            [&connections] { return static_cast<double>(connections.open()); });
    const transport::TransportMetrics &transport = parts.transport;
    registry.attach("scenehost_connections_refused_total",
                    "Connections refused with 503 because --max-connections were open", transport.connections_refused);
    registry.attach("scenehost_accept_failures_total",
                    "Accepts that failed (out of file descriptors, or memory), each retried after a pause",
                    transport.accept_failures);
    registry.attach("scenehost_write_timeouts_total",
                    "Connections closed because one write did not complete within --write-timeout-s",
                    transport.write_timeouts);
    registry.attach("scenehost_http_errors_total", "HTTP answers with a status of 400 or more, by status",
                    transport.http_errors);

    const store::AuditLog &audit = parts.audit;
    registry.counter_callback("scenehost_audit_written_bytes_total", "Bytes appended to the audit log",
                              [&audit] { return static_cast<double>(audit.bytes_written()); });
    registry.counter_callback("scenehost_audit_entries_total", "Lines appended to the audit log",
                              [&audit] { return static_cast<double>(audit.entries_written()); });
    registry.attach("scenehost_audit_fsync_seconds", "Time of each fdatasync of the audit log", audit.fsync_seconds());
    const StateKeeper &state = parts.state;
    registry.gauge_callback("scenehost_state_run", "This host run's number on its state directory (1: a first start)",
                            [&state] { return static_cast<double>(state.run()); });
    registry.attach("scenehost_snapshots_total", "Snapshots of the scene written to the state directory",
                    state.snapshots());
    registry.attach("scenehost_snapshot_bytes", "Size of the newest snapshot", state.snapshot_bytes());
    registry.attach("scenehost_snapshot_seconds", "Time to write each snapshot, its syncs included",
                    state.snapshot_seconds());

    if (const render::RenderWorker *renderer = parts.renderer) {
        registry.counter_callback("scenehost_frames_rendered_total", "Frames drawn (keep-alive repeats not counted)",
                                  [renderer] { return static_cast<double>(renderer->stats().rendered); });
        registry.attach("scenehost_render_seconds", "Time to draw and read back each frame", renderer->render_seconds());
    }
    if (const pixel::EncodePipeline *pipeline = parts.pipeline) {
        registry.counter_callback("scenehost_frames_encoded_total", "Frames encoded",
                                  [pipeline] { return static_cast<double>(pipeline->stats().encoded); });
        registry.counter_callback("scenehost_frames_dropped_total",
                                  "Rendered frames replaced by a newer one before the encoder took them",
                                  [pipeline] { return static_cast<double>(pipeline->stats().dropped); });
        registry.counter_callback("scenehost_keyframes_total", "IDR frames encoded",
                                  [pipeline] { return static_cast<double>(pipeline->stats().keyframes); });
        registry.attach("scenehost_encode_seconds", "Time to convert and encode each frame", pipeline->encode_seconds());
    }
    if (const pixel::PixelHub *pixels = parts.pixels) {
        registry.gauge_callback("scenehost_pixel_clients", "Connected /pixels clients",
                                [pixels] { return static_cast<double>(pixels->client_count()); });
        registry.counter_callback("scenehost_pixel_frames_sent_total", "Frames queued to pixel clients",
                                  [pixels] { return static_cast<double>(pixels->stats().sent); });
        registry.counter_callback("scenehost_pixel_frames_dropped_total",
                                  "Frames a pixel client did not get (too slow, or waiting for its first IDR)",
                                  [pixels] { return static_cast<double>(pixels->stats().dropped); });
        registry.counter_callback("scenehost_pixel_clients_stalled_total",
                                  "Pixel clients closed because their queued frames went unwritten for --pixel-stall-s",
                                  [pixels] { return static_cast<double>(pixels->stats().stalled); });
        registry.counter_callback("scenehost_pixel_recoveries_total",
                                  "IDRs asked for by a pixel client that had fallen behind and caught up",
                                  [pixels] { return static_cast<double>(pixels->stats().recoveries); });
    }
}

}  // namespace scenehost::app
