// A protocol-speaking test client: sends v1 (greenfield spec) or v2 (napari-cuda's shipping
// dialect) frames and checks every frame the host sends against that dialect's validator
// (protocol::validate_frame, protocol::v2::validate_frame). notify.stream
// arrives whenever the encoder starts or changes its stream, so next() passes over it unless
// the client was made with keep_stream.
#pragma once

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <deque>
#include <string>

#include "protocol/server_frames.hpp"
#include "protocol/v2/frame_validator.hpp"
#include "support/ws_client.hpp"

namespace scenehost::test {

namespace json = boost::json;

class ControlClient {
public:
    explicit ControlClient(uint16_t port, ClientOptions options = {}, bool keep_stream = false, int protocol = 1)
        : ws_(port, options), keep_stream_(keep_stream), protocol_(protocol) {}

    int protocol() const { return protocol_; }

    void send(const json::object &frame) { ws_.send_text(json::serialize(frame)); }
    void send_raw(const std::string &text) { ws_.send_text(text); }

    // Extra session.hello features (e.g. {"notify.state": true}) for every later hello, set over
    // the defaults notify.scene, notify.layers and notify.stream.
    void set_features(json::object features) { extra_features_ = std::move(features); }

    void hello(json::object resume_tokens = {}, std::optional<std::string> token = std::nullopt) {
        json::object features{{"notify.scene", true}, {"notify.layers", true}, {"notify.stream", true}};
        if (protocol_ == 2) {  // as napari-cuda's client asks
            features["notify.dims"] = true;
            features["notify.camera"] = true;
        }
        for (const auto &kv : extra_features_) features[kv.key()] = kv.value();
        json::object payload{{"protocols", {protocol_}},
                             {"client", {{"name", "test-client"}, {"version", "1.0"}, {"platform", "linux"}}},
                             {"features", std::move(features)},
                             {"resume_tokens", std::move(resume_tokens)}};
        if (token) payload["auth"] = {{"type", "bearer"}, {"token", *token}};
        send({{"type", "session.hello"}, {"version", protocol_}, {"frame_id", "hello-1"}, {"timestamp", 1.0},
              {"payload", std::move(payload)}});
    }

    // hello, then the welcome; remembers the session id.
    json::object handshake(json::object resume_tokens = {}, std::optional<std::string> token = std::nullopt) {
        hello(std::move(resume_tokens), std::move(token));
        json::object welcome = expect("session.welcome");
        session_ = std::string(welcome.at("session").as_string());
        return welcome;
    }

    // Sends a state.update; returns its frame_id.
    std::string update(std::string_view scope, std::string_view target, std::string_view key, const json::value &value,
                       std::optional<uint64_t> base_version = std::nullopt) {
        const std::string id = std::to_string(++counter_);
        json::object payload{{"scope", scope}, {"target", target}, {"key", key}, {"value", value}};
        if (base_version) payload["base_version"] = *base_version;
        send({{"type", "state.update"}, {"version", protocol_}, {"session", session_}, {"frame_id", "state-" + id},
              {"intent_id", "intent-" + id}, {"timestamp", 1.0}, {"payload", std::move(payload)}});
        return "state-" + id;
    }

    std::string command(std::string_view name, json::array args = {}, json::object kwargs = {}) {
        const std::string id = "cmd-" + std::to_string(++counter_);
        send({{"type", "call.command"}, {"version", protocol_}, {"session", session_}, {"frame_id", id}, {"timestamp", 1.0},
              {"payload", {{"command", name}, {"args", std::move(args)}, {"kwargs", std::move(kwargs)}}}});
        return id;
    }

    // The next frame, validated; heartbeats are skipped unless asked for.
    json::object next(bool skip_heartbeats = true) {
        for (;;) {
            auto r = ws_.read();
            if (auto *closed = std::get_if<Closed>(&r)) {
                FAIL("connection closed (" << closed->reason.code << " " << closed->reason.reason << ")");
            }
            if (std::holds_alternative<TimedOut>(r)) FAIL("no frame within the read timeout");
            const std::string &text = std::get<Message>(r).text;
            const auto problem = protocol_ == 2 ? protocol::v2::validate_frame(text) : protocol::validate_frame(text);
            INFO(text);
            REQUIRE_FALSE(problem.has_value());
            json::object frame = json::parse(text).as_object();
            if (skip_heartbeats && frame.at("type") == "session.heartbeat") continue;
            if (!keep_stream_ && frame.at("type") == "notify.stream") continue;
            return frame;
        }
    }

    json::object expect(std::string_view type) {
        json::object frame = next();
        INFO(json::serialize(frame));
        REQUIRE(frame.at("type").as_string() == type);
        return frame;
    }

    // Reads until the connection closes; returns the close code.
    uint16_t expect_close() {
        for (;;) {
            auto r = ws_.read();
            if (auto *closed = std::get_if<Closed>(&r)) return closed->reason.code;
            if (std::holds_alternative<TimedOut>(r)) FAIL("the connection did not close");
        }
    }

    ReadResult read_raw() { return ws_.read(); }
    WsClient &ws() { return ws_; }
    const std::string &session() const { return session_; }

private:
    WsClient ws_;
    bool keep_stream_;
    int protocol_;
    std::string session_;
    json::object extra_features_;
    int counter_ = 0;
};

}  // namespace scenehost::test
