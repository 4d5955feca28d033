// What GET /metrics shows: every part of a running host registers its counters, gauges and
// histograms here under Prometheus names (docs/metrics.md lists them).
#pragma once

#include "app/state_keeper.hpp"
#include "engine/state_engine.hpp"
#include "metrics/metrics.hpp"
#include "pixel/encode_pipeline.hpp"
#include "pixel/pixel_hub.hpp"
#include "render/render_worker.hpp"
#include "session/control_plane.hpp"
#include "store/audit_log.hpp"
#include "transport/connection_gate.hpp"
#include "transport/transport_metrics.hpp"

namespace scenehost::app {

// The parts of a host; the render, encode and pixel parts are null when it does not render.
// Each must outlive the registry's scrapes, which run on the io thread.
struct HostParts {
    const session::ControlPlane &plane;
    const engine::StateEngine &engine;
    const store::AuditLog &audit;
    const StateKeeper &state;
    const render::RenderWorker *renderer;
    const pixel::EncodePipeline *pipeline;
    const pixel::PixelHub *pixels;
    const transport::ConnectionGate &connections;
    const transport::TransportMetrics &transport;
};

void register_host_metrics(metrics::Registry &registry, const HostParts &parts);

}  // namespace scenehost::app
