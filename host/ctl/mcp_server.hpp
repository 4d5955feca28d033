// `scenehostctl mcp`: a Model Context Protocol server on stdio (JSON-RPC 2.0, one message per
// line; stdout carries only protocol messages). Its tools act on the scene through one host
// session, so every call passes the host's auth, reducers and audit log under the session's actor.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ctl/control_client.hpp"

namespace scenehost::ctl {

// The MCP revisions this server speaks, oldest first; initialize echoes the client's when it is
// one of them, else answers with the newest.
inline constexpr std::string_view kMcpVersions[] = {"2024-11-05", "2025-03-26", "2025-06-18"};

// One tool as tools/list shows it.
struct McpTool {
    std::string name;  // matches ^[a-zA-Z0-9_-]{1,64}$
    std::string description;
    boost::json::object input_schema;
};

struct McpOptions {
    std::string server_version;                        // serverInfo.version
    std::chrono::milliseconds retry_window{10'000};    // how long screenshot asks again while no frame is rendered
};

enum class McpEnd {
    input_closed,  // stdin ended: the client is done
    host_lost,     // the host session ended; the last reply said so
};

// Single-threaded: one message is handled at a time, each tool call waits for the host.
class McpServer {
public:
    // Reads the host's declarations (state.schema) and builds the tool table: the fixed tools
    // whose commands the host offers, then one set_<scope>_<key> per declared key. Throws Failure
    // when the host cannot answer or its answer breaks the result's shape.
    McpServer(HostSession &host, McpOptions options);

    // Serves `in` line by line, each reply a line on `out` (flushed), until `in` ends or the host
    // session is lost.
    McpEnd serve(std::istream &in, std::ostream &out);
    // One message line (a request, a notification, a response, or a batch in 2025-03-26); the
    // reply line, if it gets one.
    std::optional<std::string> handle(std::string_view line);
    // Why the host session was lost, once it was.
    const std::optional<Failure> &lost() const { return lost_; }
    const std::vector<McpTool> &tools() const;

    // What a tool does, and for set_<scope>_<key> the address it writes.
    enum class ToolKind { list_layers, get_state, set_state, set_key, set_camera, set_dims, set_ndisplay, screenshot, recent_changes };
    struct ToolEntry {
        McpTool tool;
        ToolKind kind;
        std::string scope{};  // set_key only
        std::string key{};    // set_key only
    };

    // A JSON-RPC error to answer with.
    struct RpcError {
        int code;
        std::string message;
    };
    using Outcome = std::variant<boost::json::object, RpcError>;  // a result, or an error

private:
    void add_key_tools(const std::vector<protocol::ScopeDeclaration> &scopes);
    void add(ToolEntry entry);

    std::optional<boost::json::value> handle_message(const boost::json::value &message);
    Outcome initialize(const boost::json::object &params);
    Outcome list_tools(const boost::json::object &params) const;
    Outcome call_tool(const boost::json::object &params);
    Outcome run_tool(const ToolEntry &tool, const boost::json::object &arguments);
    Outcome update(const protocol::StateUpdate &update);
    Outcome screenshot();
    Outcome recent_changes(std::optional<uint64_t> limit);

    // A successful tool result: `structured` as compact JSON text, and as structuredContent
    // where the negotiated revision has it.
    boost::json::object text_result(const boost::json::object &structured) const;

    HostSession &host_;
    McpOptions options_;
    std::vector<ToolEntry> tools_;
    std::vector<McpTool> listed_;                       // tools_ as tools/list shows them
    std::map<std::string, size_t, std::less<>> index_;  // name -> position in tools_
    std::optional<std::string> negotiated_;             // the revision initialize agreed on
    uint64_t changes_cursor_ = 0;                       // recent_changes: the ring position already shown
    std::optional<Failure> lost_;
};

}  // namespace scenehost::ctl
