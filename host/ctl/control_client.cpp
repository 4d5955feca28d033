// ControlClient: the Beast chain resolve -> connect -> TLS -> upgrade -> hello -> welcome, then a
// read loop that answers heartbeats, matches replies to requests and rings notify frames. Every
// handler runs on the one io thread; a failure is recorded once and handed to every waiter.
#include "ctl/control_client.hpp"

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>
#include <future>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <random>
#include <set>
#include <thread>

#include "base/assert.hpp"
#include "base/clock.hpp"

namespace scenehost::ctl {

namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
namespace net = boost::asio;
namespace json = boost::json;
using protocol::FrameType;

Failure::Failure(FailureKind kind, std::string code, std::string message, bool session_lost)
    : std::runtime_error(code + ": " + message), kind_(kind), code_(std::move(code)), message_(std::move(message)),
      session_lost_(session_lost) {}

std::variant<Endpoint, std::string> parse_url(std::string_view url) {
    Endpoint endpoint;
    std::string_view rest;
    if (url.starts_with("ws://")) {
        rest = url.substr(5);
    } else if (url.starts_with("wss://")) {
        endpoint.tls = true;
        rest = url.substr(6);
    } else {
        return fmt::format("'{}' must start with ws:// or wss://", url);
    }
    for (const char c : rest) {
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
            return fmt::format("'{}' holds a space or control character", url);
        }
    }
    if (rest.find('#') != std::string_view::npos) return fmt::format("'{}': a control URL has no #fragment", url);
    const size_t authority_end = rest.find_first_of("/?");
    const std::string_view authority = rest.substr(0, authority_end);
    const std::string_view target = authority_end == std::string_view::npos ? "" : rest.substr(authority_end);
    if (authority.find('@') != std::string_view::npos) {
        return fmt::format("'{}': user information (user@) is not supported; use --token", url);
    }
    std::string_view port;
    if (authority.starts_with('[')) {
        const size_t close = authority.find(']');
        if (close == std::string_view::npos || close == 1) return fmt::format("'{}': bad [IPv6] host", url);
        endpoint.host = std::string(authority.substr(1, close - 1));
        const std::string_view after = authority.substr(close + 1);
        if (!after.empty() && !after.starts_with(':')) return fmt::format("'{}': ':' must follow the ]", url);
        if (!after.empty()) port = after.substr(1);
        if (after == ":") return fmt::format("'{}': empty port", url);
    } else {
        const size_t colon = authority.find(':');
        endpoint.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) {
            port = authority.substr(colon + 1);
            if (port.empty()) return fmt::format("'{}': empty port", url);
        }
        for (const char c : endpoint.host) {
            const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                            c == '.' || c == '_';
            if (!ok) return fmt::format("'{}': the host may hold only letters, digits, '-', '.' and '_'", url);
        }
    }
    if (endpoint.host.empty()) return fmt::format("'{}' names no host", url);
    if (port.empty()) {
        endpoint.port = endpoint.tls ? "443" : "80";
    } else {
        unsigned value = 0;
        for (const char c : port) {
            if (c < '0' || c > '9' || port.size() > 5) return fmt::format("'{}': the port must be 1 to 65535", url);
            value = value * 10 + unsigned(c - '0');
        }
        if (value < 1 || value > 65535) return fmt::format("'{}': the port must be 1 to 65535", url);
        endpoint.port = std::to_string(value);
    }
    endpoint.target = target.empty() ? "/" : target.starts_with('?') ? "/" + std::string(target) : std::string(target);
    return endpoint;
}

NotifyRing::NotifyRing(size_t capacity) : capacity_(capacity) {
    SCENEHOST_ASSERT(capacity > 0, "a ring holds at least one frame");
}

void NotifyRing::push(std::shared_ptr<const protocol::ServerFrame> frame) {
    std::lock_guard lock(mutex_);
    if (frames_.size() == capacity_) frames_.pop_front();
    frames_.push_back(std::move(frame));
    ++pushed_;
}

NotifyBatch NotifyRing::since(uint64_t cursor, size_t limit) const {
    std::lock_guard lock(mutex_);
    NotifyBatch batch;
    batch.next_cursor = pushed_;
    if (cursor >= pushed_) return batch;
    const uint64_t oldest = pushed_ - frames_.size();  // the number of the frame before frames_.front()
    const uint64_t first = std::max(cursor, oldest);
    const uint64_t wanted = pushed_ - first;
    const uint64_t taken = std::min<uint64_t>(wanted, limit);
    batch.missed = (pushed_ - cursor) - taken;
    for (uint64_t n = pushed_ - taken; n < pushed_; ++n) batch.frames.push_back(frames_[size_t(n - oldest)]);
    return batch;
}

protocol::CommandAnswer command_until_ready(HostSession &host, const protocol::CallCommand &call,
                                            std::chrono::milliseconds window) {
    const auto deadline = std::chrono::steady_clock::now() + window;
    for (;;) {
        protocol::CommandAnswer answer = host.command(call);
        const auto *failed = std::get_if<protocol::CommandFailure>(&answer.outcome);
        if (failed == nullptr || failed->code != "command.retryable" || std::chrono::steady_clock::now() >= deadline) {
            return answer;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

// ---- The io thread's side.

struct ControlClient::Impl {
    enum class Phase { connecting, active, closing, ended };
    enum class Expect { ack, command_answer };
    struct Pending {
        std::shared_ptr<std::promise<protocol::ServerFrame>> promise;
        Expect expect;
        std::string intent_id;  // ack: the update's
    };
    struct Watcher {
        std::function<bool(const protocol::ServerFrame &)> on_notify;
        std::shared_ptr<std::promise<void>> done;
    };

    Impl(ConnectOptions o, Endpoint e)
        : options(std::move(o)), endpoint(std::move(e)), work(net::make_work_guard(io)), resolver(io), deadline(io),
          ring(options.ring_frames) {
        std::random_device seed;
        id_prefix = fmt::format("{:08x}", std::uniform_int_distribution<uint32_t>()(seed));
    }

    // The stream, plain or TLS (declared first: its return type is deduced where it is used).
    template <class F>
    decltype(auto) with(F &&f) {
        if (tls) return f(*tls);
        SCENEHOST_ASSERT(plain.has_value(), "the stream exists once the name resolved");
        return f(*plain);
    }

    // ---- Connecting

    void do_resolve() {
        deadline.expires_after(options.timeout);
        deadline.async_wait([this](beast::error_code error) { on_deadline(error); });
        resolver.async_resolve(endpoint.host, endpoint.port,
                               [this](beast::error_code error, net::ip::tcp::resolver::results_type results) {
                                   on_resolve(error, std::move(results));
                               });
    }

    void on_deadline(beast::error_code error) {
        if (error || phase != Phase::connecting) return;
        fail({FailureKind::connection, "connection.timeout",
              fmt::format("no session.welcome from {} within {} s", options.url, seconds(options.timeout))});
    }

    void on_resolve(beast::error_code error, net::ip::tcp::resolver::results_type results) {
        if (phase != Phase::connecting) return;
        if (error) {
            return fail({FailureKind::connection, "connection.resolve",
                         fmt::format("cannot resolve '{}': {}", endpoint.host, error.message())});
        }
        if (endpoint.tls) {
            tls_context.emplace(net::ssl::context::tls_client);
            if (!options.insecure) {
                beast::error_code e;
                tls_context->set_default_verify_paths(e);
                if (e) return fail({FailureKind::connection, "connection.tls", "cannot load the system CA store: " + e.message()});
                tls_context->set_verify_mode(net::ssl::verify_peer);
            } else {
                tls_context->set_verify_mode(net::ssl::verify_none);
            }
            tls.emplace(io, *tls_context);
        } else {
            plain.emplace(io);
        }
        with([&](auto &ws) {
            beast::get_lowest_layer(ws).async_connect(
                results, [this](beast::error_code e, const net::ip::tcp::endpoint &) { on_connect(e); });
        });
    }

    void on_connect(beast::error_code error) {
        if (phase != Phase::connecting) return;
        if (error) {
            const bool refused = error == net::error::connection_refused;
            return fail({FailureKind::connection, refused ? "connection.refused" : "connection.failed",
                         fmt::format("cannot connect to {}:{}: {}", endpoint.host, endpoint.port, error.message())});
        }
        if (!tls) return do_upgrade();
        SSL *ssl = tls->next_layer().native_handle();
        beast::error_code not_an_address;
        net::ip::make_address(endpoint.host, not_an_address);
        const bool is_address = !not_an_address;
        // SNI carries names only (RFC 6066); the certificate must name what the URL names.
        if (!is_address && SSL_set_tlsext_host_name(ssl, endpoint.host.c_str()) != 1) {
            return fail({FailureKind::connection, "connection.tls", "cannot set the TLS server name " + endpoint.host});
        }
        if (!options.insecure) {
            X509_VERIFY_PARAM *param = SSL_get0_param(ssl);
            const int set = is_address ? X509_VERIFY_PARAM_set1_ip_asc(param, endpoint.host.c_str())
                                       : X509_VERIFY_PARAM_set1_host(param, endpoint.host.c_str(), 0);
            if (set != 1) return fail({FailureKind::connection, "connection.tls", "cannot check the certificate for " + endpoint.host});
        }
        tls->next_layer().async_handshake(net::ssl::stream_base::client,
                                          [this](beast::error_code e) { on_tls(e); });
    }

    void on_tls(beast::error_code error) {
        if (phase != Phase::connecting) return;
        if (error) {
            const long verify = SSL_get_verify_result(tls->next_layer().native_handle());
            if (!options.insecure && verify != X509_V_OK) {
                return fail({FailureKind::connection, "connection.tls",
                             fmt::format("the certificate of {}:{} is refused: {} (--insecure skips the check, for "
                                         "self-signed test certificates)",
                                         endpoint.host, endpoint.port, X509_verify_cert_error_string(verify))});
            }
            return fail({FailureKind::connection, "connection.tls",
                         fmt::format("TLS handshake with {}:{} failed: {}", endpoint.host, endpoint.port, error.message())});
        }
        do_upgrade();
    }

    void do_upgrade() {
        with([&](auto &ws) {
            // The deadline timer bounds the whole connect phase; close() bounds the goodbye.
            beast::get_lowest_layer(ws).expires_never();
            websocket::stream_base::timeout timeouts{};
            timeouts.handshake_timeout = websocket::stream_base::none();
            timeouts.idle_timeout = websocket::stream_base::none();  // liveness is the protocol's heartbeat
            timeouts.keep_alive_pings = false;
            ws.set_option(timeouts);
            ws.read_message_max(kMaxMessageBytes);
            websocket::permessage_deflate deflate;
            deflate.client_enable = true;
            ws.set_option(deflate);
            ws.set_option(websocket::stream_base::decorator([version = options.client_version](websocket::request_type &r) {
                r.set(beast::http::field::user_agent, "scenehostctl/" + version);
            }));
            const bool ipv6 = endpoint.host.find(':') != std::string::npos;
            const std::string host_field = ipv6 ? fmt::format("[{}]:{}", endpoint.host, endpoint.port)
                                                : fmt::format("{}:{}", endpoint.host, endpoint.port);
            ws.async_handshake(upgrade_response, host_field, endpoint.target,
                               [this](beast::error_code e) { on_upgrade(e); });
        });
    }

    void on_upgrade(beast::error_code error) {
        if (phase != Phase::connecting) return;
        if (error) {
            // The response was read only when the host declined the upgrade.
            const bool declined = error == websocket::error::upgrade_declined;
            return fail({FailureKind::connection, "connection.upgrade",
                         fmt::format("WebSocket upgrade at {} failed: {}{}", options.url, error.message(),
                                     declined ? fmt::format(" (HTTP {})", upgrade_response.result_int()) : "")});
        }
        hello = protocol::client_hello(options.actor, options.client_version, options.features, options.token);
        send(protocol::hello_frame(hello, next_id("hello"), now_s()));
        do_read();
    }

    // ---- Reading

    void do_read() {
        with([&](auto &ws) { ws.async_read(buffer, [this](beast::error_code e, size_t) { on_read(e); }); });
    }

    void on_read(beast::error_code error) {
        if (phase == Phase::ended) return;
        if (error) return on_closed(error);
        const bool text = with([](auto &ws) { return ws.got_text(); });
        std::string message = beast::buffers_to_string(buffer.data());
        buffer.consume(buffer.size());
        if (!text) {
            return fail({FailureKind::connection, "protocol.binary_frame", "the host sent a binary frame on the control channel"});
        }
        on_text(message);
        if (phase != Phase::ended) do_read();
    }

    void on_text(std::string_view text) {
        auto read = protocol::read_server_frame(text);
        if (auto *problem = std::get_if<protocol::ProtocolError>(&read)) {
            return fail({FailureKind::connection, problem->code,
                         "the host sent a frame that breaks the protocol: " + problem->message});
        }
        auto frame = std::make_shared<const protocol::ServerFrame>(std::move(std::get<protocol::ServerFrame>(read)));
        const FrameType type = frame->envelope.type;
        if (phase == Phase::connecting) {
            if (type == FrameType::session_welcome) return on_welcome(*frame);
            if (type == FrameType::session_reject) return on_reject(*frame);
            return fail({FailureKind::connection, "protocol.unexpected_frame",
                         fmt::format("the host sent {} before session.welcome", protocol::type_name(type))});
        }
        switch (type) {
            case FrameType::session_heartbeat:
                // Any client frame is liveness: one already queued answers this heartbeat too.
                if (outbox.empty()) send(protocol::session_ack_frame(session_id, next_id("ack"), now_s()));
                return;
            case FrameType::ack_state:
            case FrameType::reply_command:
            case FrameType::error_command: return on_reply(frame);
            case FrameType::session_goodbye: goodbye = protocol::read_goodbye(*frame); return;  // the close follows
            case FrameType::session_welcome:
            case FrameType::session_reject:
                return fail({FailureKind::connection, "protocol.unexpected_frame",
                             fmt::format("the host sent {} to an active session", protocol::type_name(type))});
            default: break;
        }
        SCENEHOST_ASSERT(protocol::type_name(type).starts_with("notify."),
                         "validate_frame lets only server frames through, and the others are handled above");
        if (type == FrameType::notify_error) {
            protocol::ErrorNotice notice = protocol::read_error_notice(*frame);
            if (notice.severity == "critical") critical = std::move(notice);
        }
        ring.push(frame);
        if (watcher && !watcher->on_notify(*frame)) {
            watcher->done->set_value();
            watcher.reset();
        }
    }

    void on_welcome(const protocol::ServerFrame &frame) {
        const protocol::Welcome welcome = protocol::read_welcome(frame);
        for (const auto &[topic, wanted] : hello.features) {
            const auto it = welcome.features.find(topic);
            if (wanted && (it == welcome.features.end() || !it->second.enabled)) {
                return fail({FailureKind::connection, "session.feature_missing",
                             fmt::format("the host did not enable {}, which this session asked for", topic)});
            }
        }
        const auto lane = welcome.features.find("call.command");
        if (lane == welcome.features.end() || !lane->second.enabled || !lane->second.commands) {
            return fail({FailureKind::connection, "session.feature_missing",
                         "the host's welcome lists no call.command catalogue"});
        }
        session_id = welcome.session_id;
        heartbeat_s = welcome.heartbeat_s;
        commands = *lane->second.commands;
        phase = Phase::active;
        deadline.cancel();
        connected.set_value();
    }

    void on_reject(const protocol::ServerFrame &frame) {
        const protocol::Reject reject = protocol::read_reject(frame);
        const FailureKind kind = reject.code == "session.unauthorized" ? FailureKind::auth : FailureKind::refused;
        fail({kind, reject.code, reject.message});
    }

    void on_reply(const std::shared_ptr<const protocol::ServerFrame> &frame) {
        const json::object &p = frame->payload();
        const std::string in_reply_to(p.at("in_reply_to").as_string());
        const auto it = pending.find(in_reply_to);
        if (it == pending.end()) {
            if (abandoned.erase(in_reply_to) > 0) return;  // its caller stopped waiting (a timeout)
            return fail({FailureKind::connection, "protocol.unexpected_reply",
                         fmt::format("the host sent {} in reply to '{}', which this session never sent",
                                     protocol::type_name(frame->envelope.type), in_reply_to)});
        }
        const bool is_ack = frame->envelope.type == FrameType::ack_state;
        if (is_ack != (it->second.expect == Expect::ack)) {
            return fail({FailureKind::connection, "protocol.unexpected_reply",
                         fmt::format("the host answered '{}' with {}", in_reply_to,
                                     protocol::type_name(frame->envelope.type))});
        }
        if (is_ack && p.at("intent_id") != json::value(it->second.intent_id)) {
            return fail({FailureKind::connection, "protocol.unexpected_reply",
                         fmt::format("the ack of '{}' names intent {}, not {}", in_reply_to,
                                     json::serialize(p.at("intent_id")), it->second.intent_id)});
        }
        it->second.promise->set_value(*frame);
        pending.erase(it);
    }

    void on_closed(beast::error_code error) {
        if (phase == Phase::closing) {
            fail({FailureKind::connection, "connection.closed", "the session was closed by this client"});
            return;
        }
        std::string why;
        if (error == websocket::error::closed) {
            const websocket::close_reason reason = with([](auto &ws) { return ws.reason(); });
            why = fmt::format("the host closed the connection (close code {}{}{})", unsigned(reason.code),
                              reason.reason.empty() ? "" : " ",
                              std::string(reason.reason.data(), reason.reason.size()));
        } else {
            why = "the connection to the host was lost: " + error.message();
        }
        if (goodbye) {
            why += fmt::format(" after session.goodbye {}{}", goodbye->code.value_or("(no code)"),
                               goodbye->reason ? " (" + *goodbye->reason + ")" : std::string());
        }
        if (critical) why += fmt::format("; critical fault {}: {}", critical->code, critical->message);
        fail({FailureKind::connection, "connection.closed", why});
    }

    // ---- Writing: each caller waits for its answer and a heartbeat is acked only into an empty
    // outbox, so the outbox holds one request per calling thread, an ack and the goodbye.

    void send(std::string text) {
        SCENEHOST_ASSERT(outbox.size() < kMaxOutbox, "callers wait for their answers: at most 60 calling threads");
        outbox.push_back(std::move(text));
        if (!writing) do_write();
    }

    void do_write() {
        writing = true;
        with([&](auto &ws) {
            ws.text(true);
            ws.async_write(net::buffer(outbox.front()), [this](beast::error_code e, size_t) { on_write(e); });
        });
    }

    void on_write(beast::error_code error) {
        writing = false;
        outbox.pop_front();
        if (phase == Phase::ended) return;
        if (error) return on_closed(error);
        if (!outbox.empty()) do_write();
    }

    // ---- Ending

    // Records the first failure, hands it to everyone waiting, and drops the socket.
    void fail(Failure failure_now) {
        if (phase == Phase::ended) return;
        const Phase was = phase;
        phase = Phase::ended;
        failure = failure_now;
        const auto error = std::make_exception_ptr(failure_now);
        if (was == Phase::connecting) connected.set_exception(error);
        for (auto &[id, p] : pending) p.promise->set_exception(error);
        pending.clear();
        if (watcher) {
            watcher->done->set_exception(error);
            watcher.reset();
        }
        deadline.cancel();
        resolver.cancel();
        if (plain || tls) with([](auto &ws) { beast::get_lowest_layer(ws).close(); });
        ended.set_value();
    }

    // ---- Helpers

    std::string next_id(std::string_view kind) { return fmt::format("{}-{}-{}", kind, id_prefix, ++counter); }
    static double now_s() { return double(base::SystemClock().now_us()) / 1e6; }
    static double seconds(std::chrono::milliseconds ms) { return double(ms.count()) / 1000.0; }

    // A request from a caller's thread: queued on the io thread, answered by on_reply.
    protocol::ServerFrame request(std::string frame_id, std::string text, Expect expect, std::string intent_id,
                                  const std::string &what) {
        auto promise = std::make_shared<std::promise<protocol::ServerFrame>>();
        auto future = promise->get_future();
        net::post(io, [this, promise, frame_id, text = std::move(text), expect, intent_id = std::move(intent_id)]() mutable {
            if (phase != Phase::active) {
                return promise->set_exception(std::make_exception_ptr(
                    failure.value_or(Failure{FailureKind::connection, "connection.closed", "the session is closing"})));
            }
            pending.emplace(frame_id, Pending{promise, expect, std::move(intent_id)});
            send(std::move(text));
        });
        if (future.wait_for(options.timeout) != std::future_status::ready) {
            net::post(io, [this, frame_id] {
                if (pending.erase(frame_id) > 0) abandoned.insert(frame_id);
            });
            throw Failure(FailureKind::connection, "connection.timeout",
                          fmt::format("no answer to {} within {} s", what, seconds(options.timeout)), false);
        }
        return future.get();
    }

    static constexpr size_t kMaxMessageBytes = 256u << 20;  // a screenshot of an 8192 x 8192 canvas fits
    static constexpr size_t kMaxOutbox = 64;

    ConnectOptions options;
    Endpoint endpoint;
    net::io_context io;
    net::executor_work_guard<net::io_context::executor_type> work;
    net::ip::tcp::resolver resolver;
    net::steady_timer deadline;  // the connect phase
    std::optional<net::ssl::context> tls_context;
    std::optional<websocket::stream<beast::tcp_stream>> plain;
    std::optional<websocket::stream<beast::ssl_stream<beast::tcp_stream>>> tls;
    websocket::response_type upgrade_response;
    beast::flat_buffer buffer;
    std::deque<std::string> outbox;
    bool writing = false;

    Phase phase = Phase::connecting;
    protocol::Hello hello;
    std::map<std::string, Pending> pending;  // frame_id -> waiter
    std::set<std::string> abandoned;         // frame_ids whose callers timed out
    std::optional<Failure> failure;
    std::optional<protocol::GoodbyeInfo> goodbye;
    std::optional<protocol::ErrorNotice> critical;
    std::optional<Watcher> watcher;
    NotifyRing ring;
    std::promise<void> connected;
    std::promise<void> ended;
    std::shared_future<void> ended_future = ended.get_future().share();

    // Written on the io thread before `connected` is set, read by callers only after it: the
    // future's synchronisation orders them.
    std::string session_id;
    double heartbeat_s = 0;
    std::vector<std::string> commands;

    std::string id_prefix;
    std::atomic<uint64_t> counter{0};
    std::thread thread;
    bool close_started = false;  // the caller's thread only
};

// ---- The caller's side.

std::unique_ptr<ControlClient> ControlClient::connect(const ConnectOptions &options) {
    auto endpoint = parse_url(options.url);
    if (auto *why = std::get_if<std::string>(&endpoint)) {
        SCENEHOST_ASSERT(false, "the command line checks the URL with parse_url before connecting: " + *why);
    }
    auto impl = std::make_unique<Impl>(options, std::get<Endpoint>(endpoint));
    Impl &i = *impl;
    std::unique_ptr<ControlClient> client(new ControlClient(std::move(impl)));
    auto connected = i.connected.get_future();
    net::post(i.io, [&i] { i.do_resolve(); });
    i.thread = std::thread([&i] { i.io.run(); });
    connected.get();  // throws the Failure; the client's destructor then stops the thread
    return client;
}

ControlClient::ControlClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ControlClient::~ControlClient() {
    close();
    impl_->work.reset();
    impl_->io.stop();
    if (impl_->thread.joinable()) impl_->thread.join();
}

const std::string &ControlClient::session_id() const { return impl_->session_id; }
double ControlClient::heartbeat_s() const { return impl_->heartbeat_s; }
const std::vector<std::string> &ControlClient::commands() const { return impl_->commands; }

AckResult ControlClient::update(const protocol::StateUpdate &update) {
    const std::string frame_id = impl_->next_id("state");
    const std::string intent_id = impl_->next_id("intent");
    std::string text =
        protocol::state_update_frame(impl_->session_id, frame_id, intent_id, Impl::now_s(), update);
    const std::string what = fmt::format("state.update {}/{}/{}", update.scope, update.target, update.key);
    const protocol::ServerFrame frame = impl_->request(frame_id, std::move(text), Impl::Expect::ack, intent_id, what);
    return AckResult{protocol::read_ack(frame), frame.payload()};
}

protocol::CommandAnswer ControlClient::command(const protocol::CallCommand &call) {
    const std::string frame_id = impl_->next_id("cmd");
    std::string text = protocol::call_command_frame(impl_->session_id, frame_id, Impl::now_s(), call);
    const protocol::ServerFrame frame =
        impl_->request(frame_id, std::move(text), Impl::Expect::command_answer, {}, "call.command " + call.command);
    return protocol::read_command_answer(frame);
}

NotifyBatch ControlClient::notifications_since(uint64_t cursor, size_t limit) {
    return impl_->ring.since(cursor, limit);
}

void ControlClient::watch(std::function<bool(const protocol::ServerFrame &)> on_notify) {
    auto done = std::make_shared<std::promise<void>>();
    auto finished = done->get_future();
    net::post(impl_->io, [i = impl_.get(), done, on_notify = std::move(on_notify)]() mutable {
        if (i->phase != Impl::Phase::active) {
            return done->set_exception(std::make_exception_ptr(
                i->failure.value_or(Failure{FailureKind::connection, "connection.closed", "the session is closing"})));
        }
        // Everything the ring holds first (the baseline came before this call could).
        const NotifyBatch held = i->ring.since(0, SIZE_MAX);
        for (const auto &frame : held.frames) {
            if (!on_notify(*frame)) return done->set_value();
        }
        i->watcher = Impl::Watcher{std::move(on_notify), done};
    });
    finished.get();
}

void ControlClient::close() {
    Impl &i = *impl_;
    if (i.close_started) return;
    i.close_started = true;
    net::post(i.io, [&i] {
        if (i.phase != Impl::Phase::active) return;
        i.phase = Impl::Phase::closing;
        i.send(protocol::goodbye_frame(i.session_id, i.next_id("bye"), Impl::now_s(),
                                       protocol::Goodbye{"goodbye", std::nullopt, "client_goodbye"}));
    });
    i.ended_future.wait_for(i.options.timeout);  // a host that never answers cannot hold the client
}

}  // namespace scenehost::ctl
