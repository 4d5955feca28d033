// Handshake, routing by frame type, errors answered in kind, heartbeats.
#include "session/control_session.hpp"

#include <algorithm>
#include <chrono>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "base/assert.hpp"
#include "session/control_hub.hpp"

namespace scenehost::session {

using protocol::FrameType;

ControlSession::ControlSession(ControlHub &hub, std::weak_ptr<transport::Connection> connection)
    : hub_(hub),
      connection_(std::move(connection)),
      hello_timer_(hub.io_),
      heartbeat_timer_(hub.io_),
      bucket_tokens_(hub.config_.update_burst),
      bucket_time_us_(hub.clock_.now_us()) {}

ControlSession::~ControlSession() {
    if (state_ == State::active) hub_.deactivate(*this);
}

std::shared_ptr<transport::Connection> ControlSession::connection() const {
    auto connection = connection_.lock();
    SCENEHOST_ASSERT(connection != nullptr, "the connection owns this session, so it lives while the session acts");
    return connection;
}

void ControlSession::start() {
    hello_timer_.expires_after(hub_.config_.hello_timeout);
    hello_timer_.async_wait([weak = weak_from_this()](boost::system::error_code error) {
        auto self = weak.lock();
        if (error || !self || self->state_ != State::awaiting_hello) return;
        self->reject("session.timeout", "no session.hello within the hello timeout");
    });
}

void ControlSession::send(std::string text, transport::SendClass send_class, std::string coalesce_key) {
    if (state_ == State::closed) return;
    connection()->send_text(std::make_shared<const std::string>(std::move(text)), send_class, std::move(coalesce_key));
}

void ControlSession::on_text(std::string_view text) {
    if (state_ == State::closed) return;
    auto parsed = protocol::parse_client_frame(text);
    if (state_ == State::awaiting_hello) {
        if (auto *error = std::get_if<protocol::ProtocolError>(&parsed)) return reject(error->code, error->message);
        const auto &frame = std::get<protocol::ClientFrame>(parsed);
        if (frame.envelope.type != FrameType::session_hello) {
            return reject("session.unexpected_message",
                          fmt::format("the first frame must be session.hello, not {}", type_name(frame.envelope.type)));
        }
        return on_hello(std::get<protocol::Hello>(frame.payload));
    }
    silent_heartbeats_ = 0;  // any frame from the client proves it is alive
    if (auto *error = std::get_if<protocol::ProtocolError>(&parsed)) return on_error(*error);
    on_frame(std::get<protocol::ClientFrame>(parsed));
}

void ControlSession::on_hello(const protocol::Hello &hello) {
    hello_timer_.cancel();
    if (hub_.stopping_) return reject("session.unavailable", "the host is shutting down");
    if (std::find(hello.protocols.begin(), hello.protocols.end(), protocol::kProtocolVersion) == hello.protocols.end()) {
        return reject("session.unsupported_protocol",
                      fmt::format("this host speaks protocol {}, the client offered {}", protocol::kProtocolVersion,
                                  fmt::join(hello.protocols, ", ")),
                      {{"supported", boost::json::array{protocol::kProtocolVersion}}});
    }
    const auto &tokens = hub_.config_.bearer_tokens;
    if (!tokens.empty()) {
        if (hello.auth_type != "bearer" || !hello.auth_token) {
            return reject("session.unauthorized", "this host requires payload.auth {type: \"bearer\", token}");
        }
        if (std::find(tokens.begin(), tokens.end(), *hello.auth_token) == tokens.end()) {
            return reject("session.unauthorized", "the bearer token is not accepted");
        }
    }
    // Resume tokens: a malformed one is refused; a stale one just means a fresh baseline.
    bool resumable = true;
    for (store::Topic topic : {store::Topic::scene, store::Topic::layers, store::Topic::stream}) {
        const auto it = hello.resume_tokens.find(store::topic_name(topic));
        if (it == hello.resume_tokens.end() || !it->second || it->second->empty()) {
            if (topic != store::Topic::stream) resumable = false;
            continue;
        }
        const auto result = hub_.history_.replay_since(topic, *it->second);
        if (const auto *bad = std::get_if<store::MalformedToken>(&result)) {
            return reject("session.invalid_resume_token",
                          fmt::format("resume_tokens.{}: {}", store::topic_name(topic), bad->reason),
                          {{"topic", store::topic_name(topic)}});
        }
        if (!std::holds_alternative<store::Replay>(result) && topic != store::Topic::stream) resumable = false;
    }
    id_ = hub_.builder_.new_session_id();
    actor_ = fmt::format("{}#{}", hello.client.name, id_.substr(0, 8));
    state_ = State::active;
    hub_.activate(*this);
    spdlog::info("session {} ({}) from {} {}", id_, actor_, connection()->peer(), resumable ? "resumed" : "started");
    hub_.send_baseline(*this, hello, resumable);
    arm_heartbeat();
}

void ControlSession::on_frame(const protocol::ClientFrame &frame) {
    const protocol::Envelope &envelope = frame.envelope;
    if (envelope.session && *envelope.session != id_) {
        return on_error({std::string(protocol::kInvalidEnvelope),
                         fmt::format("envelope field 'session' is '{}', not this connection's session", *envelope.session),
                         "session", envelope.type, envelope.frame_id, envelope.intent_id});
    }
    // The router: one handler per client frame type.
    std::visit(
        [&](const auto &payload) {
            using Payload = std::decay_t<decltype(payload)>;
            if constexpr (std::is_same_v<Payload, protocol::StateUpdate>) {
                if (!take_update_token()) {
                    const double rate = hub_.config_.updates_per_s;
                    send(hub_.builder_.ack_rejected(
                        id_, *envelope.intent_id, *envelope.frame_id,
                        {"state.rate_limited",
                         fmt::format("more than {} state.update per second (burst {})", rate, hub_.config_.update_burst),
                         boost::json::object{{"limit_per_s", rate},
                                             {"retry_after_ms", static_cast<int64_t>(std::ceil(1000.0 / rate))}}},
                        std::nullopt));
                    return;
                }
                hub_.handle_update(*this, envelope, payload);
            } else if constexpr (std::is_same_v<Payload, protocol::CallCommand>) {
                hub_.handle_command(*this, envelope, payload);
            } else if constexpr (std::is_same_v<Payload, protocol::SessionAck>) {
                // Liveness only: already counted above.
            } else if constexpr (std::is_same_v<Payload, protocol::Goodbye>) {
                goodbye("goodbye", "client_goodbye", transport::CloseCode::normal);
            } else if constexpr (std::is_same_v<Payload, protocol::Hello>) {
                send(hub_.builder_.error(id_, {"session", "session.duplicate_hello",
                                               "session.hello was already accepted on this connection", "warning",
                                               std::nullopt}));
            }
        },
        frame.payload);
}

void ControlSession::on_error(const protocol::ProtocolError &error) {
    spdlog::debug("session {}: {}: {}", id_, error.code, error.message);
    if (error.type == FrameType::state_update && error.frame_id && error.intent_id) {
        return send(hub_.builder_.ack_rejected(id_, *error.intent_id, *error.frame_id,
                                               {error.code, error.message, boost::json::object{{"field", error.field}}},
                                               std::nullopt));
    }
    if (error.type == FrameType::call_command && error.frame_id) {
        return send(hub_.builder_.error_command(id_, *error.frame_id, error.code, error.message,
                                                boost::json::object{{"field", error.field}}));
    }
    send(hub_.builder_.error(id_, {"protocol", error.code, error.message, "warning",
                                   boost::json::object{{"field", error.field}}}));
}

void ControlSession::reject(std::string code, std::string message, boost::json::object details) {
    spdlog::info("control {}: session.reject {}: {}", connection()->peer(), code, message);
    std::optional<boost::json::object> d;
    if (!details.empty()) d = std::move(details);
    send(hub_.builder_.reject({std::move(code), std::move(message), std::move(d)}));
    connection()->close(transport::CloseCode::policy, "session rejected");
    state_ = State::closed;
    stop_timers();
}

void ControlSession::on_drained() { hub_.continue_replay(*this); }

size_t ControlSession::queued_bytes() const {
    const auto c = connection_.lock();
    return c ? c->queued_bytes() : 0;
}

void ControlSession::goodbye(std::string code, std::string reason, transport::CloseCode close_code) {
    send(hub_.builder_.goodbye(id_, {std::move(code), std::nullopt, std::move(reason)}));
    connection()->close(close_code, "goodbye");
    hub_.deactivate(*this);
    state_ = State::closed;
    stop_timers();
}

void ControlSession::arm_heartbeat() {
    heartbeat_timer_.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(hub_.config_.heartbeat_s)));
    heartbeat_timer_.async_wait([weak = weak_from_this()](boost::system::error_code error) {
        auto self = weak.lock();
        if (error || !self || !self->active()) return;
        if (self->silent_heartbeats_ >= 2) {
            spdlog::info("session {}: two heartbeats unanswered, closing", self->id_);
            return self->goodbye("timeout", "heartbeat_timeout", transport::CloseCode::internal_error);
        }
        self->send(self->hub_.builder_.heartbeat(self->id_));
        ++self->silent_heartbeats_;
        self->arm_heartbeat();
    });
}

bool ControlSession::take_update_token() {
    const int64_t now = hub_.clock_.now_us();
    const double elapsed_s = static_cast<double>(now - bucket_time_us_) / 1e6;
    bucket_time_us_ = now;
    bucket_tokens_ = std::min(hub_.config_.update_burst, bucket_tokens_ + elapsed_s * hub_.config_.updates_per_s);
    if (bucket_tokens_ < 1.0) return false;
    bucket_tokens_ -= 1.0;
    return true;
}

void ControlSession::stop_timers() {
    hello_timer_.cancel();
    heartbeat_timer_.cancel();
}

void ControlSession::on_closed() {
    if (state_ == State::active) hub_.deactivate(*this);
    state_ = State::closed;
    stop_timers();
}

}  // namespace scenehost::session
