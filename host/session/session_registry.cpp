// Sessions by id; shutdown and critical faults end every one of them.
#include "session/session_registry.hpp"

#include <fmt/format.h>

#include <spdlog/spdlog.h>

#include "base/assert.hpp"

namespace scenehost::session {

SessionRegistry::~SessionRegistry() { SCENEHOST_ASSERT(sessions_.empty(), "the transport stops before the registry goes"); }

std::shared_ptr<transport::ConnectionHandler> SessionRegistry::on_connect(
    std::shared_ptr<transport::Connection> connection) {
    auto session = std::make_shared<ControlSession>(services_, connection);
    session->start();
    return session;
}

namespace {

std::string dialect_label(const ControlSession &session) { return fmt::format("v{}", session.dialect().version()); }

}  // namespace

void SessionRegistry::activated(ControlSession &session) {
    const bool inserted = sessions_.emplace(session.id(), &session).second;
    SCENEHOST_ASSERT(inserted, "session ids are unique");
    metrics_.sessions.with({dialect_label(session)}).add(1);
}

void SessionRegistry::ended(ControlSession &session) {
    if (sessions_.erase(session.id()) > 0) metrics_.sessions.with({dialect_label(session)}).add(-1);
}

void SessionRegistry::shutdown() {
    stopping_ = true;
    // goodbye() ends the session, which leaves the registry: walk a copy.
    const auto sessions = sessions_;
    for (const auto &[id, session] : sessions) {
        session->goodbye("shutdown", "host_shutdown", transport::CloseCode::going_away);
    }
}

void SessionRegistry::fail_critical(std::string_view domain, std::string_view code, const std::string &message) {
    SCENEHOST_ASSERT(on_critical_ != nullptr, "the host says what a critical fault does before serving");
    if (failed_) return;
    failed_ = true;
    stopping_ = true;
    spdlog::critical("critical fault ({}): {}", code, message);
    // Each connection sends what is queued (pending acks and replies) before these frames, and
    // closes after them.
    const auto sessions = sessions_;
    for (const auto &[id, session] : sessions) {
        session->send(session->dialect().error(
            id, {std::string(domain), std::string(code), message, "critical", std::nullopt}));
        session->goodbye("error", "critical_fault", transport::CloseCode::internal_error);
    }
    on_critical_(message);
}

}  // namespace scenehost::session
