// Handshake, frames through the router table, errors answered in kind, heartbeats.
#include "session/control_session.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "base/assert.hpp"

namespace scenehost::session {

using protocol::FrameType;
using store::Topic;

FrameTable ControlSession::frame_table() {
    FrameTable table;
    table.on<protocol::Hello>([](ControlSession &s, const auto &e, const auto &p) { s.on_hello(e, p); })
        .on<protocol::StateUpdate>([](ControlSession &s, const auto &e, const auto &p) { s.on_update(e, p); })
        .on<protocol::CallCommand>([](ControlSession &s, const auto &e, const auto &p) { s.on_command(e, p); })
        .on<protocol::SessionAck>([](ControlSession &s, const auto &e, const auto &p) { s.on_ack(e, p); })
        .on<protocol::Goodbye>([](ControlSession &s, const auto &e, const auto &p) { s.on_goodbye(e, p); });
    SCENEHOST_ASSERT(table.complete(), "every client frame type has a handler");
    return table;
}

ControlSession::ControlSession(const SessionServices &services, std::weak_ptr<transport::Connection> connection)
    : services_(services),
      connection_(std::move(connection)),
      hello_timer_(services.io),
      heartbeat_timer_(services.io),
      bucket_tokens_(services.config.update_burst),
      bucket_time_us_(services.clock.now_us()) {}

ControlSession::~ControlSession() {
    if (state_ == State::active) end();
}

std::shared_ptr<transport::Connection> ControlSession::connection() const {
    auto connection = connection_.lock();
    SCENEHOST_ASSERT(connection != nullptr, "the connection owns this session, so it lives while the session acts");
    return connection;
}

void ControlSession::start() {
    hello_timer_.expires_after(services_.config.hello_timeout);
    hello_timer_.async_wait([weak = weak_from_this()](boost::system::error_code error) {
        auto self = weak.lock();
        if (error || !self || self->state_ != State::awaiting_hello) return;
        // Nothing was said, so the spec's dialect.
        self->reject(self->services_.dialects.v1(), {"session.timeout", "no session.hello within the hello timeout"});
    });
}

void ControlSession::send(std::string text, transport::SendClass send_class, std::string coalesce_key) {
    if (state_ == State::closed) return;
    // Every frame comes from protocol::write_frame, which writes the type first.
    constexpr std::string_view kPrefix = "{\"type\":\"";
    SCENEHOST_ASSERT(text.starts_with(kPrefix) && text.find('"', kPrefix.size()) != std::string::npos,
                     "frames are written by protocol::write_frame");
    const std::string type = text.substr(kPrefix.size(), text.find('"', kPrefix.size()) - kPrefix.size());
    services_.metrics.frames_sent.with({type}).inc();
    services_.metrics.bytes_sent.with({type}).inc(text.size());
    connection()->send_text(std::make_shared<const std::string>(std::move(text)), send_class, std::move(coalesce_key));
}

protocol::Dialect &ControlSession::dialect() const {
    SCENEHOST_ASSERT(dialect_ != nullptr, "only a session whose hello was accepted has a dialect");
    return *dialect_;
}

void ControlSession::on_text(std::string_view text) {
    if (state_ == State::closed) return;
    if (state_ == State::awaiting_hello) {
        auto negotiated = protocol::negotiate(text, services_.dialects);
        if (auto *refused = std::get_if<protocol::HelloRefused>(&negotiated)) {
            return reject(*refused->dialect, std::move(refused->reject));
        }
        auto &accepted = std::get<protocol::HelloAccepted>(negotiated);
        dialect_ = accepted.dialect;
        return handshake(accepted.hello);
    }
    silent_heartbeats_ = 0;  // any frame from the client proves it is alive
    auto parsed = dialect_->parse(text);
    if (std::holds_alternative<protocol::Keepalive>(parsed)) return;
    if (auto *error = std::get_if<protocol::ProtocolError>(&parsed)) return on_error(*error);
    const auto &frame = std::get<protocol::ClientFrame>(parsed);
    if (frame.envelope.session && *frame.envelope.session != id_) {
        return on_error({std::string(protocol::kInvalidEnvelope),
                         fmt::format("envelope field 'session' is '{}', not this connection's session",
                                     *frame.envelope.session),
                         "session", frame.envelope.type, frame.envelope.frame_id, frame.envelope.intent_id});
    }
    services_.router.dispatch(*this, frame);
}

void ControlSession::handshake(const protocol::Hello &hello) {
    hello_timer_.cancel();
    const SessionConfig &config = services_.config;
    protocol::Dialect &d = *dialect_;
    if (!services_.directory.accepting()) return reject(d, {"session.unavailable", "the host is shutting down"});
    if (!config.bearer_tokens.empty()) {
        if (hello.auth_type != "bearer" || !hello.auth_token) {
            return reject(d, {"session.unauthorized", "this host requires payload.auth {type: \"bearer\", token}"});
        }
        const auto &tokens = config.bearer_tokens;
        if (std::find(tokens.begin(), tokens.end(), *hello.auth_token) == tokens.end()) {
            return reject(d, {"session.unauthorized", "the bearer token is not accepted"});
        }
    }
    // Resume tokens: a malformed one is refused; a stale one just means a fresh baseline.
    broadcast::Subscription subscription;
    const auto wanted = hello.features.find(store::topic_name(Topic::state));
    subscription.state_topic = wanted != hello.features.end() && wanted->second;
    for (Topic topic : store::kResumableTopics) {
        const auto it = hello.resume_tokens.find(store::topic_name(topic));
        if (it != hello.resume_tokens.end() && it->second && !it->second->empty()) {
            subscription.tokens.emplace(topic, *it->second);
        }
    }
    while (auto bad = services_.broadcaster.check_tokens(subscription)) {
        if (d.refuses_malformed_tokens()) {
            return reject(d, {"session.invalid_resume_token",
                              fmt::format("resume_tokens.{}: {}", store::topic_name(bad->topic), bad->reason),
                              boost::json::object{{"topic", store::topic_name(bad->topic)}}});
        }
        subscription.tokens.erase(bad->topic);  // as if stale: that topic starts from a baseline
    }

    id_ = d.new_session_id();
    actor_ = fmt::format("{}#{}", hello.client.name, id_.substr(0, 8));
    state_ = State::active;
    services_.directory.activated(*this);

    protocol::Welcome welcome{id_, config.heartbeat_s, config.ack_timeout_ms, {}};
    auto resumable = [&](Topic topic) {
        const store::Cursor c = services_.broadcaster.cursor(topic);
        return protocol::FeatureState{true, 1, true, std::nullopt, protocol::ResumeState{c.seq, c.delta_token}};
    };
    for (Topic topic : {Topic::scene, Topic::layers, Topic::stream}) {
        welcome.features[std::string(store::topic_name(topic))] = resumable(topic);
    }
    welcome.features[std::string(store::topic_name(Topic::state))] =
        subscription.state_topic ? resumable(Topic::state) : protocol::FeatureState{false};
    welcome.features["notify.dims"] = {true, 1, false, std::nullopt, std::nullopt};
    welcome.features["notify.camera"] = {true, 1, false, std::nullopt, std::nullopt};
    welcome.features["notify.error"] = {true, 1, false, std::nullopt, std::nullopt};
    welcome.features["notify.telemetry"] = {false};
    welcome.features["call.command"] = {true, 1, std::nullopt, services_.lane.command_names(), std::nullopt};
    send(d.welcome(welcome));

    const bool resumed = services_.broadcaster.join(*this, subscription);
    const bool offered = std::any_of(hello.resume_tokens.begin(), hello.resume_tokens.end(),
                                     [](const auto &token) { return token.second && !token.second->empty(); });
    if (offered) services_.metrics.resumes.with({resumed ? "replayed" : "baseline"}).inc();
    spdlog::info("session {} ({}, protocol {}) from {} {}", id_, actor_, d.version(), connection()->peer(),
                 resumed ? "resumed" : "started");
    arm_heartbeat();
}

void ControlSession::on_hello(const protocol::Envelope &, const protocol::Hello &) {
    send(dialect_->error(id_, {"session", "session.duplicate_hello",
                                       "session.hello was already accepted on this connection", "warning",
                                       std::nullopt}));
}

void ControlSession::on_update(const protocol::Envelope &envelope, const protocol::StateUpdate &update) {
    if (!take_update_token()) {
        const double rate = services_.config.updates_per_s;
        return services_.lane.refuse(
            sender(), *envelope.intent_id, *envelope.frame_id, &update,
            {"state.rate_limited",
             fmt::format("more than {} state.update per second (burst {})", rate, services_.config.update_burst),
             boost::json::object{{"limit_per_s", rate},
                                 {"retry_after_ms", static_cast<int64_t>(std::ceil(1000.0 / rate))}}});
    }
    services_.lane.update(sender(), envelope, update);
}

void ControlSession::on_command(const protocol::Envelope &envelope, const protocol::CallCommand &call) {
    services_.lane.command(sender(), envelope, call);
}

void ControlSession::on_ack(const protocol::Envelope &, const protocol::SessionAck &) {
    // Liveness only: on_text already counted it.
}

void ControlSession::on_goodbye(const protocol::Envelope &, const protocol::Goodbye &) {
    goodbye("goodbye", "client_goodbye", transport::CloseCode::normal);
}

void ControlSession::on_error(const protocol::ProtocolError &error) {
    spdlog::debug("session {}: {}: {}", id_, error.code, error.message);
    if (error.type == FrameType::state_update && error.frame_id && error.intent_id) {
        return services_.lane.refuse(sender(), *error.intent_id, *error.frame_id, nullptr,
                                     {error.code, error.message, boost::json::object{{"field", error.field}}});
    }
    if (error.type == FrameType::call_command && error.frame_id) {
        return send(dialect_->error_command(id_, *error.frame_id, error.code, error.message,
                                            boost::json::object{{"field", error.field}}));
    }
    send(dialect_->error(id_, {"protocol", error.code, error.message, "warning",
                               boost::json::object{{"field", error.field}}}));
}

void ControlSession::reject(protocol::Dialect &dialect, protocol::Reject reject) {
    spdlog::info("control {}: session.reject {}: {}", connection()->peer(), reject.code, reject.message);
    send(dialect.reject(reject));
    connection()->close(transport::CloseCode::policy, "session rejected");
    state_ = State::closed;
    hello_timer_.cancel();
    heartbeat_timer_.cancel();
}

void ControlSession::on_drained() {
    if (state_ == State::active) services_.broadcaster.drained(*this);
}

size_t ControlSession::queued_bytes() const {
    const auto c = connection_.lock();
    return c ? c->queued_bytes() : 0;
}

void ControlSession::goodbye(std::string code, std::string reason, transport::CloseCode close_code) {
    send(dialect_->goodbye(id_, {std::move(code), std::nullopt, std::move(reason)}));
    connection()->close(close_code, "goodbye");
    end();
}

void ControlSession::end() {
    if (state_ == State::active) {
        services_.broadcaster.leave(*this);
        services_.directory.ended(*this);
    }
    state_ = State::closed;
    hello_timer_.cancel();
    heartbeat_timer_.cancel();
}

void ControlSession::arm_heartbeat() {
    heartbeat_timer_.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(services_.config.heartbeat_s)));
    heartbeat_timer_.async_wait([weak = weak_from_this()](boost::system::error_code error) {
        auto self = weak.lock();
        if (error || !self || !self->active()) return;
        if (self->silent_heartbeats_ >= 2) {
            spdlog::info("session {}: two heartbeats unanswered, closing", self->id_);
            return self->goodbye("timeout", "heartbeat_timeout", transport::CloseCode::internal_error);
        }
        self->send(self->dialect_->heartbeat(self->id_));
        ++self->silent_heartbeats_;
        self->arm_heartbeat();
    });
}

bool ControlSession::take_update_token() {
    const SessionConfig &config = services_.config;
    const int64_t now = services_.clock.now_us();
    const double elapsed_s = static_cast<double>(now - bucket_time_us_) / 1e6;
    bucket_time_us_ = now;
    bucket_tokens_ = std::min(config.update_burst, bucket_tokens_ + elapsed_s * config.updates_per_s);
    if (bucket_tokens_ < 1.0) return false;
    bucket_tokens_ -= 1.0;
    return true;
}

void ControlSession::on_closed() { end(); }

}  // namespace scenehost::session
