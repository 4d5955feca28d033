// Control-channel load: N clients on /control, W of them writing state.update at a set rate
// (layer/layer-0/opacity, a new value each time, so every write fans out as notify.layers), run
// against `scenehost serve` with the shipped reducers and the demo scene, rendering on and off,
// and against the transport floor: a bare Beast server with the host's pattern (ack to the
// sender first, then the notify to every client, the sender's copy carrying its intent id).
//   build/bin/control_load [--clients 64] [--writers 4] [--rate 60] [--seconds 5] [--fsync batch]
//   build/bin/control_load --url ws://HOST:PORT/control [--floor] ...   (an already-running server)
#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <deque>
#include <fmt/format.h>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include "control_floor.hpp"
#include "support/host_process.hpp"

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using scenehost::bench::FloorServer;
using scenehost::bench::is_type;
using scenehost::bench::string_after;

namespace {

int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

constexpr int64_t kWarmUpNs = 500'000'000;  // writes in the first 0.5 s are sent but not measured
constexpr size_t kMaxWrites = 999'999;      // write k sets opacity k / 1e6, which must stay in [0, 1]

struct Options {
    int clients = 64;
    int writers = 4;  // clients 0 .. writers-1 write; every client receives
    double rate = 60;  // per writer, updates/s
    double seconds = 5;
    std::string fsync = "batch";  // the host's audit log policy (its default)
    std::string url;  // ws://HOST:PORT/PATH: load that server instead of starting scenehost
    bool floor = false;  // with --url: measure the floor too
};

struct Target {
    std::string host, port, path;
};

// ws://HOST:PORT/PATH, or nullopt.
std::optional<Target> parse_url(std::string_view url) {
    if (!url.starts_with("ws://")) return std::nullopt;
    url.remove_prefix(5);
    const size_t slash = url.find('/');
    const std::string_view authority = url.substr(0, slash);
    const size_t colon = authority.rfind(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == authority.size()) return std::nullopt;
    return Target{std::string(authority.substr(0, colon)), std::string(authority.substr(colon + 1)),
                  slash == std::string_view::npos ? "/" : std::string(url.substr(slash))};
}

Target local(uint16_t port) { return {"127.0.0.1", std::to_string(port), "/control"}; }

struct Stats {
    std::vector<int64_t> sent_ns;  // by write number k - 1; write k has intent "i<k>" and opacity k / 1e6
    int64_t measure_from_ns = 0, measure_to_ns = 0;
    std::vector<double> ack_us;     // writer's send to its ack.state
    std::vector<double> fanout_us;  // writer's send to another client's notify.layers
    uint64_t sent = 0, accepted = 0, rejected = 0;
    uint64_t received = 0;          // frames of any type, to see when the replies have drained
    uint64_t closed_by_server = 0;  // e.g. 1013: the client could not keep up with its fan-out
    std::optional<double> rendered_fps, host_cpu_percent;  // scenehost only

    bool measured(int64_t k) const {
        if (k < 1 || size_t(k) > sent_ns.size()) return false;
        const int64_t t = sent_ns[size_t(k - 1)];
        return t >= measure_from_ns && t < measure_to_ns;
    }
};

// The integer after `key` in text, or -1.
int64_t number_after(std::string_view text, std::string_view key) {
    const auto at = text.find(key);
    if (at == std::string_view::npos) return -1;
    int64_t value = -1;
    std::from_chars(text.data() + at + key.size(), text.data() + text.size(), value);
    return value;
}

// The write number behind an opacity value (k / 1e6, in whatever form the server printed it), or -1.
int64_t write_of_opacity(std::string_view text) {
    constexpr std::string_view key = "\"opacity\":";
    const auto at = text.find(key);
    if (at == std::string_view::npos) return -1;
    double value = -1;
    std::from_chars(text.data() + at + key.size(), text.data() + text.size(), value);
    return value < 0 ? -1 : std::llround(value * 1e6);
}

std::string hello_frame() {
    return R"({"type":"session.hello","version":1,"frame_id":"h","timestamp":1,"payload":{"protocols":[1],)"
           R"("client":{"name":"control_load","version":"1","platform":"linux"},)"
           R"("features":{"notify.scene":true,"notify.layers":true},"resume_tokens":{}}})";
}

tcp::resolver::results_type resolve(net::io_context &io, const Target &target) {
    return tcp::resolver(io).resolve(target.host, target.port);
}

// One load client: connects and says hello; a writer then sends at a fixed rate, from the
// welcome until the end of the run. Every client records the fan-out of other clients' writes.
class LoadClient : public std::enable_shared_from_this<LoadClient> {
public:
    LoadClient(net::io_context &io, int index, const Options &o, Stats &stats)
        : io_(io), ws_(io), timer_(io), index_(index), options_(o), stats_(stats) {}

    void start(const Target &target) {
        beast::get_lowest_layer(ws_).connect(resolve(io_, target));
        beast::get_lowest_layer(ws_).socket().set_option(tcp::no_delay(true));
        ws_.handshake(target.host + ":" + target.port, target.path);
        ws_.text(true);
        send(hello_frame());
        do_read();
    }

private:
    void on_welcome() {
        if (index_ >= options_.writers) return;
        // Spread the writers' send phases over one interval.
        timer_.expires_after(std::chrono::nanoseconds(int64_t(1e9 / options_.rate * index_ / options_.writers)));
        timer_.async_wait([self = shared_from_this()](beast::error_code e) { self->on_timer(e); });
    }

    void on_timer(beast::error_code error) {
        const int64_t t = now_ns();
        if (error || t >= stats_.measure_to_ns || stats_.sent_ns.size() == kMaxWrites) return;
        stats_.sent_ns.push_back(t);
        const size_t k = stats_.sent_ns.size();
        if (t >= stats_.measure_from_ns) ++stats_.sent;
        send(fmt::format(R"({{"type":"state.update","version":1,"session":"{}","frame_id":"f{}","intent_id":"i{}",)"
                         R"("timestamp":1,"payload":{{"scope":"layer","target":"layer-0","key":"opacity",)"
                         R"("value":{:.6f}}}}})",
                         session_, k, k, double(k) / 1e6));
        timer_.expires_at(timer_.expiry() + std::chrono::nanoseconds(int64_t(1e9 / options_.rate)));
        timer_.async_wait([self = shared_from_this()](beast::error_code e) { self->on_timer(e); });
    }

    void on_text(std::string_view text) {
        const int64_t t = now_ns();
        ++stats_.received;
        if (session_.empty() && is_type(text, "session.welcome")) {
            session_ = std::string(string_after(text, "session"));
            return on_welcome();
        }
        if (is_type(text, "ack.state")) {
            const int64_t k = number_after(text, "\"intent_id\":\"i");
            if (!stats_.measured(k)) return;
            if (text.find("\"status\":\"accepted\"") == std::string_view::npos) {
                ++stats_.rejected;
                return;
            }
            ++stats_.accepted;
            stats_.ack_us.push_back(double(t - stats_.sent_ns[size_t(k - 1)]) / 1e3);
            return;
        }
        if (!is_type(text, "notify.layers")) return;
        if (text.find("\"intent_id\"") != std::string_view::npos) return;  // the sender's own copy
        const int64_t k = write_of_opacity(text);
        if (stats_.measured(k)) stats_.fanout_us.push_back(double(t - stats_.sent_ns[size_t(k - 1)]) / 1e3);
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

    net::io_context &io_;
    websocket::stream<beast::tcp_stream> ws_;
    net::steady_timer timer_;
    int index_;
    const Options &options_;
    Stats &stats_;
    std::string session_;
    beast::flat_buffer buffer_;
    std::deque<std::string> queue_;
};

// The newest rendered frame's sequence number, from scene.screenshot on a connection of its own
// (blocking: the host answers every command), asking again while it has no frame yet.
int64_t rendered_sequence(const Target &target) {
    net::io_context io;
    websocket::stream<beast::tcp_stream> ws(io);
    beast::get_lowest_layer(ws).connect(resolve(io, target));
    ws.handshake(target.host + ":" + target.port, target.path);
    ws.text(true);
    ws.write(net::buffer(hello_frame()));
    std::string call;
    beast::flat_buffer buffer;
    for (;;) {
        ws.read(buffer);
        const std::string text = beast::buffers_to_string(buffer.data());
        buffer.consume(buffer.size());
        if (is_type(text, "reply.command")) return number_after(text, "\"sequence\":");
        if (is_type(text, "session.welcome")) {
            call = fmt::format(R"({{"type":"call.command","version":1,"session":"{}","frame_id":"c","timestamp":1,)"
                               R"("payload":{{"command":"scene.screenshot","args":[],"kwargs":{{}}}}}})",
                               string_after(text, "session"));
        } else if (is_type(text, "error.command") && text.find("command.retryable") != std::string::npos) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        } else {
            continue;
        }
        ws.write(net::buffer(call));
    }
}

// CPU seconds (user + system) the process has used so far, from /proc.
double cpu_seconds(pid_t pid) {
    std::ifstream in(fmt::format("/proc/{}/stat", pid));
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::istringstream fields(stat.substr(stat.rfind(')') + 2));  // after "pid (comm) "
    std::string field;
    double ticks = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) {
        if (i >= 14) ticks += std::stod(field);  // utime, stime
    }
    return ticks / double(sysconf(_SC_CLK_TCK));
}

// Connects every client, lets the writers write for the warm-up and o.seconds, then drains.
Stats run(const Target &target, const Options &o) {
    net::io_context io;
    Stats stats;
    std::vector<std::shared_ptr<LoadClient>> clients;
    for (int i = 0; i < o.clients; ++i) clients.push_back(std::make_shared<LoadClient>(io, i, o, stats));
    stats.measure_from_ns = now_ns() + kWarmUpNs;
    stats.measure_to_ns = stats.measure_from_ns + int64_t(o.seconds * 1e9);
    for (auto &client : clients) client->start(target);
    io.run_for(std::chrono::nanoseconds(stats.measure_to_ns - now_ns()));
    // Drain: until 200 ms pass without a frame (or 5 s, for a server that keeps streaming).
    for (int i = 0; i < 25; ++i) {
        const uint64_t received = stats.received;
        io.run_for(std::chrono::milliseconds(200));
        if (stats.received == received) break;
    }
    return stats;
}

// A run against scenehost serve with the shipped reducers and the demo scene.
Stats run_scenehost(const Options &o, bool render) {
    const std::string audit = fmt::format("/tmp/scenehost-load-{}.jsonl", getpid());
    std::vector<std::string> arguments{"--plugin-dir", SCENEHOST_PLUGIN_DIR, "--demo", "--updates-per-s", "1000000",
                                       "--no-deflate", "--fsync", o.fsync, "--audit-log", audit};
    if (!render) arguments.push_back("--no-render");
    scenehost::test::HostProcess host(arguments);
    const Target target = local(host.port());
    const int64_t frames_before = render ? rendered_sequence(target) : 0;
    const double cpu_before = cpu_seconds(host.pid());
    const int64_t started = now_ns();
    Stats stats = run(target, o);
    const double elapsed_s = double(now_ns() - started) / 1e9;
    stats.host_cpu_percent = 100 * (cpu_seconds(host.pid()) - cpu_before) / elapsed_s;
    if (render) stats.rendered_fps = double(rendered_sequence(target) - frames_before) / elapsed_s;
    host.stop();
    std::remove(audit.c_str());
    return stats;
}

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, size_t(p / 100.0 * double(v.size())))];
}

struct Column {
    std::string name;
    Stats stats;
};
struct Ratio {
    size_t of, to;  // indices into the columns
    std::string name;
};

void print_table(const Options &o, const std::vector<Column> &columns, const std::vector<Ratio> &ratios) {
    fmt::print("control_load: {} clients, {} writing {} updates/s each, {} s measured after {} s warm-up\n", o.clients,
               o.writers, o.rate, o.seconds, double(kWarmUpNs) / 1e9);
    std::string header = fmt::format("| {:<28} |", "metric"), rule = fmt::format("|{:-<30}|", "");
    for (const Column &c : columns) header += fmt::format(" {:>12} |", c.name), rule += fmt::format("{:->14}|", ":");
    for (const Ratio &r : ratios) {
        header += fmt::format(" {:>9} |", r.name);
        rule += fmt::format("{:->11}|", ":");
    }
    fmt::print("{}\n{}\n", header, rule);
    auto line = [&](std::string_view metric, auto value, bool with_ratios) {
        std::string row = fmt::format("| {:<28} |", metric);
        for (const Column &c : columns) {
            const std::optional<double> v = value(c.stats);
            row += v ? fmt::format(" {:>12.1f} |", *v) : fmt::format(" {:>12} |", "-");
        }
        for (const Ratio &r : ratios) {
            const auto x = value(columns[r.of].stats), y = value(columns[r.to].stats);
            row += with_ratios && x && y && *y > 0 ? fmt::format(" {:>9.2f} |", *x / *y) : fmt::format(" {:>9} |", "");
        }
        fmt::print("{}\n", row);
    };
    using Opt = std::optional<double>;
    for (double p : {50.0, 99.0, 99.9}) {
        line(fmt::format("ack round trip p{} (us)", p),
             [p](const Stats &s) -> Opt { return percentile(s.ack_us, p); }, true);
    }
    for (double p : {50.0, 99.0, 99.9}) {
        line(fmt::format("fan-out latency p{} (us)", p),
             [p](const Stats &s) -> Opt { return percentile(s.fanout_us, p); }, true);
    }
    line("accepted updates/s", [&](const Stats &s) -> Opt { return double(s.accepted) / o.seconds; }, true);
    line("updates sent", [](const Stats &s) -> Opt { return double(s.sent); }, false);
    line("rejected updates", [](const Stats &s) -> Opt { return double(s.rejected); }, false);
    line("fan-out frames received", [](const Stats &s) -> Opt { return double(s.fanout_us.size()); }, false);
    line("clients closed by the server", [](const Stats &s) -> Opt { return double(s.closed_by_server); }, false);
    line("host CPU (% of one core)", [](const Stats &s) { return s.host_cpu_percent; }, false);
    line("frames rendered/s", [](const Stats &s) { return s.rendered_fps; }, false);
}

const char kUsage[] =
    "usage: control_load [--clients N] [--writers W] [--rate PER_S] [--seconds S] [--fsync never|batch|always]\n"
    "                    [--url ws://HOST:PORT/PATH [--floor]]\n"
    "  W of the N clients write (each at PER_S), all N receive. Without --url: scenehost serve (shipped reducers,\n"
    "  --demo, the audit log's fsync policy as given) with rendering on, then with --no-render, then the bare Beast\n"
    "  floor. With --url: that server only (it must speak the host's frames, as the floor does);\n"
    "  --floor adds the floor.\n";

}  // namespace

int main(int argc, char **argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string_view flag = argv[i];
        if (flag == "--floor") {
            o.floor = true;
            continue;
        }
        if (i + 1 == argc) return std::fputs(kUsage, stderr), 2;
        const std::string_view value = argv[++i];
        auto number = [&](auto &out) {
            return std::from_chars(value.data(), value.data() + value.size(), out).ptr == value.data() + value.size();
        };
        bool ok = true;
        if (flag == "--clients") ok = number(o.clients);
        else if (flag == "--writers") ok = number(o.writers);
        else if (flag == "--rate") ok = number(o.rate);
        else if (flag == "--seconds") ok = number(o.seconds);
        else if (flag == "--url") o.url = value;
        else if (flag == "--fsync") o.fsync = value;
        else ok = false;
        if (!ok) return std::fputs(kUsage, stderr), 2;
    }
    if (o.clients < 1 || o.writers < 1 || o.writers > o.clients || !(o.rate > 0) || !(o.seconds > 0)) {
        std::fputs("control_load: need clients >= 1, 1 <= writers <= clients, rate > 0, seconds > 0\n", stderr);
        return 2;
    }
    std::vector<Column> columns;
    std::vector<Ratio> ratios;
    if (!o.url.empty()) {
        const auto target = parse_url(o.url);
        if (!target) {
            std::fprintf(stderr, "control_load: --url '%s' is not ws://HOST:PORT/PATH\n", o.url.c_str());
            return 2;
        }
        columns.push_back({"server", run(*target, o)});
    } else {
        columns.push_back({"render on", run_scenehost(o, true)});
        columns.push_back({"render off", run_scenehost(o, false)});
        o.floor = true;
    }
    if (o.floor) {
        FloorServer floor;
        columns.push_back({"floor", run(local(floor.port()), o)});
    }
    if (columns.size() == 2) ratios.push_back({0, 1, "srv/floor"});
    if (columns.size() == 3) ratios = {{0, 2, "on/floor"}, {1, 2, "off/floor"}, {0, 1, "on/off"}};
    print_table(o, columns, ratios);
    return columns[0].stats.accepted == 0 ? 1 : 0;
}
