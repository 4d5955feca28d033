// The transport's HTTP answers on a real socket, byte for byte: HEAD without a body (pipelined
// requests stay in step), 405 with Allow, 400 for a malformed request or a missing Host, 413
// and 431 over the limits, the opening handshake's own checks (400, 426), and the connection
// limit's 503; each error counted by status.
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "integration/transport_fixture.hpp"

using namespace scenehost;
using test::RawConnection;
using test::Server;
namespace http = boost::beast::http;
namespace net = boost::asio;

namespace {

using Response = http::response<http::string_body>;

// The responses that make up `bytes`, in order; a HEAD response (no_body) carries none. Fails
// when a response is incomplete or bytes are left after the last one.
std::vector<Response> parse_responses(const std::string &bytes, const std::vector<bool> &no_body) {
    std::vector<Response> responses;
    size_t offset = 0;
    for (const bool head : no_body) {
        http::response_parser<http::string_body> parser;
        parser.skip(head);
        parser.eager(true);
        while (!parser.is_done()) {
            boost::beast::error_code error;
            const size_t used = parser.put(net::buffer(bytes.data() + offset, bytes.size() - offset), error);
            offset += used;
            INFO("response " << responses.size() + 1 << " of " << bytes);
            REQUIRE((!error || error == http::error::need_more));
            REQUIRE((used > 0 || parser.is_done()));
        }
        responses.push_back(parser.release());
    }
    CHECK(bytes.substr(offset).empty());
    return responses;
}

// What the host sends back for `request` on a fresh connection, until it closes.
RawConnection::Received exchange(uint16_t port, const std::string &request) {
    RawConnection connection(port);
    connection.send(request);
    return connection.read_until_closed();
}

// The one response in `received`, which starts with `status_line`; the host closed after it.
Response only_response(const RawConnection::Received &received, const std::string &status_line) {
    CHECK(received.closed);
    CHECK_THAT(received.bytes, Catch::StartsWith(status_line + "\r\n"));
    auto responses = parse_responses(received.bytes, {false});
    REQUIRE(responses.size() == 1);
    return std::move(responses[0]);
}

uint64_t errors_counted(Server &server, const std::string &status) {
    return server.counters().http_errors.with({status}).value();
}

}  // namespace

TEST_CASE("HEAD /healthz then a pipelined GET /healthz: two well-formed responses, the first without a body") {
    Server server({});
    const auto received = exchange(server.port(),
                                   "HEAD /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                                   "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    CHECK(received.closed);
    CHECK_THAT(received.bytes, Catch::StartsWith("HTTP/1.1 200 OK\r\n"));
    const auto responses = parse_responses(received.bytes, {true, false});
    REQUIRE(responses.size() == 2);
    CHECK(responses[0].result() == http::status::ok);
    CHECK(responses[0][http::field::content_length] == "3");
    CHECK(responses[0].body().empty());
    CHECK(responses[1].result() == http::status::ok);
    CHECK(responses[1].body() == "ok\n");
}

TEST_CASE("HEAD /metrics says the length of GET's body and sends none") {
    Server server({});
    const auto received = exchange(server.port(),
                                   "HEAD /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                                   "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    const auto responses = parse_responses(received.bytes, {true, false});
    REQUIRE(responses.size() == 2);
    CHECK(responses[0].result() == http::status::ok);
    CHECK(responses[0][http::field::content_length] == std::to_string(test::kMetricsText.size()));
    CHECK(responses[1].body() == test::kMetricsText);
    CHECK(responses[1][http::field::content_type] == "text/plain; version=0.0.4; charset=utf-8");
}

TEST_CASE("other methods on /healthz and /metrics get 405 with Allow") {
    Server server({});
    for (const std::string target : {"/healthz", "/metrics"}) {
        for (const http::verb verb : {http::verb::post, http::verb::put, http::verb::delete_}) {
            const auto response = test::http_request(server.port(), verb, target);
            INFO(std::string(http::to_string(verb)) << " " << target);
            CHECK(response.result() == http::status::method_not_allowed);
            CHECK(response[http::field::allow] == "GET, HEAD");
            CHECK(response.body() == target + " answers GET and HEAD only\n");
        }
    }
    CHECK(errors_counted(server, "405") == 6);
}

TEST_CASE("HEAD of an unknown path is a 404 without a body") {
    Server server({});
    const auto received = exchange(server.port(), "HEAD /nope HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                                                  "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    const auto responses = parse_responses(received.bytes, {true, false});
    REQUIRE(responses.size() == 2);
    CHECK(responses[0].result() == http::status::not_found);
    CHECK(responses[1].body() == "ok\n");
    CHECK(errors_counted(server, "404") == 1);
}

TEST_CASE("an HTTP/1.1 request without Host gets 400 and the connection closes, HTTP/1.0 needs none") {
    Server server({});
    const auto response = only_response(exchange(server.port(), "GET /healthz HTTP/1.1\r\n\r\n"),
                                        "HTTP/1.1 400 Bad Request");
    CHECK(response.body() == "an HTTP/1.1 request needs a Host header field (RFC 9112 section 3.2)\n");
    CHECK_FALSE(response.keep_alive());
    const auto old = exchange(server.port(), "GET /healthz HTTP/1.0\r\n\r\n");
    CHECK_THAT(old.bytes, Catch::StartsWith("HTTP/1.0 200 OK\r\n") && Catch::EndsWith("\r\n\r\nok\n"));
    CHECK(errors_counted(server, "400") == 1);
}

TEST_CASE("a malformed request gets 400 with the reason, then the connection closes") {
    Server server({});
    const auto response = only_response(exchange(server.port(), "garbage\r\n\r\n"), "HTTP/1.1 400 Bad Request");
    CHECK_THAT(response.body(), Catch::StartsWith("malformed request: "));
    CHECK(response[http::field::connection] == "close");
}

TEST_CASE("a header over the limit gets 431, a body over it 413") {
    Server server({});
    SECTION("a 64 KiB header field") {
        const auto response = only_response(exchange(server.port(), "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " +
                                                                        std::string(64 * 1024, 'a') + "\r\n\r\n"),
                                            "HTTP/1.1 431 Request Header Fields Too Large");
        CHECK(response.body() == "the request header is over 16384 bytes\n");
        CHECK(errors_counted(server, "431") == 1);
    }
    SECTION("a 1 MiB POST") {
        const std::string post = "POST /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " +
                                 std::to_string(1 << 20) + "\r\n\r\n" + std::string(1 << 20, 'a');
        const auto response = only_response(exchange(server.port(), post), "HTTP/1.1 413 Payload Too Large");
        CHECK(response.body() == "the request body is over 16384 bytes\n");
        CHECK(errors_counted(server, "413") == 1);
    }
}

TEST_CASE("an upgrade with a key that is not base64 of 16 bytes gets 400, another version 426") {
    Server server({});
    for (const std::string key : {"short", "dGhlIHNhbXBsZSBub25jZQ", "AAAAAAAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAAAAAAAA===",
                                  "AAAAAAAAAAAAAAAAAAAA!A=="}) {
        INFO("key " << key);
        RawConnection client(server.port());
        const std::string head = test::raw_upgrade(client, key);
        CHECK_THAT(head, Catch::StartsWith("HTTP/1.1 400 Bad Request\r\n"));
        const auto rest = client.read_until_closed();
        CHECK(rest.closed);
        CHECK_THAT(head + rest.bytes,
                   Catch::EndsWith("\r\n\r\nSec-WebSocket-Key must be the base64 of 16 bytes (RFC 6455 section 4.2.1)\n"));
    }
    RawConnection version(server.port());
    const std::string head = test::raw_upgrade(version, "dGhlIHNhbXBsZSBub25jZQ==", "8");
    CHECK_THAT(head, Catch::StartsWith("HTTP/1.1 426 Upgrade Required\r\n") &&
                         Catch::Contains("\r\nSec-WebSocket-Version: 13\r\n"));
    RawConnection good(server.port());
    CHECK_THAT(test::raw_upgrade(good), Catch::StartsWith("HTTP/1.1 101 Switching Protocols\r\n"));
    CHECK(errors_counted(server, "400") == 5);
    CHECK(errors_counted(server, "426") == 1);
}

TEST_CASE("past --max-connections a connection gets 503 with Retry-After and the limit, and is closed") {
    Server server({}, nullptr, 2);
    std::optional<test::WsClient> first(std::in_place, server.port());
    test::WsClient second(server.port());
    REQUIRE(test::eventually([&] { return server.gate().open() == 2; }, std::chrono::seconds(2)));
    const auto refused = only_response(exchange(server.port(), "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
                                       "HTTP/1.1 503 Service Unavailable");
    CHECK(refused[http::field::retry_after] == "1");
    CHECK(refused.body() == "scenehost: connection limit (2) reached; try again later\n");
    CHECK(server.counters().connections_refused.value() == 1);
    CHECK(errors_counted(server, "503") == 1);
    // An upgrade is refused the same way, before it is read.
    RawConnection upgrade(server.port());
    CHECK_THAT(test::raw_upgrade(upgrade), Catch::StartsWith("HTTP/1.1 503 Service Unavailable\r\n"));
    CHECK(server.counters().connections_refused.value() == 2);

    first.reset();  // a place comes free once the host has seen the close
    CHECK(test::eventually([&] { return server.gate().open() == 1; }, std::chrono::seconds(2)));
    CHECK(test::http_get(server.port(), "/healthz") == std::pair<int, std::string>{200, "ok\n"});
    second.send_text("still here");
    CHECK(test::text_of(second.read()) == "echo:still here");
}
