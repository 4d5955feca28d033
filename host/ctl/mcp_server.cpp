// McpServer: JSON-RPC framing and the MCP lifecycle (initialize, ping, tools/list, tools/call),
// the tool table (fixed tools, and one per key state.schema declares), and each tool as host calls.
#include "ctl/mcp_server.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <fmt/format.h>
#include <iostream>

#include "base/assert.hpp"
#include "base/json_text.hpp"

namespace scenehost::ctl {
namespace {

namespace json = boost::json;
using protocol::Need;
using protocol::PayloadReader;
using RpcError = McpServer::RpcError;
using Outcome = McpServer::Outcome;
using ToolKind = McpServer::ToolKind;

// JSON-RPC 2.0 error codes.
constexpr int kParseError = -32700;
constexpr int kInvalidRequest = -32600;
constexpr int kMethodNotFound = -32601;
constexpr int kInvalidParams = -32602;
constexpr int kInternalError = -32603;

constexpr size_t kMaxRecentChanges = 256;  // the ring's size (ConnectOptions::ring_frames)
constexpr std::string_view kStructuredContentSince = "2025-06-18";  // the first revision with structuredContent

constexpr std::string_view kInstructions =
    "Tools for a scenehost scene (remote scientific visualization in napari's viewer model). Read it with "
    "list_layers, get_state and screenshot; change it with set_state, the set_<scope>_<key> tools (one per key "
    "the host's reducers declare, with the value's JSON Schema), set_camera, set_dims and set_ndisplay. The host "
    "checks every write and refuses a bad value with a code and a message naming the bound (it never clamps); "
    "every accepted change gets a version, and a write with base_version is refused (state.conflict) when the "
    "property changed since that version. recent_changes lists what changed since you last asked, by anyone.";

void note(std::string_view text) { std::cerr << "scenehostctl mcp: " << text << '\n'; }

bool valid_tool_name(std::string_view name) {
    if (name.empty() || name.size() > 64) return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
}

json::object object_schema(json::object properties, std::initializer_list<std::string_view> required) {
    json::object schema{{"type", "object"}, {"properties", std::move(properties)}, {"additionalProperties", false}};
    if (required.size() > 0) {
        json::array names;
        for (std::string_view name : required) names.emplace_back(name);
        schema["required"] = std::move(names);
    }
    return schema;
}

json::object string_schema(std::string_view description, bool nonempty) {
    json::object schema{{"type", "string"}, {"description", description}};
    if (nonempty) schema["minLength"] = 1;
    return schema;
}

json::object base_version_schema() {
    return {{"type", "integer"},
            {"minimum", 0},
            {"description", "Refuse the write (state.conflict) unless the property's version is still this one "
                            "(from get_state or an earlier set)"}};
}

json::object numbers_schema(size_t min_items, size_t max_items, std::string_view description) {
    return {{"type", "array"},
            {"items", {{"type", "number"}}},
            {"minItems", min_items},
            {"maxItems", max_items},
            {"description", description}};
}

// What a target of a scope is, from how the scope publishes (docs/scene.md).
std::string target_description(std::string_view scope, std::string_view publication) {
    if (publication == "napari_layers") return "A layer id (see list_layers), or \"main\" for every layer";
    if (publication == "napari_dims") return "\"main\" for all axes, or one axis by its index (\"0\") or label";
    if (publication == "napari_camera") return "\"main\", the one camera";
    if (publication == "napari_scene") return "\"main\", the one view";
    return fmt::format("A target of the {0} scope as its reducer names them (e.g. an annotation id); "
                       "scene.snapshot lists the existing ones under metadata.scopes.{0}",
                       scope);
}

json::object text_content(std::string text) { return {{"type", "text"}, {"text", std::move(text)}}; }

// A tool that ran and failed: isError, and the code and message (and details) as text.
json::object error_result(std::string_view code, std::string_view message, const std::optional<json::object> &details) {
    std::string text = fmt::format("{}: {}", code, message);
    if (details && !details->empty()) text += " (details: " + base::to_json(*details) + ")";
    return {{"content", json::array{text_content(std::move(text))}}, {"isError", true}};
}

RpcError invalid_params(const protocol::FieldProblem &problem) { return {kInvalidParams, problem.message}; }

RpcError bad_result(std::string_view command, const protocol::FieldProblem &problem) {
    return {kInternalError, fmt::format("the host's {} result breaks its shape: {}", command, problem.message)};
}

// A value that must go to the host: JSON text cannot carry NaN or infinity (1e999).
std::optional<RpcError> unsendable(const json::value &value, std::string_view path) {
    if (auto where = protocol::unsendable_number(value, path)) {
        return RpcError{kInvalidParams, fmt::format("{} is a number outside the double range", *where)};
    }
    return std::nullopt;
}

json::object reply(const json::value &id, const Outcome &outcome) {
    if (const auto *error = std::get_if<RpcError>(&outcome)) {
        return {{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", error->code}, {"message", error->message}}}};
    }
    return {{"jsonrpc", "2.0"}, {"id", id}, {"result", std::get<json::object>(outcome)}};
}

}  // namespace

McpServer::McpServer(HostSession &host, McpOptions options) : host_(host), options_(std::move(options)) {
    const auto &commands = host_.commands();
    if (std::find(commands.begin(), commands.end(), "state.schema") == commands.end()) {
        throw Failure(FailureKind::refused, "command.not_found",
                      "the host offers no state.schema command, which the MCP tools are made from");
    }
    const protocol::CommandAnswer answer = host_.command({"state.schema", {}, {}, std::nullopt});
    if (const auto *failed = std::get_if<protocol::CommandFailure>(&answer.outcome)) {
        throw Failure(FailureKind::refused, failed->code, "state.schema: " + failed->message);
    }
    auto scopes = protocol::read_state_schema(std::get<json::value>(answer.outcome));
    if (const auto *problem = std::get_if<protocol::FieldProblem>(&scopes)) {
        throw Failure(FailureKind::connection, "protocol.invalid_result",
                      "the host's state.schema result breaks its shape: " + problem->message);
    }
    const auto &declared = std::get<std::vector<protocol::ScopeDeclaration>>(scopes);
    auto offers = [&](std::string_view command) {
        const bool offered = std::find(commands.begin(), commands.end(), command) != commands.end();
        if (!offered) note(fmt::format("the host offers no {}: the tools that need it are left out", command));
        return offered;
    };
    auto declares = [&](std::string_view scope, std::string_view key) {
        const auto s = std::find_if(declared.begin(), declared.end(), [&](const auto &d) { return d.scope == scope; });
        const bool found = s != declared.end() && (key.empty() || std::any_of(s->keys.begin(), s->keys.end(),
                                                                               [&](const auto &k) { return k.key == key; }));
        if (!found) note(fmt::format("the host declares no {}{}{}: the tool for it is left out", scope, key.empty() ? "" : "/", key));
        return found;
    };

    if (offers("scene.snapshot")) {
        add({{"list_layers",
              "List the scene's image layers: id (the target of the layer and volume scopes), type, name, shape, "
              "dtype, visible and opacity.",
              object_schema({}, {})},
             ToolKind::list_layers});
    }
    if (offers("state.get")) {
        add({{"get_state",
              "Read one property of the scene store: {scope, target, key, value, version}. The scopes and keys are "
              "those of the set_<scope>_<key> tools; pass the version as base_version to a set tool to refuse to "
              "overwrite a change made meanwhile.",
              object_schema({{"scope", string_schema("The scope, e.g. layer, camera, dims, view, volume", true)},
                             {"target", string_schema("The target within the scope, e.g. a layer id or main", false)},
                             {"key", string_schema("The key, e.g. opacity", true)}},
                            {"scope", "target", "key"})},
             ToolKind::get_state});
    }
    add({{"set_state",
          "Write one property (scope, target, key) of the scene. The host's reducer for the scope checks the value "
          "and refuses a wrong type, an unknown key or an out-of-range value with a code (it never clamps), then the "
          "change is recorded in the audit log and published. Returns the ack: status, applied_value (the value as "
          "stored) and version.",
          object_schema({{"scope", string_schema("The scope, e.g. layer, camera, dims, view, volume", true)},
                         {"target", string_schema("The target within the scope, e.g. a layer id or main", false)},
                         {"key", string_schema("The key, e.g. opacity", true)},
                         {"value", {{"description", "The new value, any JSON; the scope's reducer checks it"}}},
                         {"base_version", base_version_schema()}},
                        {"scope", "target", "key", "value"})},
         ToolKind::set_state});
    if (declares("camera", "")) {
        add({{"set_camera",
              "Move the camera in one step (camera/main/set): any of center, zoom, angles, perspective and rect, "
              "applied together or not at all. Units are data pixels of the displayed axes.",
              [] {
                  json::object s = object_schema(
                      {{"center", numbers_schema(2, 3, "[row, column] (2D), or [plane, row, column] (3D)")},
                       {"zoom", {{"type", "number"}, {"exclusiveMinimum", 0}, {"description", "Screen pixels per data pixel"}}},
                       {"angles", numbers_schema(3, 3, "Rotation [a, b, g] in degrees (3D view)")},
                       {"perspective",
                        {{"type", "number"}, {"minimum", 0}, {"maximum", 179}, {"description", "Field of view in degrees; 0 is orthographic"}}},
                       {"rect", numbers_schema(4, 4, "[x, y, width, height]: the data rectangle to fit in the canvas (2D)")}},
                      {});
                  s["minProperties"] = 1;
                  return s;
              }()},
             ToolKind::set_camera});
    }
    if (declares("dims", "")) {
        add({{"set_dims",
              "Show another plane: set the index of one axis that is not displayed (dims/<axis>/index).",
              object_schema({{"axis",
                              {{"type", json::array{"integer", "string"}},
                               {"description", "The axis: its index (0 is the first) or its label"}}},
                             {"index", {{"type", "integer"}, {"minimum", 0}, {"description", "The plane to show on that axis"}}}},
                            {"axis", "index"})},
             ToolKind::set_dims});
    }
    if (declares("view", "ndisplay")) {
        add({{"set_ndisplay", "Switch between the 2D slice view (2) and 3D volume rendering (3) (view/main/ndisplay).",
              object_schema({{"ndisplay", {{"enum", json::array{2, 3}}, {"description", "2 or 3"}}}}, {"ndisplay"})},
             ToolKind::set_ndisplay});
    }
    if (offers("scene.screenshot")) {
        add({{"screenshot",
              "The newest picture the host rendered, as a PNG, and its width, height and the store versions it shows "
              "(compare them with the version a set returned to know whether the picture shows that change).",
              object_schema({}, {})},
             ToolKind::screenshot});
    }
    add({{"recent_changes",
          fmt::format("The notify frames of this session (changes by anyone, as the host published them) since the "
                      "previous recent_changes call, oldest first; the newest {} are kept, `missed` counts the others.",
                      kMaxRecentChanges),
          object_schema({{"limit", {{"type", "integer"}, {"minimum", 1}, {"maximum", kMaxRecentChanges},
                                    {"description", "At most this many, the newest"}}}},
                        {})},
         ToolKind::recent_changes});
    add_key_tools(declared);
}

void McpServer::add_key_tools(const std::vector<protocol::ScopeDeclaration> &scopes) {
    for (const protocol::ScopeDeclaration &scope : scopes) {
        for (const protocol::KeyDeclaration &key : scope.keys) {
            std::string name = fmt::format("set_{}_{}", scope.scope, key.key);
            std::replace(name.begin(), name.end(), '.', '_');
            if (!valid_tool_name(name)) {
                note(fmt::format("warning: no tool for {}/{}: '{}' is not a tool name (1 to 64 of a-z A-Z 0-9 _ -)",
                                 scope.scope, key.key, name));
                continue;
            }
            if (index_.contains(name)) {
                note(fmt::format("warning: no tool for {}/{}: the name {} is taken", scope.scope, key.key, name));
                continue;
            }
            if (const json::value *read_only = key.schema.if_contains("readOnly"); read_only && *read_only == true) {
                note(fmt::format("no tool for {}/{}: its schema says readOnly", scope.scope, key.key));
                continue;
            }
            std::string description = fmt::format(
                "Set {1} of the {0} scope (set_state with scope \"{0}\", key \"{1}\"). The value must match the "
                "declared schema; the host's reducer also checks its own bounds and refuses (never clamps) a bad "
                "value. Returns the ack: status, applied_value (as stored) and version.",
                scope.scope, key.key);
            if (const json::value *about = key.schema.if_contains("description"); about && about->is_string()) {
                description += fmt::format(" {}: {}", key.key, std::string_view(about->get_string()));
            }
            json::object schema = object_schema(
                {{"target", string_schema(target_description(scope.scope, scope.publication), false)},
                 {"value", key.schema},
                 {"base_version", base_version_schema()}},
                {"target", "value"});
            add({{std::move(name), std::move(description), std::move(schema)}, ToolKind::set_key, scope.scope, key.key});
        }
    }
}

void McpServer::add(ToolEntry entry) {
    SCENEHOST_ASSERT(valid_tool_name(entry.tool.name) && !index_.contains(entry.tool.name),
                     "fixed tool names are valid and distinct; key tools are checked before they are added");
    index_.emplace(entry.tool.name, tools_.size());
    listed_.push_back(entry.tool);
    tools_.push_back(std::move(entry));
}

const std::vector<McpTool> &McpServer::tools() const { return listed_; }

McpEnd McpServer::serve(std::istream &in, std::ostream &out) {
    for (std::string line; std::getline(in, line);) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (auto answer = handle(line)) out << *answer << '\n' << std::flush;
        if (lost_) return McpEnd::host_lost;
    }
    return McpEnd::input_closed;
}

std::optional<std::string> McpServer::handle(std::string_view line) {
    json::error_code error;
    const json::value message = json::parse(line, error);
    if (error) return base::to_json(reply(nullptr, RpcError{kParseError, "Parse error: " + error.message()}));
    if (!message.is_array()) {
        auto answer = handle_message(message);
        if (!answer) return std::nullopt;
        return base::to_json(*answer);
    }
    // Batches are in 2025-03-26 only (2025-06-18 took them out again).
    if (negotiated_ != "2025-03-26") {
        return base::to_json(reply(nullptr, RpcError{kInvalidRequest, fmt::format("MCP {} has no JSON-RPC batches",
                                                                                 negotiated_.value_or("before initialize"))}));
    }
    if (message.get_array().empty()) {
        return base::to_json(reply(nullptr, RpcError{kInvalidRequest, "an empty batch is not a request"}));
    }
    json::array answers;
    for (const json::value &item : message.get_array()) {
        if (auto answer = handle_message(item)) answers.push_back(std::move(*answer));
        if (lost_) break;
    }
    if (answers.empty()) return std::nullopt;
    return base::to_json(answers);
}

std::optional<json::value> McpServer::handle_message(const json::value &message) {
    if (!message.is_object()) return reply(nullptr, RpcError{kInvalidRequest, "a JSON-RPC message must be an object"});
    const json::object &m = message.get_object();
    json::value id = nullptr;
    const json::value *given_id = m.if_contains("id");
    if (given_id != nullptr) {
        if (!given_id->is_string() && !given_id->is_int64() && !given_id->is_uint64()) {
            return reply(nullptr, RpcError{kInvalidRequest, "id must be a string or an integer"});
        }
        id = *given_id;
    }
    const json::value *jsonrpc = m.if_contains("jsonrpc");
    if (jsonrpc == nullptr || *jsonrpc != "2.0") return reply(id, RpcError{kInvalidRequest, "jsonrpc must be \"2.0\""});
    const json::value *method = m.if_contains("method");
    if (method == nullptr) {
        if (given_id != nullptr && (m.contains("result") || m.contains("error"))) {
            note(fmt::format("ignoring a response (id {}): this server sends no requests", base::to_json(id)));
            return std::nullopt;
        }
        return reply(id, RpcError{kInvalidRequest, "a request needs a method"});
    }
    if (!method->is_string()) return reply(id, RpcError{kInvalidRequest, "method must be a string"});
    const std::string name(method->get_string());
    static const json::object kNoParams;
    const json::object *params = &kNoParams;
    if (const json::value *p = m.if_contains("params")) {
        if (!p->is_object()) {
            if (given_id == nullptr) {
                note("ignoring notification " + name + ": params is not an object");
                return std::nullopt;
            }
            return reply(id, RpcError{kInvalidParams, "params must be an object"});
        }
        params = &p->get_object();
    }
    if (given_id == nullptr) {  // a notification: never answered
        if (name == "notifications/initialized") {
            if (!negotiated_) note("notifications/initialized before initialize");
        } else if (name != "notifications/cancelled") {  // calls run one at a time, so there is nothing to cancel
            note("ignoring notification " + name);
        }
        return std::nullopt;
    }
    if (name == "initialize") return reply(id, initialize(*params));
    if (name == "ping") return reply(id, json::object{});
    if (name == "tools/list" || name == "tools/call") {
        if (!negotiated_) return reply(id, RpcError{kInvalidRequest, name + " before initialize"});
        return reply(id, name == "tools/list" ? list_tools(*params) : call_tool(*params));
    }
    return reply(id, RpcError{kMethodNotFound, "Method not found: " + name});
}

Outcome McpServer::initialize(const json::object &params) {
    if (negotiated_) return RpcError{kInvalidRequest, "initialize was answered already"};
    std::optional<protocol::FieldProblem> problem;
    PayloadReader r(params, "params", problem);
    const auto asked = r.nonempty("protocolVersion", Need::required);
    r.object("capabilities", Need::required);
    if (const json::object *info = r.object("clientInfo", Need::required)) {
        PayloadReader client = r.nested(*info, "clientInfo");
        client.nonempty("name", Need::required);
        client.string("version", Need::required);
    }
    if (problem) return invalid_params(*problem);
    const auto supported = std::find(std::begin(kMcpVersions), std::end(kMcpVersions), *asked);
    negotiated_ = std::string(supported != std::end(kMcpVersions) ? *supported : std::end(kMcpVersions)[-1]);
    return json::object{{"protocolVersion", *negotiated_},
                        {"capabilities", {{"tools", json::object{}}}},
                        {"serverInfo", {{"name", "scenehost"}, {"version", options_.server_version}}},
                        {"instructions", kInstructions}};
}

Outcome McpServer::list_tools(const json::object &params) const {
    if (params.contains("cursor")) return RpcError{kInvalidParams, "params.cursor: tools/list has one page and issues no cursors"};
    json::array tools;
    for (const McpTool &tool : listed_) {
        tools.push_back(json::object{{"name", tool.name}, {"description", tool.description}, {"inputSchema", tool.input_schema}});
    }
    return json::object{{"tools", std::move(tools)}};
}

Outcome McpServer::call_tool(const json::object &params) {
    std::optional<protocol::FieldProblem> problem;
    PayloadReader r(params, "params", problem);
    const auto name = r.nonempty("name", Need::required);
    const json::object *arguments = r.object("arguments", Need::optional);
    if (problem) return invalid_params(*problem);
    const auto it = index_.find(*name);
    if (it == index_.end()) return RpcError{kInvalidParams, fmt::format("Unknown tool: {}", *name)};
    static const json::object kNoArguments;
    try {
        return run_tool(tools_[it->second], arguments ? *arguments : kNoArguments);
    } catch (const Failure &failure) {
        if (!failure.session_lost()) return error_result(failure.code(), failure.message(), std::nullopt);
        lost_ = failure;
        return RpcError{kInternalError, fmt::format("the host session is lost: {}", failure.what())};
    }
}

Outcome McpServer::run_tool(const ToolEntry &tool, const json::object &arguments) {
    std::optional<protocol::FieldProblem> problem;
    PayloadReader r(arguments, "arguments", problem);
    const std::string &name = tool.tool.name;
    switch (tool.kind) {
        case ToolKind::list_layers: {
            r.only({}, name);
            if (problem) return invalid_params(*problem);
            const protocol::CommandAnswer answer = host_.command({"scene.snapshot", {}, {}, std::nullopt});
            if (const auto *failed = std::get_if<protocol::CommandFailure>(&answer.outcome)) {
                return error_result(failed->code, failed->message, failed->details);
            }
            auto layers = protocol::read_layer_summaries(std::get<json::value>(answer.outcome));
            if (const auto *bad = std::get_if<protocol::FieldProblem>(&layers)) return bad_result("scene.snapshot", *bad);
            json::array out;
            for (const protocol::LayerSummary &l : std::get<std::vector<protocol::LayerSummary>>(layers)) {
                out.push_back(json::object{{"id", l.id}, {"type", l.type}, {"name", l.name}, {"shape", l.shape},
                                           {"dtype", l.dtype}, {"visible", l.visible}, {"opacity", l.opacity}});
            }
            return text_result({{"layers", std::move(out)}});
        }
        case ToolKind::get_state: {
            r.only({"scope", "target", "key"}, name);
            const auto scope = r.nonempty("scope", Need::required);
            const auto target = r.string("target", Need::required);
            const auto key = r.nonempty("key", Need::required);
            if (problem) return invalid_params(*problem);
            const protocol::CommandAnswer answer = host_.command(
                {"state.get", {}, {{"scope", *scope}, {"target", *target}, {"key", *key}}, std::nullopt});
            if (const auto *failed = std::get_if<protocol::CommandFailure>(&answer.outcome)) {
                return error_result(failed->code, failed->message, failed->details);
            }
            const json::value &result = std::get<json::value>(answer.outcome);
            auto record = protocol::read_state_record(result);
            if (const auto *bad = std::get_if<protocol::FieldProblem>(&record)) return bad_result("state.get", *bad);
            return text_result(result.as_object());
        }
        case ToolKind::set_state:
        case ToolKind::set_key: {
            protocol::StateUpdate update;
            if (tool.kind == ToolKind::set_state) {
                r.only({"scope", "target", "key", "value", "base_version"}, name);
                update.scope = r.nonempty("scope", Need::required).value_or("");
                update.key = r.nonempty("key", Need::required).value_or("");
            } else {
                r.only({"target", "value", "base_version"}, name);
                update.scope = tool.scope;
                update.key = tool.key;
            }
            update.target = r.string("target", Need::required).value_or("");
            const json::value *value = r.any("value", Need::required);
            update.base_version = r.count("base_version", Need::optional);
            if (problem) return invalid_params(*problem);
            if (auto bad = unsendable(*value, "arguments.value")) return *bad;
            update.value = *value;
            return this->update(update);
        }
        case ToolKind::set_camera: {
            r.only({"center", "zoom", "angles", "perspective", "rect"}, name);
            if (problem) return invalid_params(*problem);
            if (arguments.empty()) {
                return RpcError{kInvalidParams, "arguments: give at least one of center, zoom, angles, perspective, rect"};
            }
            if (auto bad = unsendable(arguments, "arguments")) return *bad;
            return this->update({"camera", "main", "set", arguments, std::nullopt});
        }
        case ToolKind::set_dims: {
            r.only({"axis", "index"}, name);
            const json::value *axis = r.any("axis", Need::required);
            const auto index = r.integer("index", Need::required);
            if (problem) return invalid_params(*problem);
            std::string target;
            if (const auto number = protocol::as_int64(*axis); number && *number >= 0) {
                target = std::to_string(*number);
            } else if (axis->is_string() && !axis->get_string().empty()) {
                target = std::string(axis->get_string());
            } else {
                return RpcError{kInvalidParams, "arguments.axis must be an axis index (an integer >= 0) or a label"};
            }
            return this->update({"dims", std::move(target), "index", *index, std::nullopt});
        }
        case ToolKind::set_ndisplay: {
            r.only({"ndisplay"}, name);
            const auto ndisplay = r.integer("ndisplay", Need::required);
            if (problem) return invalid_params(*problem);
            return this->update({"view", "main", "ndisplay", *ndisplay, std::nullopt});
        }
        case ToolKind::screenshot:
            r.only({}, name);
            if (problem) return invalid_params(*problem);
            return screenshot();
        case ToolKind::recent_changes: {
            r.only({"limit"}, name);
            const auto limit = r.count("limit", Need::optional);
            if (problem) return invalid_params(*problem);
            if (limit && (*limit < 1 || *limit > kMaxRecentChanges)) {
                return RpcError{kInvalidParams, fmt::format("arguments.limit must be in [1, {}]", kMaxRecentChanges)};
            }
            return recent_changes(limit);
        }
    }
    SCENEHOST_ASSERT(false, "every tool kind is handled above");
    return RpcError{kInternalError, "unreachable"};
}

Outcome McpServer::update(const protocol::StateUpdate &update) {
    const AckResult result = host_.update(update);
    if (!result.ack.accepted) {
        const protocol::StateRejection &error = *result.ack.error;
        return error_result(error.code, error.message, error.details);
    }
    return text_result(result.payload);
}

Outcome McpServer::screenshot() {
    const protocol::CommandAnswer answer =
        command_until_ready(host_, {"scene.screenshot", {}, {}, std::nullopt}, options_.retry_window);
    if (const auto *failed = std::get_if<protocol::CommandFailure>(&answer.outcome)) {
        return error_result(failed->code, failed->message, failed->details);
    }
    auto shot = protocol::read_screenshot(std::get<json::value>(answer.outcome));
    if (const auto *bad = std::get_if<protocol::FieldProblem>(&shot)) return bad_result("scene.screenshot", *bad);
    const protocol::Screenshot &s = std::get<protocol::Screenshot>(shot);
    const json::object about{{"width", s.width}, {"height", s.height}, {"versions", s.versions}};
    return json::object{
        {"content", json::array{json::object{{"type", "image"}, {"data", s.png_base64}, {"mimeType", "image/png"}},
                                text_content(base::to_json(about))}}};
}

Outcome McpServer::recent_changes(std::optional<uint64_t> limit) {
    const NotifyBatch batch = host_.notifications_since(changes_cursor_, limit.value_or(kMaxRecentChanges));
    changes_cursor_ = batch.next_cursor;
    json::array frames;
    for (const auto &frame : batch.frames) frames.push_back(frame->frame);
    return text_result({{"frames", std::move(frames)}, {"missed", batch.missed}});
}

json::object McpServer::text_result(const json::object &structured) const {
    json::object result{{"content", json::array{text_content(base::to_json(structured))}}};
    if (negotiated_ && *negotiated_ >= kStructuredContentSince) result["structuredContent"] = structured;
    return result;
}

}  // namespace scenehost::ctl
