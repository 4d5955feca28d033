// Control-channel load: N clients each send state.update at a set rate for a set time against
// the real scenehost process, then the same message pattern against a bare Beast WebSocket
// server that acks to the sender and fans out to everyone else (the transport floor).
// Reports ack round trip and fan-out latency percentiles, accepted updates/s, and the ratios.
//   build/bin/control_load [--clients 64] [--rate 100] [--seconds 5]
#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <deque>
#include <fmt/format.h>
#include <memory>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include "support/host_process.hpp"

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

namespace {

int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

struct Options {
    int clients = 64;
    double rate = 100;
    double seconds = 5;
};

struct Stats {
    std::vector<double> ack_us;
    std::vector<double> fanout_us;
    uint64_t sent = 0;
    uint64_t accepted = 0;
    uint64_t closed_by_server = 0;  // 1013: the client could not keep up with its fan-out
};

// The integer after `key` in text, or -1.
int64_t number_after(std::string_view text, std::string_view key) {
    const auto at = text.find(key);
    if (at == std::string_view::npos) return -1;
    int64_t value = -1;
    std::from_chars(text.data() + at + key.size(), text.data() + text.size(), value);
    return value;
}

// One load client: connects, (for scenehost) says hello, then sends at a fixed rate.
class LoadClient : public std::enable_shared_from_this<LoadClient> {
public:
    LoadClient(net::io_context &io, int index, bool scenehost, const Options &o, Stats &stats, int64_t end_ns)
        : ws_(io), timer_(io), index_(index), scenehost_(scenehost), options_(o), stats_(stats), end_ns_(end_ns) {}

    void start(const tcp::endpoint &endpoint) {
        beast::get_lowest_layer(ws_).socket().connect(endpoint);
        beast::get_lowest_layer(ws_).socket().set_option(tcp::no_delay(true));
        ws_.handshake("127.0.0.1", "/control");
        ws_.text(true);
        if (scenehost_) {
            send(R"({"type":"session.hello","version":1,"frame_id":"h","timestamp":1,"payload":{"protocols":[1],)"
                 R"("client":{"name":"load","version":"1","platform":"linux"},"features":{},"resume_tokens":{}}})");
        }
        do_read();
        // Spread the clients' send phases over one interval.
        timer_.expires_after(std::chrono::nanoseconds(int64_t(1e9 / options_.rate * index_ / options_.clients)));
        timer_.async_wait([self = shared_from_this()](beast::error_code e) { self->on_timer(e); });
    }

private:
    void on_timer(beast::error_code error) {
        if (error || now_ns() > end_ns_) return;
        const int64_t t = now_ns();
        ++sequence_;
        ++stats_.sent;
        std::string value = fmt::format(R"({{"sent_ns":{},"c":{}}})", t, index_);
        if (scenehost_) {
            send(fmt::format(R"({{"type":"state.update","version":1,"session":"{}","frame_id":"f{}","intent_id":"i{}",)"
                             R"("timestamp":1,"payload":{{"scope":"layer","target":"layer-{}","key":"misc","value":{}}}}})",
                             session_, sequence_, sequence_, index_ % 8, value));
        } else {
            send(value);
        }
        timer_.expires_at(timer_.expiry() + std::chrono::nanoseconds(int64_t(1e9 / options_.rate)));
        timer_.async_wait([self = shared_from_this()](beast::error_code e) { self->on_timer(e); });
    }

    void on_text(std::string_view text) {
        const int64_t t = now_ns();
        if (scenehost_) {
            if (session_.empty() && text.find("\"session.welcome\"") != std::string_view::npos) {
                const auto at = text.find("\"session\":\"") + 11;
                session_ = std::string(text.substr(at, text.find('"', at) - at));
                return;
            }
            if (text.find("\"type\":\"ack.state\"") != std::string_view::npos) {
                if (text.find("\"status\":\"accepted\"") != std::string_view::npos) ++stats_.accepted;
                const int64_t sent = number_after(text, "\"sent_ns\":");  // echoed in applied_value
                if (sent > 0) stats_.ack_us.push_back(double(t - sent) / 1e3);
                return;
            }
            if (text.find("\"type\":\"notify.layers\"") == std::string_view::npos) return;
            if (text.find("\"intent_id\"") != std::string_view::npos) return;  // our own change
        } else if (number_after(text, "\"c\":") == index_) {
            ++stats_.accepted;
            stats_.ack_us.push_back(double(t - number_after(text, "\"sent_ns\":")) / 1e3);
            return;
        }
        const int64_t sent = number_after(text, "\"sent_ns\":");
        if (sent > 0) stats_.fanout_us.push_back(double(t - sent) / 1e3);
    }

    void do_read() {
        ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code e, size_t) {
            if (e) {
                if (e == websocket::error::closed) ++self->stats_.closed_by_server;
                return;
            }
            self->on_text(beast::buffers_to_string(self->buffer_.data()));
            self->buffer_.consume(self->buffer_.size());
            self->do_read();
        });
    }

    void send(std::string text) {
        queue_.push_back(std::move(text));
        if (queue_.size() == 1) do_write();
    }

    void do_write() {
        ws_.async_write(net::buffer(queue_.front()), [self = shared_from_this()](beast::error_code e, size_t) {
            if (e) return;
            self->queue_.pop_front();
            if (!self->queue_.empty()) self->do_write();
        });
    }

    websocket::stream<beast::tcp_stream> ws_;
    net::steady_timer timer_;
    int index_;
    bool scenehost_;
    const Options &options_;
    Stats &stats_;
    int64_t end_ns_;
    std::string session_;
    uint64_t sequence_ = 0;
    beast::flat_buffer buffer_;
    std::deque<std::string> queue_;
};

// The transport floor: every text frame goes back to its sender and to every other client.
class EchoFanoutServer {
public:
    EchoFanoutServer() : acceptor_(io_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
        do_accept();
        thread_ = std::thread([this] { io_.run(); });
    }
    ~EchoFanoutServer() {
        net::post(io_, [this] { io_.stop(); });
        thread_.join();
    }
    tcp::endpoint endpoint() const { return acceptor_.local_endpoint(); }

private:
    struct Peer : std::enable_shared_from_this<Peer> {
        explicit Peer(tcp::socket s, EchoFanoutServer &server) : ws(std::move(s)), server(server) {}
        websocket::stream<beast::tcp_stream> ws;
        EchoFanoutServer &server;
        beast::flat_buffer buffer;
        std::deque<std::shared_ptr<const std::string>> queue;
        void run() {
            ws.async_accept([self = shared_from_this()](beast::error_code e) {
                if (e) return;
                self->server.peers_.push_back(self);
                self->read();
            });
        }
        void read() {
            ws.async_read(buffer, [self = shared_from_this()](beast::error_code e, size_t) {
                if (e) return;
                auto text = std::make_shared<const std::string>(beast::buffers_to_string(self->buffer.data()));
                self->buffer.consume(self->buffer.size());
                for (auto &peer : self->server.peers_) peer->send(text);
                self->read();
            });
        }
        void send(std::shared_ptr<const std::string> text) {
            queue.push_back(std::move(text));
            if (queue.size() == 1) write();
        }
        void write() {
            ws.text(true);
            ws.async_write(net::buffer(*queue.front()), [self = shared_from_this()](beast::error_code e, size_t) {
                if (e) return;
                self->queue.pop_front();
                if (!self->queue.empty()) self->write();
            });
        }
    };
    void do_accept() {
        acceptor_.async_accept([this](beast::error_code e, tcp::socket socket) {
            if (e) return;
            socket.set_option(tcp::no_delay(true));
            std::make_shared<Peer>(std::move(socket), *this)->run();
            do_accept();
        });
    }
    net::io_context io_;
    tcp::acceptor acceptor_;
    std::vector<std::shared_ptr<Peer>> peers_;
    std::thread thread_;
};

Stats run(const tcp::endpoint &endpoint, bool scenehost, const Options &o) {
    net::io_context io;
    Stats stats;
    const int64_t end = now_ns() + int64_t(o.seconds * 1e9) + 500'000'000;
    std::vector<std::shared_ptr<LoadClient>> clients;
    for (int i = 0; i < o.clients; ++i) {
        clients.push_back(std::make_shared<LoadClient>(io, i, scenehost, o, stats, end));
        clients.back()->start(endpoint);
    }
    io.run_for(std::chrono::nanoseconds(end - now_ns()) + std::chrono::seconds(2));  // drain in-flight replies
    return stats;
}

double percentile(std::vector<double> &v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, size_t(p / 100.0 * double(v.size())))];
}

}  // namespace

int main(int argc, char **argv) {
    Options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string_view flag = argv[i];
        if (flag == "--clients") o.clients = std::stoi(argv[i + 1]);
        else if (flag == "--rate") o.rate = std::stod(argv[i + 1]);
        else if (flag == "--seconds") o.seconds = std::stod(argv[i + 1]);
        else return std::fprintf(stderr, "usage: control_load [--clients N] [--rate PER_S] [--seconds S]\n"), 2;
    }
    Stats host_stats, floor_stats;
    {
        const std::string audit = fmt::format("/tmp/scenehost-load-{}.jsonl", getpid());
        scenehost::test::HostProcess host({"--plugin-dir", SCENEHOST_FIXTURE_PLUGIN_DIR "/layer_echo", "--updates-per-s",
                                           "1000000", "--no-deflate", "--fsync", "batch", "--no-render", "--audit-log", audit});
        host_stats = run(tcp::endpoint(net::ip::make_address("127.0.0.1"), host.port()), true, o);
        host.stop();
        std::remove(audit.c_str());
    }
    {
        EchoFanoutServer floor;
        floor_stats = run(floor.endpoint(), false, o);
    }
    fmt::print("control_load: {} clients x {} updates/s for {} s (ratio = scenehost / bare Beast fan-out server)\n",
               o.clients, o.rate, o.seconds);
    fmt::print("| {:<30} | {:>12} | {:>12} | {:>7} |\n", "metric", "scenehost", "bare Beast", "ratio");
    fmt::print("|{:-<32}|{:->14}|{:->14}|{:->9}|\n", "", "", "", "");
    auto line = [](std::string_view name, double a, double b) {
        fmt::print("| {:<30} | {:>12.1f} | {:>12.1f} | {:>7.2f} |\n", name, a, b, b > 0 ? a / b : 0.0);
    };
    for (double p : {50.0, 99.0, 99.9}) {
        line(fmt::format("ack round trip p{} (us)", p), percentile(host_stats.ack_us, p), percentile(floor_stats.ack_us, p));
    }
    for (double p : {50.0, 99.0, 99.9}) {
        line(fmt::format("fan-out latency p{} (us)", p), percentile(host_stats.fanout_us, p),
             percentile(floor_stats.fanout_us, p));
    }
    line("accepted updates/s", double(host_stats.accepted) / o.seconds, double(floor_stats.accepted) / o.seconds);
    line("updates sent", double(host_stats.sent), double(floor_stats.sent));
    line("fan-out frames received", double(host_stats.fanout_us.size()), double(floor_stats.fanout_us.size()));
    line("clients closed by the server", double(host_stats.closed_by_server), double(floor_stats.closed_by_server));
    return host_stats.accepted == 0 ? 1 : 0;
}
