// The acceptor: admits each TCP connection under the host's limit (or has it refused), backs
// off when accepting fails, and hands the socket, plain or TLS, to an HttpSession.
#include "transport/listener.hpp"

#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>
#include <optional>
#include <spdlog/spdlog.h>
#include <stdexcept>

#include "transport/http_session.hpp"

namespace scenehost::transport {
namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;

// A failed accept (EMFILE, ENFILE, ENOBUFS) is retried after a pause that doubles up to a
// second, so a host out of file descriptors waits for one instead of spinning on the acceptor.
constexpr std::chrono::milliseconds kAcceptRetryFirst{10};
constexpr std::chrono::milliseconds kAcceptRetryMax{1000};

ssl::context make_tls_context(const TlsConfig &tls) {
    ssl::context context(ssl::context::tls_server);
    context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                        ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    beast::error_code error;
    context.use_certificate_chain_file(tls.certificate_chain.string(), error);
    if (error) {
        throw std::runtime_error(
            fmt::format("TLS certificate chain {}: {}", tls.certificate_chain.string(), error.message()));
    }
    context.use_private_key_file(tls.private_key.string(), ssl::context::pem, error);
    if (error) {
        throw std::runtime_error(fmt::format("TLS private key {}: {}", tls.private_key.string(), error.message()));
    }
    return context;
}

}  // namespace

struct Listener::State : std::enable_shared_from_this<Listener::State> {
    State(net::io_context &io, TransportConfig config, ConnectionGate &gate, TransportMetrics &counters,
          ControlEndpoint &control, PixelEndpoint *pixels, const StaticFiles *web, const MetricsText *metrics)
        : context{std::move(config), control, pixels, web, metrics, gate, counters},
          gate(gate),
          acceptor(io),
          retry_timer(io) {}

    void do_accept() {
        acceptor.async_accept([self = shared_from_this()](beast::error_code error, tcp::socket socket) {
            self->on_accept(error, std::move(socket));
        });
    }

    void on_accept(beast::error_code error, tcp::socket socket) {
        if (error == net::error::operation_aborted) return;  // stop()
        if (error) return retry_accept(error);
        if (retry_delay.count() > 0) {
            spdlog::info("accepting on {} again after {} failed accepts", endpoint_text(), failures_in_streak);
            retry_delay = {};
            failures_in_streak = 0;
        }
        beast::error_code ignored;
        const auto remote = socket.remote_endpoint(ignored);
        std::string peer = fmt::format("{}:{}", remote.address().to_string(), remote.port());
        socket.set_option(tcp::no_delay(true), ignored);  // frames are small and latency-bound
        if (context.config.socket_send_buffer_bytes > 0) {
            socket.set_option(net::socket_base::send_buffer_size(context.config.socket_send_buffer_bytes), ignored);
        }
        std::optional<ConnectionTicket> ticket = gate.admit();
        // Logged once per streak, like failed accepts: a flood must not flood the log too.
        if (!ticket) {
            context.counters.connections_refused.inc();
            if (refusals_in_streak++ == 0) {
                spdlog::warn("{}: refused with 503, and so is every connection until one of the {} open closes "
                             "(--max-connections)", peer, gate.limit());
            }
        } else if (refusals_in_streak > 0) {
            spdlog::info("admitting connections again after {} refused", refusals_in_streak);
            refusals_in_streak = 0;
        }
        if (tls) {
            using Tls = beast::ssl_stream<beast::tcp_stream>;
            std::make_shared<HttpSession<Tls>>(Tls(beast::tcp_stream(std::move(socket)), *tls), context,
                                               std::move(ticket), std::move(peer))
                ->run();
        } else {
            std::make_shared<HttpSession<beast::tcp_stream>>(beast::tcp_stream(std::move(socket)), context,
                                                             std::move(ticket), std::move(peer))
                ->run();
        }
        do_accept();
    }

    // Logged once per streak of failures: the first says why, the success after it how many.
    void retry_accept(beast::error_code error) {
        context.counters.accept_failures.inc();
        ++failures_in_streak;
        if (retry_delay.count() == 0) {
            spdlog::warn("accept on {} failed: {}; retrying after {} ms, then up to every {} ms until it succeeds",
                         endpoint_text(), error.message(), kAcceptRetryFirst.count(), kAcceptRetryMax.count());
            retry_delay = kAcceptRetryFirst;
        } else {
            retry_delay = std::min(retry_delay * 2, kAcceptRetryMax);
        }
        retry_timer.expires_after(retry_delay);
        retry_timer.async_wait([self = shared_from_this()](beast::error_code e) {
            if (!e && self->acceptor.is_open()) self->do_accept();  // else stop() came first
        });
    }

    std::string endpoint_text() const {
        beast::error_code ignored;
        const auto bound = acceptor.local_endpoint(ignored);
        return fmt::format("{}:{}", bound.address().to_string(), bound.port());
    }

    ListenerContext context;
    ConnectionGate &gate;
    tcp::acceptor acceptor;
    net::steady_timer retry_timer;
    std::chrono::milliseconds retry_delay{0};  // 0: the last accept succeeded
    uint64_t failures_in_streak = 0;
    uint64_t refusals_in_streak = 0;
    std::optional<ssl::context> tls;
};

Listener::Listener(net::io_context &io, TransportConfig config, ConnectionGate &gate, TransportMetrics &counters,
                   ControlEndpoint &control, PixelEndpoint *pixels, const StaticFiles *web, const MetricsText *metrics)
    : state_(std::make_shared<State>(io, std::move(config), gate, counters, control, pixels, web, metrics)) {
    const TransportConfig &c = state_->context.config;
    if (c.tls) state_->tls.emplace(make_tls_context(*c.tls));
    beast::error_code error;
    const auto address = net::ip::make_address(c.address, error);
    if (error) throw std::runtime_error(fmt::format("listen address '{}': {}", c.address, error.message()));
    const tcp::endpoint endpoint(address, c.port);
    auto &acceptor = state_->acceptor;
    acceptor.open(endpoint.protocol(), error);
    if (!error) acceptor.set_option(net::socket_base::reuse_address(true), error);
    if (!error) acceptor.bind(endpoint, error);
    if (!error) acceptor.listen(net::socket_base::max_listen_connections, error);
    if (error) throw std::runtime_error(fmt::format("listen on {}:{}: {}", c.address, c.port, error.message()));
}

Listener::~Listener() { stop(); }

tcp::endpoint Listener::local_endpoint() const { return state_->acceptor.local_endpoint(); }

void Listener::start() { state_->do_accept(); }

void Listener::stop() {
    beast::error_code ignored;  // closing an acceptor that is already closed is fine
    state_->acceptor.close(ignored);
    state_->retry_timer.cancel();
}

}  // namespace scenehost::transport
