// The MCP server's JSON-RPC handling against a fake host session: version negotiation, the tool
// table generated from state.schema (each value schema verbatim), every JSON-RPC error code, and
// tool failures as isError results, through handle() and the line-stream serve().
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <functional>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "ctl/control_client.hpp"
#include "ctl/mcp_server.hpp"
#include "protocol/client_requests.hpp"

using namespace scenehost;
namespace json = boost::json;

namespace {

// What state.schema answers: a generic scope, a napari scope with a dotted key, the camera, and
// keys no tool can be made for (an invalid name, a name too long, a read-only schema).
constexpr const char *kSchema = R"({"scopes": {
  "annotations": {"publication": "state", "keys": {
      "color": {"type": "string", "pattern": "^#[0-9a-f]{8}$"},
      "points": {"type": "array", "maxItems": 4096, "items": {"type": "array", "minItems": 2, "items": {"type": "number"}}}}},
  "layer": {"publication": "napari_layers", "keys": {
      "opacity": {"type": "number", "minimum": 0, "maximum": 1},
      "multiscale.level": {"type": "integer", "minimum": 0},
      "shape": {"type": "array", "readOnly": true}}},
  "camera": {"publication": "napari_camera", "keys": {"zoom": {"type": "number", "exclusiveMinimum": 0}}},
  "dims": {"publication": "napari_dims", "keys": {"current_step": {"type": "array"}}},
  "bad scope": {"publication": "state", "keys": {"x": {"type": "number"}}},
  "long": {"publication": "state", "keys": {"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk": {}}}}})";

// A 1 x 1 RGBA PNG.
constexpr const char *kPng1x1 =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

protocol::ServerFrame server_frame(const std::string &text) {
    auto read = protocol::read_server_frame(text);
    if (const auto *e = std::get_if<protocol::ProtocolError>(&read)) FAIL(e->code << ": " << e->message << " in " << text);
    return std::get<protocol::ServerFrame>(std::move(read));
}

// An ack.state as the host would send it, read by the client's reader.
ctl::AckResult ack(const json::object &payload) {
    const protocol::ServerFrame frame = server_frame(json::serialize(json::object{
        {"type", "ack.state"}, {"version", 1}, {"session", "s-1"}, {"frame_id", "f-1"}, {"timestamp", 1.0},
        {"payload", payload}}));
    return {protocol::read_ack(frame), frame.payload()};
}

ctl::AckResult accepted(const json::value &applied, uint64_t version) {
    return ack({{"intent_id", "i-1"}, {"in_reply_to", "s-1"}, {"status", "accepted"}, {"applied_value", applied},
                {"version", version}});
}

ctl::AckResult rejected(std::string_view code, std::string_view message) {
    return ack({{"intent_id", "i-1"}, {"in_reply_to", "s-1"}, {"status", "rejected"},
                {"error", {{"code", code}, {"message", message}, {"details", {{"key", "opacity"}}}}}});
}

protocol::CommandAnswer ok(json::value result) { return {"c-1", std::move(result)}; }
protocol::CommandAnswer failed(std::string code, std::string message) {
    return {"c-1", protocol::CommandFailure{std::move(code), std::move(message), std::nullopt}};
}

std::shared_ptr<const protocol::ServerFrame> state_notify(uint64_t seq) {
    return std::make_shared<const protocol::ServerFrame>(server_frame(json::serialize(json::object{
        {"type", "notify.state"}, {"version", 1}, {"session", "s-1"}, {"timestamp", 1.0}, {"seq", seq},
        {"delta_token", "t" + std::to_string(seq)},
        {"payload", {{"scope", "annotations"}, {"target", "a1"}, {"changes", {{"label", "x"}}}, {"version", seq}}}})));
}

class FakeHost final : public ctl::HostSession {
public:
    FakeHost() {
        handlers["state.schema"] = [](const protocol::CallCommand &) { return ok(json::parse(kSchema)); };
        handlers["state.get"] = [](const protocol::CallCommand &call) {
            json::object result = call.kwargs;
            result["value"] = 0.5;
            result["version"] = 3;
            return ok(result);
        };
        handlers["scene.snapshot"] = [](const protocol::CallCommand &) {
            return ok(json::parse(R"({"viewer": {}, "layers": [{"layer_id": "layer-0", "layer_type": "image",
                "name": "cells", "ndim": 3, "shape": [64, 256, 256], "dtype": "uint16",
                "controls": {"visible": true, "opacity": 0.5, "colormap": "gray"}}]})"));
        };
        handlers["scene.screenshot"] = [this](const protocol::CallCommand &) {
            if (screenshots_retryable > 0) {
                --screenshots_retryable;
                return failed("command.retryable", "no frame has been rendered yet; ask again");
            }
            return ok(json::object{{"format", "png"}, {"width", 1}, {"height", 1}, {"sequence", 4}, {"captured_us", 10},
                                   {"versions", {{"layer", 7}}}, {"errors", json::array{}}, {"data", png}});
        };
    }

    const std::vector<std::string> &commands() const override { return catalogue; }
    ctl::AckResult update(const protocol::StateUpdate &u) override {
        updates.push_back(u);
        if (lose_session) throw ctl::Failure(ctl::FailureKind::connection, "connection.closed", "the host closed the connection");
        if (time_out) throw ctl::Failure(ctl::FailureKind::connection, "connection.timeout", "no answer within 1 s", false);
        return on_update(u);
    }
    protocol::CommandAnswer command(const protocol::CallCommand &call) override {
        calls.push_back(call);
        const auto it = handlers.find(call.command);
        if (it == handlers.end()) return failed("command.not_found", "no command " + call.command);
        return it->second(call);
    }
    ctl::NotifyBatch notifications_since(uint64_t cursor, size_t limit) override { return ring.since(cursor, limit); }

    std::vector<std::string> catalogue = {"scene.snapshot", "scene.screenshot", "state.get", "state.schema"};
    std::map<std::string, std::function<protocol::CommandAnswer(const protocol::CallCommand &)>> handlers;
    std::function<ctl::AckResult(const protocol::StateUpdate &)> on_update = [](const protocol::StateUpdate &u) {
        return accepted(u.value, 12);
    };
    std::vector<protocol::StateUpdate> updates;
    std::vector<protocol::CallCommand> calls;
    ctl::NotifyRing ring{4};
    std::string png = kPng1x1;
    int screenshots_retryable = 0;
    bool lose_session = false;
    bool time_out = false;
};

ctl::McpOptions options() { return {"9.9.9", std::chrono::milliseconds(2000)}; }

// One request line in, its reply parsed.
json::object rpc(ctl::McpServer &server, const std::string &line) {
    const auto reply = server.handle(line);
    INFO(line);
    REQUIRE(reply.has_value());
    CHECK(reply->find('\n') == std::string::npos);
    return json::parse(*reply).as_object();
}

json::object request(ctl::McpServer &server, int id, std::string_view method, json::object params = {}) {
    return rpc(server, json::serialize(json::object{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}}));
}

void initialize(ctl::McpServer &server, std::string_view revision = "2025-06-18") {
    const json::object reply = request(server, 1, "initialize",
                                       {{"protocolVersion", revision}, {"capabilities", json::object{}},
                                        {"clientInfo", {{"name", "test"}, {"version", "1"}}}});
    REQUIRE(reply.contains("result"));
}

json::object call_tool(ctl::McpServer &server, std::string_view name, json::object arguments) {
    return request(server, 7, "tools/call", {{"name", name}, {"arguments", std::move(arguments)}});
}

int64_t error_code(const json::object &reply) {
    INFO(json::serialize(reply));
    REQUIRE(reply.contains("error"));
    return reply.at("error").at("code").as_int64();
}

json::object result(const json::object &reply) {
    INFO(json::serialize(reply));
    REQUIRE(reply.contains("result"));
    return reply.at("result").as_object();
}

std::string first_text(const json::object &tool_result) {
    return std::string(tool_result.at("content").at(0).at("text").as_string());
}

std::map<std::string, json::object> listed_tools(ctl::McpServer &server) {
    std::map<std::string, json::object> tools;
    const json::object listed = result(request(server, 2, "tools/list"));
    for (const json::value &t : listed.at("tools").as_array()) {
        tools.emplace(std::string(t.at("name").as_string()), t.as_object());
    }
    return tools;
}

}  // namespace

TEST_CASE("initialize echoes a revision it speaks, else answers with its newest") {
    FakeHost host;
    for (std::string_view revision : ctl::kMcpVersions) {
        ctl::McpServer server(host, options());
        const json::object reply = request(server, 1, "initialize",
                                           {{"protocolVersion", revision}, {"capabilities", json::object{}},
                                            {"clientInfo", {{"name", "test"}, {"version", "1"}}}});
        CHECK(reply.at("jsonrpc") == "2.0");
        CHECK(reply.at("id") == 1);
        const json::object &r = result(reply);
        CHECK(r.at("protocolVersion") == json::value(revision));
        CHECK(r.at("capabilities") == json::parse(R"({"tools": {}})"));
        CHECK(r.at("serverInfo") == json::parse(R"({"name": "scenehost", "version": "9.9.9"})"));
    }
    ctl::McpServer server(host, options());
    const json::object future = request(server, 9, "initialize",
                                        {{"protocolVersion", "2099-01-01"}, {"capabilities", json::object{}},
                                         {"clientInfo", {{"name", "test"}, {"version", "1"}}}});
    CHECK(result(future).at("protocolVersion") == "2025-06-18");
    CHECK(error_code(request(server, 2, "initialize",
                             {{"protocolVersion", "2025-06-18"}, {"capabilities", json::object{}},
                              {"clientInfo", {{"name", "test"}, {"version", "1"}}}})) == -32600);

    ctl::McpServer fresh(host, options());
    CHECK(error_code(request(fresh, 3, "tools/list")) == -32600);  // before initialize
    CHECK(error_code(request(fresh, 4, "initialize", {{"protocolVersion", "2025-06-18"}, {"capabilities", json::object{}}})) ==
          -32602);  // no clientInfo
    CHECK(result(request(fresh, 5, "ping")).empty());  // ping needs no session
}

TEST_CASE("tools/list: the fixed tools and one set_<scope>_<key> per declared key, the value schema verbatim") {
    FakeHost host;
    ctl::McpServer server(host, options());
    initialize(server);
    const auto tools = listed_tools(server);
    for (const char *name : {"list_layers", "get_state", "set_state", "set_camera", "set_dims", "screenshot",
                             "recent_changes", "set_annotations_color", "set_annotations_points", "set_layer_opacity",
                             "set_layer_multiscale_level", "set_camera_zoom", "set_dims_current_step"}) {
        INFO(name);
        CHECK(tools.count(name) == 1);
    }
    CHECK(tools.count("set_ndisplay") == 0);      // the schema declares no view/ndisplay
    CHECK(tools.count("set_layer_shape") == 0);   // readOnly
    CHECK(tools.count("set_bad scope_x") == 0);   // not a tool name
    CHECK(tools.size() == 13);                    // and the 64-character key made a name too long
    const std::regex name_rule("^[a-zA-Z0-9_-]{1,64}$");
    for (const auto &[name, tool] : tools) {
        INFO(name);
        CHECK(std::regex_match(name, name_rule));
        CHECK_FALSE(tool.at("description").as_string().empty());
        CHECK(tool.at("inputSchema").at("type") == "object");
    }
    const json::object schema = json::parse(kSchema).as_object();
    const json::object &color = tools.at("set_annotations_color").at("inputSchema").as_object();
    CHECK(color.at("properties").at("value") == schema.at("scopes").at("annotations").at("keys").at("color"));
    CHECK(color.at("properties").at("target").at("type") == "string");
    const json::value base_version = json::parse(R"json({"type": "integer", "minimum": 0,
        "description": "Refuse the write (state.conflict) unless the property's version is still this one (from get_state or an earlier set)"})json");
    CHECK(color.at("properties").at("base_version") == base_version);
    CHECK(color.at("required") == json::parse(R"(["target", "value"])"));
    CHECK(tools.at("set_layer_multiscale_level").at("inputSchema").at("properties").at("value") ==
          schema.at("scopes").at("layer").at("keys").at("multiscale.level"));
    CHECK(error_code(request(server, 3, "tools/list", {{"cursor", "next"}})) == -32602);
    CHECK(host.calls.at(0).command == "state.schema");
}

TEST_CASE("tools the host cannot serve are left out") {
    FakeHost host;
    host.catalogue = {"state.schema"};
    ctl::McpServer server(host, options());
    initialize(server);
    const auto tools = listed_tools(server);
    CHECK(tools.count("list_layers") == 0);
    CHECK(tools.count("get_state") == 0);
    CHECK(tools.count("screenshot") == 0);
    CHECK(tools.count("set_state") == 1);
}

TEST_CASE("JSON-RPC errors: parse error, invalid request, unknown method, invalid params") {
    FakeHost host;
    ctl::McpServer server(host, options());
    initialize(server);
    auto check_error = [&](const std::string &line, int64_t code, const json::value &id) {
        const json::object reply = rpc(server, line);
        CHECK(error_code(reply) == code);
        CHECK(reply.at("id") == id);
        CHECK_FALSE(reply.at("error").at("message").as_string().empty());
    };
    check_error("{not json", -32700, nullptr);
    check_error("", -32700, nullptr);
    check_error(R"({"jsonrpc": "2.0", "id": 1, "method": "ping"} trailing)", -32700, nullptr);
    check_error("42", -32600, nullptr);
    check_error(R"({"jsonrpc": "1.0", "id": 5, "method": "ping"})", -32600, 5);
    check_error(R"({"id": 5, "method": "ping"})", -32600, 5);
    check_error(R"({"jsonrpc": "2.0", "id": [5], "method": "ping"})", -32600, nullptr);
    check_error(R"({"jsonrpc": "2.0", "id": null, "method": "ping"})", -32600, nullptr);
    check_error(R"({"jsonrpc": "2.0", "id": 1.5, "method": "ping"})", -32600, nullptr);
    check_error(R"({"jsonrpc": "2.0", "id": 5, "method": 7})", -32600, 5);
    check_error(R"({"jsonrpc": "2.0", "id": "abc", "method": "resources/list"})", -32601, "abc");
    check_error(R"({"jsonrpc": "2.0", "id": 6, "method": "tools/call", "params": [1]})", -32602, 6);
    check_error(R"({"jsonrpc": "2.0", "id": 6, "method": "tools/call", "params": {}})", -32602, 6);
    check_error(R"({"jsonrpc": "2.0", "id": 6, "method": "tools/call", "params": {"name": "nope"}})", -32602, 6);
    check_error(R"([{"jsonrpc": "2.0", "id": 8, "method": "ping"}])", -32600, nullptr);  // no batches in 2025-06-18

    auto bad_arguments = [&](std::string_view tool, json::object arguments) {
        INFO(tool << " " << json::serialize(arguments));
        CHECK(error_code(call_tool(server, tool, std::move(arguments))) == -32602);
    };
    bad_arguments("set_state", {{"scope", "layer"}, {"target", "layer-0"}, {"value", 1}});  // no key
    bad_arguments("set_state", {{"scope", "layer"}, {"target", "layer-0"}, {"key", "opacity"}, {"value", 1}, {"colour", 1}});
    bad_arguments("set_state", {{"scope", "layer"}, {"target", "layer-0"}, {"key", "opacity"}, {"value", 1}, {"base_version", -1}});
    bad_arguments("set_layer_opacity", {{"target", 3}, {"value", 1}});
    bad_arguments("get_state", {{"scope", ""}, {"target", "main"}, {"key", "zoom"}});
    bad_arguments("set_camera", {});
    bad_arguments("set_camera", {{"fov", 3}});
    bad_arguments("set_dims", {{"axis", -1}, {"index", 3}});
    bad_arguments("recent_changes", {{"limit", 0}});
    bad_arguments("list_layers", {{"all", true}});
    // 1e999 parses to infinity, which no frame can carry: refused before it reaches the host.
    const json::object huge = rpc(server, R"({"jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": {"name": "set_state",
        "arguments": {"scope": "layer", "target": "layer-0", "key": "opacity", "value": [1, 1e999]}}})");
    CHECK(error_code(huge) == -32602);
    CHECK(huge.at("error").at("message") == "arguments.value[1] is a number outside the double range");
    CHECK(host.updates.empty());

    // Notifications and responses get no reply.
    CHECK_FALSE(server.handle(R"({"jsonrpc": "2.0", "method": "notifications/initialized"})").has_value());
    CHECK_FALSE(server.handle(R"({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 3}})").has_value());
    CHECK_FALSE(server.handle(R"({"jsonrpc": "2.0", "method": "no/such/notification"})").has_value());
    CHECK_FALSE(server.handle(R"({"jsonrpc": "2.0", "id": 40, "result": {}})").has_value());
}

TEST_CASE("a 2025-03-26 session takes batches") {
    FakeHost host;
    ctl::McpServer server(host, options());
    initialize(server, "2025-03-26");
    const auto reply = server.handle(R"([{"jsonrpc": "2.0", "id": 1, "method": "ping"},
        {"jsonrpc": "2.0", "method": "notifications/initialized"}, {"jsonrpc": "2.0", "id": 2, "method": "nope"}])");
    REQUIRE(reply.has_value());
    const json::array answers = json::parse(*reply).as_array();
    REQUIRE(answers.size() == 2);
    CHECK(answers[0].at("id") == 1);
    CHECK(answers[1].at("error").at("code") == -32601);
    CHECK(rpc(server, "[]").at("error").at("code") == -32600);
    // 2025-03-26 has no structuredContent.
    CHECK_FALSE(result(call_tool(server, "get_state", {{"scope", "camera"}, {"target", "main"}, {"key", "zoom"}}))
                    .contains("structuredContent"));
}

TEST_CASE("tools/call: writes reach the host as state.update, their acks come back as the result") {
    FakeHost host;
    ctl::McpServer server(host, options());
    initialize(server);

    const json::object &color = result(call_tool(server, "set_annotations_color", {{"target", "a1"}, {"value", "#ff0000ff"}, {"base_version", 4}}));
    CHECK_FALSE(color.contains("isError"));
    CHECK(color.at("structuredContent").at("status") == "accepted");
    CHECK(color.at("structuredContent").at("version") == 12);
    CHECK(json::parse(first_text(color)) == color.at("structuredContent"));
    REQUIRE(host.updates.size() == 1);
    CHECK(host.updates[0].scope == "annotations");
    CHECK(host.updates[0].target == "a1");
    CHECK(host.updates[0].key == "color");
    CHECK(host.updates[0].value == "#ff0000ff");
    CHECK(host.updates[0].base_version == 4u);

    result(call_tool(server, "set_layer_multiscale_level", {{"target", "layer-0"}, {"value", 1}}));
    CHECK(host.updates.back().key == "multiscale.level");
    result(call_tool(server, "set_camera", {{"zoom", 2.5}, {"center", json::array{10, 20}}}));
    CHECK(host.updates.back().scope == "camera");
    CHECK(host.updates.back().target == "main");
    CHECK(host.updates.back().key == "set");
    CHECK(host.updates.back().value == json::parse(R"({"zoom": 2.5, "center": [10, 20]})"));
    result(call_tool(server, "set_dims", {{"axis", 0}, {"index", 5}}));
    CHECK(host.updates.back().scope == "dims");
    CHECK(host.updates.back().target == "0");
    CHECK(host.updates.back().key == "index");
    CHECK(host.updates.back().value == 5);
    result(call_tool(server, "set_dims", {{"axis", "z"}, {"index", 6}}));
    CHECK(host.updates.back().target == "z");
    result(call_tool(server, "set_state", {{"scope", "view"}, {"target", "main"}, {"key", "ndisplay"}, {"value", 3}}));
    CHECK(host.updates.back().scope == "view");
    CHECK_FALSE(host.updates.back().base_version.has_value());

    const json::object &got = result(call_tool(server, "get_state", {{"scope", "camera"}, {"target", "main"}, {"key", "zoom"}}));
    CHECK(got.at("structuredContent") == json::parse(R"({"scope": "camera", "target": "main", "key": "zoom", "value": 0.5, "version": 3})"));
    CHECK(host.calls.back().kwargs == json::parse(R"({"scope": "camera", "target": "main", "key": "zoom"})"));

    const json::object &layers = result(call_tool(server, "list_layers", {}));
    const json::value expected_layers = json::parse(R"({"layers": [{"id": "layer-0", "type": "image", "name": "cells",
        "shape": [64, 256, 256], "dtype": "uint16", "visible": true, "opacity": 0.5}]})");
    CHECK(layers.at("structuredContent") == expected_layers);
}

TEST_CASE("tools/call: a rejected update or a command error is a result with isError and the code") {
    FakeHost host;
    host.on_update = [](const protocol::StateUpdate &) { return rejected("state.out_of_range", "layer.opacity must be in [0, 1], not 2"); };
    ctl::McpServer server(host, options());
    initialize(server);
    const json::object &r = result(call_tool(server, "set_layer_opacity", {{"target", "layer-0"}, {"value", 2}}));
    CHECK(r.at("isError") == true);
    CHECK(first_text(r) == R"(state.out_of_range: layer.opacity must be in [0, 1], not 2 (details: {"key":"opacity"}))");

    host.handlers["state.get"] = [](const protocol::CallCommand &) { return failed("command.invalid", "state.get: no record a/b/c"); };
    const json::object &g = result(call_tool(server, "get_state", {{"scope", "a"}, {"target", "b"}, {"key", "c"}}));
    CHECK(g.at("isError") == true);
    CHECK(first_text(g) == "command.invalid: state.get: no record a/b/c");

    host.time_out = true;  // the session goes on after a request that timed out
    const json::object &t = result(call_tool(server, "set_layer_opacity", {{"target", "layer-0"}, {"value", 0.5}}));
    CHECK(t.at("isError") == true);
    CHECK(first_text(t) == "connection.timeout: no answer within 1 s");
    CHECK_FALSE(server.lost().has_value());

    // A result that breaks its shape is the host's fault: an internal error.
    host.handlers["scene.snapshot"] = [](const protocol::CallCommand &) { return ok(json::parse(R"({"layers": [{"layer_id": 3}]})")); };
    const json::object bad = call_tool(server, "list_layers", {});
    CHECK(error_code(bad) == -32603);
    CHECK(bad.at("error").at("message") == "the host's scene.snapshot result breaks its shape: result.layers[0].layer_id must be a string");
}

TEST_CASE("screenshot: an image content item and its size, asked again while no frame is rendered") {
    FakeHost host;
    host.screenshots_retryable = 2;
    ctl::McpServer server(host, options());
    initialize(server);
    const json::object &r = result(call_tool(server, "screenshot", {}));
    const json::array &content = r.at("content").as_array();
    REQUIRE(content.size() == 2);
    CHECK(content[0] == json::object{{"type", "image"}, {"data", kPng1x1}, {"mimeType", "image/png"}});
    CHECK(content[1].at("type") == "text");
    CHECK(json::parse(content[1].at("text").as_string()) == json::parse(R"({"width": 1, "height": 1, "versions": {"layer": 7}})"));
    CHECK(host.calls.size() == 1 + 3);  // state.schema, then two retryable answers and the picture

    host.png = "iVBORw0KGgo=";  // a PNG signature and nothing else
    const json::object bad = call_tool(server, "screenshot", {});
    CHECK(error_code(bad) == -32603);
    CHECK(bad.at("error").at("message") == "the host's scene.screenshot result breaks its shape: result.data must decode to a PNG (signature, then the IHDR chunk)");
}

TEST_CASE("recent_changes: the ring's frames since the previous call, and how many were missed") {
    FakeHost host;
    ctl::McpServer server(host, options());
    initialize(server);
    host.ring.push(state_notify(1));
    host.ring.push(state_notify(2));
    const json::object first = result(call_tool(server, "recent_changes", {})).at("structuredContent").as_object();
    REQUIRE(first.at("frames").as_array().size() == 2);
    CHECK(first.at("frames").at(0).at("type") == "notify.state");
    CHECK(first.at("frames").at(1).at("seq") == 2);
    CHECK(first.at("missed") == 0);
    CHECK(result(call_tool(server, "recent_changes", {})).at("structuredContent").at("frames").as_array().empty());
    for (uint64_t seq = 3; seq <= 8; ++seq) host.ring.push(state_notify(seq));  // the ring holds 4
    const json::object later = result(call_tool(server, "recent_changes", {{"limit", 3}})).at("structuredContent").as_object();
    REQUIRE(later.at("frames").as_array().size() == 3);
    CHECK(later.at("frames").at(0).at("seq") == 6);
    CHECK(later.at("missed") == 3);
}

TEST_CASE("serve: one reply line per request, and a lost host session answers -32603 and ends the server") {
    FakeHost host;
    ctl::McpServer server(host, options());
    std::istringstream in(
        R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})"
        "\n"
        R"({"jsonrpc":"2.0","method":"notifications/initialized"})"
        "\r\n"
        R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"set_layer_opacity","arguments":{"target":"layer-0","value":0.5}}})"
        "\n"
        R"({"jsonrpc":"2.0","id":3,"method":"ping"})"
        "\n");
    std::ostringstream out;
    host.lose_session = true;
    CHECK(server.serve(in, out) == ctl::McpEnd::host_lost);
    std::vector<json::object> replies;
    std::istringstream lines(out.str());
    for (std::string line; std::getline(lines, line);) replies.push_back(json::parse(line).as_object());
    REQUIRE(replies.size() == 2);  // initialize and the call; ping was never read
    CHECK(replies[0].at("id") == 1);
    CHECK(replies[1].at("id") == 2);
    CHECK(replies[1].at("error").at("code") == -32603);
    REQUIRE(server.lost().has_value());
    CHECK(server.lost()->code() == "connection.closed");

    FakeHost quiet;
    ctl::McpServer second(quiet, options());
    std::istringstream ping(R"({"jsonrpc":"2.0","id":"p","method":"ping"})" "\n");
    std::ostringstream pong;
    CHECK(second.serve(ping, pong) == ctl::McpEnd::input_closed);
    CHECK(pong.str() == "{\"jsonrpc\":\"2.0\",\"id\":\"p\",\"result\":{}}\n");
}

TEST_CASE("a host without state.schema, or whose schema breaks its shape, is refused at start") {
    FakeHost none;
    none.catalogue = {"scene.snapshot"};
    try {
        ctl::McpServer server(none, options());
        FAIL("the server started without state.schema");
    } catch (const ctl::Failure &failure) {
        CHECK(failure.code() == "command.not_found");
    }
    FakeHost broken;
    broken.handlers["state.schema"] = [](const protocol::CallCommand &) {
        return ok(json::parse(R"({"scopes": {"layer": {"publication": "napari_layer", "keys": {}}}})"));
    };
    try {
        ctl::McpServer server(broken, options());
        FAIL("the server started on a broken schema");
    } catch (const ctl::Failure &failure) {
        CHECK(failure.code() == "protocol.invalid_result");
        CHECK_THAT(failure.message(), Catch::Contains("result.scopes.layer.publication must be one of"));
    }
}
