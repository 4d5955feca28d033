// GET /metrics on the real host: Prometheus text whose counters move with what clients do.
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include "integration/control_fixture.hpp"
#include "support/control_client.hpp"
#include "support/host_process.hpp"
#include "support/ws_client.hpp"

using namespace scenehost::test;

namespace {

// Every sample of an exposition, by `name{labels}`.
using Samples = std::map<std::string, double>;

Samples scrape(uint16_t port) {
    const auto [status, body] = http_get(port, "/metrics");
    REQUIRE(status == 200);
    Samples samples;
    std::istringstream lines(body);
    for (std::string line; std::getline(lines, line);) {
        if (line.empty() || line[0] == '#') continue;
        const auto space = line.rfind(' ');
        REQUIRE(space != std::string::npos);
        samples[line.substr(0, space)] = std::stod(line.substr(space + 1));
    }
    return samples;
}

double at(const Samples &samples, const std::string &key) {
    INFO("sample " << key);
    REQUIRE(samples.contains(key));
    return samples.at(key);
}

// Scrapes until `key` reaches at least `minimum` (frames are rendered and encoded on their own threads).
Samples scrape_until(uint16_t port, const std::string &key, double minimum) {
    for (int attempt = 0; attempt < 200; ++attempt) {
        Samples samples = scrape(port);
        if (samples.contains(key) && samples.at(key) >= minimum) return samples;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL(key << " never reached " << minimum);
    return {};
}

// The next ack.state's payload, past the notifies before it.
json::object next_ack(ControlClient &client) {
    for (;;) {
        json::object frame = client.next();
        if (frame.at("type") == "ack.state") return payload(frame);
    }
}

}  // namespace

TEST_CASE("GET /metrics: sessions, updates, frames, resumes, pixels and the audit log, counted") {
    HostProcess host(host_args());
    const auto [status, body] = http_get(host.port(), "/metrics");
    CHECK(status == 200);
    CHECK_THAT(body, Catch::Contains("# TYPE scenehost_updates_accepted_total counter\n") &&
                         Catch::Contains("# TYPE scenehost_render_seconds histogram\n") &&
                         Catch::Contains("# TYPE scenehost_sessions gauge\n") &&
                         Catch::Contains("# HELP scenehost_audit_fsync_seconds ") &&
                         Catch::Contains("# TYPE scenehost_connections gauge\n") &&
                         Catch::Contains("# TYPE scenehost_connections_refused_total counter\n") &&
                         Catch::Contains("# TYPE scenehost_accept_failures_total counter\n") &&
                         Catch::Contains("# TYPE scenehost_write_timeouts_total counter\n") &&
                         Catch::Contains("# TYPE scenehost_http_errors_total counter\n"));
    const Samples before = scrape(host.port());
    CHECK(at(before, "scenehost_updates_accepted_total") == 0);
    CHECK_FALSE(before.contains("scenehost_sessions{dialect=\"v1\"}"));

    json::object tokens;
    {
        ControlClient a(host.port());
        a.handshake();
        tokens["notify.scene"] = a.expect("notify.scene").at("delta_token");
        a.update("layer", "layer-1", "opacity", 0.25);
        CHECK(payload(a.expect("ack.state")).at("status") == "accepted");
        tokens["notify.layers"] = a.expect("notify.layers").at("delta_token");
        a.update("layer", "layer-1", "opacity", 7.0);
        CHECK(payload(a.expect("ack.state")).at("error").at("code") == "state.out_of_range");
        ControlClient b(host.port(), {}, false, 2);  // napari-cuda's dialect
        b.handshake();
        const Samples during = scrape(host.port());
        CHECK(at(during, "scenehost_sessions{dialect=\"v1\"}") == 1);
        CHECK(at(during, "scenehost_sessions{dialect=\"v2\"}") == 1);
        CHECK(at(during, "scenehost_updates_accepted_total") == 1);
        CHECK(at(during, "scenehost_updates_rejected_total{code=\"state.out_of_range\"}") == 1);
        CHECK(at(during, "scenehost_control_frames_sent_total{type=\"ack.state\"}") == 2);
        CHECK(at(during, "scenehost_control_frames_sent_total{type=\"session.welcome\"}") == 2);
        CHECK(at(during, "scenehost_control_sent_bytes_total{type=\"notify.layers\"}") > 0);
        CHECK(at(during, "scenehost_audit_entries_total") >= at(before, "scenehost_audit_entries_total") + 2);
        CHECK(at(during, "scenehost_audit_written_bytes_total") > at(before, "scenehost_audit_written_bytes_total"));
        a.ws().close();
    }
    // A resume by token replays; one with a stale token would get a baseline.
    ControlClient resumed(host.port());
    resumed.handshake(tokens);
    resumed.update("layer", "layer-1", "opacity", 0.5);  // its ack follows the replay: the resume is counted
    while (resumed.next().at("type") != "ack.state") {
    }
    WsClient pixels(host.port(), {.path = "/pixels"});
    const Samples after = scrape_until(host.port(), "scenehost_pixel_frames_sent_total", 1);
    CHECK(at(after, "scenehost_resumes_total{result=\"replayed\"}") == 1);
    CHECK_FALSE(after.contains("scenehost_resumes_total{result=\"baseline\"}"));
    CHECK(at(after, "scenehost_sessions{dialect=\"v1\"}") == 1);  // a closed, resumed
    CHECK(at(after, "scenehost_updates_accepted_total") == 2);
    CHECK(at(after, "scenehost_pixel_clients") == 1);
    CHECK(at(after, "scenehost_frames_rendered_total") >= 1);
    CHECK(at(after, "scenehost_frames_encoded_total") >= 1);
    // Each frame's time is observed as it is drawn, its count taken after: a scrape between the
    // two sees one more time than frames (and for encoding, one frame more than times).
    const double rendered = at(after, "scenehost_frames_rendered_total");
    CHECK((at(after, "scenehost_render_seconds_count") == rendered ||
           at(after, "scenehost_render_seconds_count") == rendered + 1));
    CHECK(at(after, "scenehost_render_seconds_bucket{le=\"+Inf\"}") == at(after, "scenehost_render_seconds_count"));
    CHECK(at(after, "scenehost_render_seconds_sum") > 0);
    const double encoded = at(after, "scenehost_frames_encoded_total");
    CHECK((at(after, "scenehost_encode_seconds_count") == encoded ||
           at(after, "scenehost_encode_seconds_count") == encoded - 1));
}

TEST_CASE("a canvas beyond --max-canvas-pixels is refused with state.out_of_range, and counted") {
    HostProcess host(host_args({"--max-canvas-pixels", "2073600"}));  // 1920 x 1080
    ControlClient client(host.port());
    client.handshake();
    client.update("layer", "layer-1", "opacity", 0.5);  // a delta the resumable history keeps
    CHECK(next_ack(client).at("status") == "accepted");
    client.update("view", "main", "canvas_size", json::array{1920, 1080});
    CHECK(next_ack(client).at("status") == "accepted");
    client.update("view", "main", "canvas_size", json::array{1921, 1080});
    const json::object refused = next_ack(client);
    REQUIRE(refused.at("status") == "rejected");
    CHECK(refused.at("error").at("code") == "state.out_of_range");
    CHECK(refused.at("error").at("message") ==
          "view.canvas_size 1921x1080 is 2074680 pixels; this host renders at most 2073600 (--max-canvas-pixels)");
    CHECK(refused.at("error").at("details").at("maximum") == 2073600);
    CHECK(refused.at("error").at("details").at("limit") == "canvas_pixels");
    const Samples samples = scrape(host.port());
    CHECK(at(samples, "scenehost_limit_refusals_total{limit=\"canvas_pixels\"}") == 1);
    CHECK(at(samples, "scenehost_updates_rejected_total{code=\"state.out_of_range\"}") == 1);
    CHECK(at(samples, "scenehost_history_bytes") > 0);

    // The default: 8192 x 8192, the most the scene model allows, would take ~2 GiB; 4K is fine.
    HostProcess defaults(host_args());
    ControlClient other(defaults.port());
    other.handshake();
    other.update("view", "main", "canvas_size", json::array{8192, 8192});
    CHECK(next_ack(other).at("error").at("code") == "state.out_of_range");
    other.update("view", "main", "canvas_size", json::array{3840, 2160});
    CHECK(next_ack(other).at("status") == "accepted");
}

TEST_CASE("GET /metrics: the transport's connections, refusals past --max-connections and HTTP errors by status") {
    HostProcess host(host_args({"--no-render", "--max-connections", "2"}));
    CHECK(http_get(host.port(), "/nope").first == 404);
    std::optional<WsClient> first(std::in_place, host.port());
    WsClient second(host.port());
    // The limit is full: a third connection is answered 503 (http_get reads that answer).
    CHECK(http_get(host.port(), "/healthz") ==
          std::pair<int, std::string>{503, "scenehost: connection limit (2) reached; try again later\n"});
    first.reset();
    for (int attempt = 0; attempt < 100 && http_get(host.port(), "/healthz").first != 200; ++attempt) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // until the host has seen the close
    }
    const Samples samples = scrape(host.port());
    CHECK(at(samples, "scenehost_connections") == 2);  // the second client and this scrape
    CHECK(at(samples, "scenehost_connections_refused_total") >= 1);
    CHECK(at(samples, "scenehost_http_errors_total{status=\"503\"}") == at(samples, "scenehost_connections_refused_total"));
    CHECK(at(samples, "scenehost_http_errors_total{status=\"404\"}") == 1);
    CHECK(at(samples, "scenehost_write_timeouts_total") == 0);
    CHECK(at(samples, "scenehost_accept_failures_total") == 0);
}
