// No client can pin a connection: a write (WebSocket or HTTP) that does not complete within the
// write timeout ends it, so does a close handshake or a teardown past the close timeout, even behind a stuck
// write; and a listener out of file descriptors backs off instead of spinning on accept.
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include "integration/transport_fixture.hpp"

using namespace scenehost;
using namespace std::chrono_literals;
using test::Closed;
using test::Message;
using test::Server;
using test::WsClient;

namespace {

// Small socket buffers on both ends, so that a client that does not read blocks the host's
// write within a few kilobytes.
transport::TransportConfig small_buffers() {
    transport::TransportConfig config;
    config.write_timeout = 500ms;
    config.close_timeout = 500ms;
    config.socket_send_buffer_bytes = 4096;
    return config;
}

// Reads what the client can until the connection ends; the frames read and how it ended.
std::pair<int, test::ReadResult> read_to_end(WsClient &client) {
    int frames = 0;
    for (;;) {
        test::ReadResult r = client.read();
        if (!std::holds_alternative<Message>(r)) return {frames, r};
        ++frames;
    }
}

}  // namespace

TEST_CASE("a client that stops reading loses its TCP connection after the write timeout") {
    transport::TransportConfig config = small_buffers();
    config.send_queue_bytes = 64 << 20;  // the queue never overflows: only the deadline can end this
    Server server(config);
    WsClient client(server.port(), {.receive_buffer_bytes = 4096});
    const auto start = std::chrono::steady_clock::now();
    client.send_text("flood 64 65536");  // 4 MiB the client does not read
    REQUIRE(test::eventually([&] { return server.counters().write_timeouts.value() == 1 && server.gate().open() == 0; },
                             config.write_timeout + 2s));
    CHECK(std::chrono::steady_clock::now() - start >= config.write_timeout);
    const auto [frames, end] = read_to_end(client);
    CHECK(frames < 64);
    REQUIRE(std::holds_alternative<Closed>(end));
    CHECK(std::get<Closed>(end).error != boost::beast::websocket::error::closed);  // TCP closed, no close frame
}

TEST_CASE("an HTTP client that stops reading a large response loses its connection after the write timeout") {
    namespace fs = std::filesystem;
    const fs::path root = fs::temp_directory_path() / ("scenehost-deadline-web-" + std::to_string(getpid()));
    fs::create_directories(root);
    std::ofstream(root / "big.js") << std::string(8 << 20, 'x');
    const transport::StaticFiles web(root);
    const transport::TransportConfig config = small_buffers();
    Server server(config, &web);
    test::RawConnection client(server.port(), 4096);
    client.send("GET /big.js HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");  // 8 MiB the client does not read
    CHECK(test::eventually([&] { return server.counters().write_timeouts.value() == 1 && server.gate().open() == 0; },
                           config.write_timeout + 2s));
    fs::remove_all(root);
}

TEST_CASE("a 1013 close behind a stuck write still ends within the write timeout and the close timeout") {
    transport::TransportConfig config = small_buffers();
    config.send_queue_bytes = 256 * 1024;  // the flood overflows it: close(1013) while a write is stuck
    Server server(config);
    WsClient client(server.port(), {.receive_buffer_bytes = 4096});
    client.send_text("flood 64 65536");
    REQUIRE(test::eventually([&] { return server.gate().open() == 0; }, config.write_timeout + config.close_timeout + 2s));
    CHECK(server.counters().write_timeouts.value() == 1);
    const auto [frames, end] = read_to_end(client);
    CHECK(frames < 64);
    CHECK(std::holds_alternative<Closed>(end));
}

TEST_CASE("a close the client never answers ends within the close timeout") {
    const transport::TransportConfig config = small_buffers();
    Server server(config);
    test::RawConnection client(server.port());
    REQUIRE_THAT(test::raw_upgrade(client), Catch::StartsWith("HTTP/1.1 101 Switching Protocols\r\n"));
    client.send(test::client_frame(0x2, "\x01"));  // binary on /control: the host closes with 1003
    CHECK(test::server_close_code(client.read_until(std::string("\x03\xeb", 2))) == 1003);
    // The client neither answers the close nor closes TCP.
    CHECK(test::eventually([&] { return server.gate().open() == 0; }, config.close_timeout + 2s));
}

TEST_CASE("a client that sends a close and then keeps TCP open is dropped within the close timeout") {
    const transport::TransportConfig config = small_buffers();
    Server server(config);
    test::RawConnection client(server.port());
    REQUIRE_THAT(test::raw_upgrade(client), Catch::StartsWith("HTTP/1.1 101 Switching Protocols\r\n"));
    client.send(test::close_frame(1000));
    CHECK(test::server_close_code(client.read_until(std::string("\x03\xe8", 2))) == 1000);
    // The host echoed and waits for the client's FIN, which never comes: its teardown deadline ends it.
    CHECK(test::eventually([&] { return server.gate().open() == 0; }, config.close_timeout + 2s));
}

// In a child process (its file descriptor limit is its own): a listener whose accepts fail
// with EMFILE for a second, then succeed once descriptors are free again. The child reports
// "<client connected: 1> <failed accepts while out of descriptors> <connections open after>".
TEST_CASE("accepting out of file descriptors backs off instead of spinning, and recovers") {
    int report[2];
    REQUIRE(pipe(report) == 0);
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        close(report[0]);
        boost::asio::io_context io;
        test::EchoEndpoint endpoint;
        transport::ConnectionGate gate(16);
        transport::TransportMetrics counters;
        transport::TransportConfig config;
        config.address = "127.0.0.1";
        config.port = 0;
        transport::Listener listener(io, config, gate, counters, endpoint);
        listener.start();
        // The client socket first: connecting needs no new descriptor, accepting does.
        const int client = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(listener.local_endpoint().port());
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        rlimit limit{};
        getrlimit(RLIMIT_NOFILE, &limit);
        limit.rlim_cur = 64;
        setrlimit(RLIMIT_NOFILE, &limit);
        std::vector<int> filler;
        for (int fd; (fd = open("/dev/null", O_RDONLY)) >= 0;) filler.push_back(fd);  // every descriptor taken
        const bool connected = connect(client, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0;
        io.run_for(1s);
        const uint64_t failed = counters.accept_failures.value();
        for (int fd : filler) close(fd);
        const auto deadline = std::chrono::steady_clock::now() + 5s;
        while (gate.open() == 0 && std::chrono::steady_clock::now() < deadline) io.run_for(50ms);
        char line[64];
        const int n = std::snprintf(line, sizeof line, "%d %llu %zu\n", connected ? 1 : 0,
                                    static_cast<unsigned long long>(failed), gate.open());
        (void)!write(report[1], line, size_t(n));
        _exit(0);
    }
    close(report[1]);
    char line[64] = {};
    const ssize_t n = read(report[0], line, sizeof line - 1);
    close(report[0]);
    int status = 0;
    waitpid(child, &status, 0);
    REQUIRE(n > 0);
    int connected = 0;
    unsigned long long failed = 0;
    size_t open = 0;
    REQUIRE(std::sscanf(line, "%d %llu %zu", &connected, &failed, &open) == 3);
    CHECK(connected == 1);
    // 10 ms doubling: about 7 tries in the first second; an accept loop without a pause makes
    // hundreds of thousands.
    CHECK(failed >= 2);
    CHECK(failed <= 20);
    CHECK(open == 1);  // the pending connection was accepted once a descriptor came free
}
