// control_load's transport floor: a bare Beast WebSocket server that puts on the wire what
// scenehost puts there for each state.update, and does nothing else; plus the few frame-text
// helpers the floor and the load clients share (they find fields, they do not parse JSON).
#pragma once

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <deque>
#include <fmt/format.h>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace scenehost::bench {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

// Whether the frame's "type" is `type`.
inline bool is_type(std::string_view text, std::string_view type) {
    constexpr std::string_view kKey = R"("type":")";
    const size_t at = text.find(kKey);
    if (at == std::string_view::npos) return false;
    const std::string_view rest = text.substr(at + kKey.size());
    return rest.starts_with(type) && rest.size() > type.size() && rest[type.size()] == '"';
}

// The text after the first `"key":"` up to the next quote, or "".
inline std::string_view string_after(std::string_view text, std::string_view key) {
    const auto at = text.find(fmt::format(R"("{}":")", key));
    if (at == std::string_view::npos) return {};
    const size_t from = at + key.size() + 4;
    return text.substr(from, text.find('"', from) - from);
}

// The floor answers session.hello with a welcome and each state.update as the host does: an
// ack.state to its sender first, then one notify.layers to every client, the sender's copy
// carrying its intent id, the others' copies made per client from one template with the
// client's session spliced in (the host's frames, field for field and of the same size). No
// reducer, store, history, audit log or validation. One thread, like the host's control thread.
class FloorServer {
public:
    FloorServer() : acceptor_(io_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
        do_accept();
        thread_ = std::thread([this] { io_.run(); });
    }
    ~FloorServer() {
        net::post(io_, [this] { io_.stop(); });
        thread_.join();
    }
    FloorServer(const FloorServer &) = delete;
    FloorServer &operator=(const FloorServer &) = delete;
    uint16_t port() const { return acceptor_.local_endpoint().port(); }

private:
    using Text = std::shared_ptr<const std::string>;

    struct Peer : std::enable_shared_from_this<Peer> {
        Peer(tcp::socket s, FloorServer &server) : ws(std::move(s)), server(server) {}
        websocket::stream<beast::tcp_stream> ws;
        FloorServer &server;
        std::string session;  // 36 characters, as the host's UUIDs
        beast::flat_buffer buffer;
        std::deque<Text> queue;

        void run() {
            ws.async_accept([self = shared_from_this()](beast::error_code e) {
                if (e) return;
                self->ws.text(true);
                self->server.peers_.push_back(self);
                self->do_read();
            });
        }
        void do_read() {
            ws.async_read(buffer, [self = shared_from_this()](beast::error_code e, size_t) {
                if (e) return;
                const std::string text = beast::buffers_to_string(self->buffer.data());
                self->buffer.consume(self->buffer.size());
                if (is_type(text, "session.hello")) {
                    self->session = self->server.uuid();
                    self->send(std::make_shared<const std::string>(fmt::format(
                        R"({{"type":"session.welcome","version":1,"session":"{0}","frame_id":"{1}",)"
                        R"("timestamp":{2:.6f},"payload":{{"protocol_version":1,"session":{{"id":"{0}",)"
                        R"("heartbeat_s":15.0}},"features":{{}}}}}})",
                        self->session, self->server.uuid(), wall_seconds())));
                } else if (is_type(text, "state.update")) {
                    self->server.on_update(*self, text);
                }
                self->do_read();
            });
        }
        void send(Text text) {
            queue.push_back(std::move(text));
            if (queue.size() == 1) do_write();
        }
        void do_write() {
            ws.async_write(net::buffer(*queue.front()), [self = shared_from_this()](beast::error_code e, size_t) {
                if (e) return;
                self->queue.pop_front();
                if (!self->queue.empty()) self->do_write();
            });
        }
    };

    static double wall_seconds() {
        return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    }
    std::string uuid() {
        ++ids_;
        return fmt::format("{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}", ids_ * 2654435761u & 0xffffffff, ids_ & 0xffff,
                           ids_ & 0xfff, (ids_ >> 12) & 0xfff, ids_ * 0x9e3779b97f4a7c15ull & 0xffffffffffffull);
    }

    void on_update(Peer &sender, std::string_view update) {
        const std::string_view intent = string_after(update, "intent_id");
        const std::string_view frame = string_after(update, "frame_id");
        const size_t value_at = update.find(R"("value":)") + 8;
        const std::string_view value = update.substr(value_at, update.find('}', value_at) - value_at);
        const uint64_t version = ++version_;
        const double timestamp = wall_seconds();
        sender.send(std::make_shared<const std::string>(fmt::format(
            R"({{"type":"ack.state","version":1,"session":"{}","frame_id":"{}","timestamp":{:.6f},"payload":{{)"
            R"("intent_id":"{}","in_reply_to":"{}","status":"accepted","applied_value":{},"version":{}}}}})",
            sender.session, uuid(), timestamp, intent, frame, value, version)));
        const std::string delta_token = fmt::format("{:065x}", version * 0x9e3779b97f4a7c15ull);
        auto notify = [&](std::string_view session, std::string_view intent_field) {
            return fmt::format(R"({{"type":"notify.layers","version":1,"session":"{}","timestamp":{:.6f},"seq":{},)"
                               R"("delta_token":"{}",{}"payload":{{"layer_id":"layer-0","changes":{{"opacity":{}}},)"
                               R"("version":{}}}}})",
                               session, timestamp, version, delta_token, intent_field, value, version);
        };
        const std::string others = notify("\x01", "");
        const size_t hole = others.find('\x01');
        for (auto &peer : peers_) {
            if (peer.get() == &sender) {
                peer->send(std::make_shared<const std::string>(
                    notify(peer->session, fmt::format(R"("intent_id":"{}",)", intent))));
                continue;
            }
            std::string text;
            text.reserve(others.size() + peer->session.size());
            text.append(others, 0, hole).append(peer->session).append(others, hole + 1);
            peer->send(std::make_shared<const std::string>(std::move(text)));
        }
    }

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
    uint64_t version_ = 0;
    uint64_t ids_ = 0;
    std::thread thread_;
};

}  // namespace scenehost::bench
