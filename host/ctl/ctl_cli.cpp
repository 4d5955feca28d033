// The subcommands of scenehostctl on CLI11: arguments are checked before anything connects (a
// mistake is exit 2), then one session does the work; every error is one stderr line
// "scenehostctl: <code>: <message>" and the exit code of its kind (ctl_cli.hpp).
#include "ctl/ctl_cli.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/json/parse.hpp>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <iostream>
#include <set>

#include "base/assert.hpp"
#include "base/json_text.hpp"
#include "ctl/control_client.hpp"
#include "ctl/mcp_server.hpp"
#include "protocol/client_requests.hpp"
#include "protocol/frame_type.hpp"

namespace scenehost::ctl {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

constexpr const char *kDefaultUrl = "ws://127.0.0.1:8080/control";
constexpr double kMaxTimeoutS = 3600;

constexpr const char *kFooter = R"(
Exit codes:
  0  ok
  1  rejected: ack.state rejected with any code but state.conflict, or error.command
  2  usage: bad arguments or JSON, an output file that cannot be written
  3  conflict: state.conflict (the property changed since --base-version)
  4  connection: cannot connect, closed, timed out, the host broke the protocol or
     refused the session (other than auth)
  5  auth: session.unauthorized (no or a wrong --token)
Errors go to stderr as one line: scenehostctl: <code>: <message>

wss:// URLs verify the host's certificate against the system CA store and the URL's
host name; --insecure skips that (self-signed test certificates only).
The host names the session's actor "<--actor>#<first 8 characters of the session id>"
in its audit log and in the actor_id of the notifies it causes.)";

void report(std::string_view code, std::string_view message) {
    std::cerr << "scenehostctl: " << code << ": " << message << '\n' << std::flush;
}

void print(const json::value &value) { std::cout << base::to_json(value) << '\n' << std::flush; }

std::string with_details(std::string_view message, const std::optional<json::object> &details) {
    if (!details || details->empty()) return std::string(message);
    return fmt::format("{} (details: {})", message, base::to_json(*details));
}

// The result of a command (pointing into `answer`), or nullptr after reporting its error.command.
const json::value *result_of(const protocol::CommandAnswer &answer) {
    if (const auto *failed = std::get_if<protocol::CommandFailure>(&answer.outcome)) {
        report(failed->code, with_details(failed->message, failed->details));
        return nullptr;
    }
    return &std::get<json::value>(answer.outcome);
}

int bad_result(std::string_view command, const protocol::FieldProblem &problem) {
    report("protocol.invalid_result", fmt::format("the host's {} result breaks its shape: {}", command, problem.message));
    return exit_code::kConnection;
}

// Strict JSON from the command line: the whole text one value, and every number one a frame can carry.
std::variant<json::value, std::string> parse_json(const std::string &text, std::string_view what) {
    json::error_code error;
    json::value value = json::parse(text, error);
    if (error) {
        return fmt::format("{} is not JSON: {} (a JSON string keeps its quotes, e.g. '\"nucleus\"')", what,
                           error.message());
    }
    if (auto bad = protocol::unsendable_number(value, what)) {
        return fmt::format("{} is a number outside the double range", *bad);
    }
    return value;
}

// An actor name: what the host's audit log and notifies show, before '#' and the session prefix.
bool valid_actor(std::string_view actor) {
    if (actor.empty() || actor.size() > 64) return false;
    return std::all_of(actor.begin(), actor.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
               c == '-' || c == ':' || c == '@';
    });
}

std::vector<std::string> notify_topics() {
    std::vector<std::string> topics;
    for (size_t i = 0; i < protocol::kFrameTypeCount; ++i) {
        const std::string_view name = protocol::type_name(static_cast<protocol::FrameType>(i));
        if (name.starts_with("notify.")) topics.emplace_back(name);
    }
    return topics;
}

struct Arguments {
    // global
    std::string url = kDefaultUrl;
    std::string token;
    std::string actor = "scenehostctl";
    double timeout_s = 10;
    bool insecure = false;
    // get / set
    std::string scope, target, key, value_text;
    uint64_t base_version = 0;
    // watch
    std::vector<std::string> topics;
    uint64_t count = 0;
    // screenshot
    std::string output;
    // command
    std::string command, args_text, kwargs_text;
};

// Reports a failed session; its exit code.
int failed(const Failure &failure) {
    report(failure.code(), failure.message());
    return failure.kind() == FailureKind::auth ? exit_code::kAuth : exit_code::kConnection;
}

int run_watch(ControlClient &client, const std::set<std::string, std::less<>> &topics, std::optional<uint64_t> count) {
    uint64_t printed = 0;
    client.watch([&](const protocol::ServerFrame &frame) {
        if (!topics.empty() && !topics.contains(protocol::type_name(frame.envelope.type))) return true;
        print(frame.frame);
        ++printed;
        return !count || printed < *count;
    });
    return exit_code::kOk;
}

int run_screenshot(ControlClient &client, const std::string &output, std::chrono::milliseconds window) {
    const auto answer = command_until_ready(client, {"scene.screenshot", {}, {}, std::nullopt}, window);
    const json::value *result = result_of(answer);
    if (result == nullptr) return exit_code::kRejected;
    auto shot = protocol::read_screenshot(*result);
    if (const auto *bad = std::get_if<protocol::FieldProblem>(&shot)) return bad_result("scene.screenshot", *bad);
    const protocol::Screenshot &s = std::get<protocol::Screenshot>(shot);
    {
        std::ofstream file(output, std::ios::binary | std::ios::trunc);
        file.write(s.png.data(), std::streamsize(s.png.size()));
        file.close();
        if (!file) {
            report("file.write", fmt::format("cannot write {}: {}", output, std::strerror(errno)));
            return exit_code::kUsage;
        }
    }
    print(json::object{{"file", output}, {"width", s.width}, {"height", s.height}, {"versions", s.versions},
                       {"errors", s.errors}});
    return exit_code::kOk;
}

int run_command(ControlClient &client, protocol::CallCommand call) {
    const protocol::CommandAnswer answer = client.command(call);
    const json::value *result = result_of(answer);
    if (result == nullptr) return exit_code::kRejected;
    print(*result);
    return exit_code::kOk;
}

}  // namespace

int run_ctl(int argc, char **argv, std::string_view version) {
    Arguments a;
    CLI::App cli{"scenehostctl: drive a scenehost from scripts and AI agents over its control protocol (v1 on the "
                 "control WebSocket): read and write the scene store, watch changes, take screenshots, or serve the "
                 "Model Context Protocol on stdio (mcp)."};
    cli.require_subcommand(1);
    cli.fallthrough();  // the global options may also follow the subcommand
    cli.footer(kFooter);
    cli.add_option("--url", a.url, "Control WebSocket of the host: ws://HOST:PORT/PATH or wss://...")->capture_default_str();
    cli.add_option("--token", a.token, "Bearer token for hosts started with --token");
    auto *actor = cli.add_option("--actor", a.actor,
                                 "Who the session acts as (1 to 64 of A-Z a-z 0-9 . _ - : @); default scenehostctl, "
                                 "mcp for the mcp subcommand");
    cli.add_option("--timeout", a.timeout_s, "Seconds to wait for connecting and for each answer (0 < S <= 3600)")
        ->capture_default_str();
    cli.add_flag("--insecure", a.insecure, "wss: do not verify the host's certificate (self-signed test certificates)");

    auto *snapshot = cli.add_subcommand("snapshot", "Print the composed scene (scene.snapshot) as one JSON line");

    auto *get = cli.add_subcommand("get", "Print one property as {\"value\": ..., \"version\": N} (state.get)");
    get->add_option("scope", a.scope, "Scope, e.g. layer, volume, dims, camera, view, annotations")->required();
    get->add_option("target", a.target, "Target within the scope, e.g. a layer id or main")->required();
    get->add_option("key", a.key, "Key, e.g. opacity")->required();

    auto *set = cli.add_subcommand("set", "Write one property (state.update) and print the ack.state payload as one "
                                          "JSON line, rejected or not (a rejection also goes to stderr)");
    set->add_option("scope", a.scope, "Scope, e.g. layer")->required();
    set->add_option("target", a.target, "Target within the scope, e.g. layer-0")->required();
    set->add_option("key", a.key, "Key, e.g. opacity")->required();
    set->add_option("json", a.value_text, "The value as strict JSON: 0.5, true, '\"viridis\"', '[1, 2]'")->required();
    auto *base_version = set->add_option("--base-version", a.base_version,
                                         "Refuse the write (state.conflict, exit 3) unless the property's version "
                                         "is still N");

    auto *watch = cli.add_subcommand("watch", "Print each notify frame the session gets (whole frames, one JSON line "
                                              "each, flushed), from its notify.scene baseline on");
    watch->add_option("--topic", a.topics, "Only frames of this type, e.g. notify.state, notify.layers (repeatable)");
    auto *count = watch->add_option("--count", a.count, "Exit 0 after N printed frames (N >= 1)");

    auto *screenshot = cli.add_subcommand("screenshot", "Write the newest rendered frame (scene.screenshot) as a PNG "
                                                        "and print {file, width, height, versions, errors}");
    screenshot->add_option("-o,--output", a.output, "The PNG file to write")->required();

    auto *keyframe = cli.add_subcommand("keyframe", "Ask for an IDR on the pixel stream (napari.pixel.request_keyframe)");

    auto *command = cli.add_subcommand("command", "Run any command (call.command) and print its result as one JSON line");
    command->add_option("name", a.command, "Command name, e.g. camera.reset, state.schema")->required();
    command->add_option("args", a.args_text, "Positional arguments as a JSON array (default [])");
    command->add_option("--kwargs", a.kwargs_text, "Keyword arguments as a JSON object (default {})");

    auto *mcp = cli.add_subcommand("mcp", "Serve the Model Context Protocol on stdio (JSON-RPC 2.0, one message per "
                                          "line; logs on stderr) through one host session kept for every call");

    try {
        cli.parse(argc, argv);
    } catch (const CLI::ParseError &e) {
        if (e.get_exit_code() == 0) return cli.exit(e);  // --help
        report("usage", e.what());
        return exit_code::kUsage;
    }

    // ---- What came from the command line, checked before anything connects.
    auto usage = [](const std::string &message) {
        report("usage", message);
        return exit_code::kUsage;
    };
    const auto endpoint = parse_url(a.url);
    if (const auto *why = std::get_if<std::string>(&endpoint)) return usage("--url " + *why);
    if (!std::isfinite(a.timeout_s) || a.timeout_s <= 0 || a.timeout_s > kMaxTimeoutS) {
        return usage(fmt::format("--timeout must be in (0, {}] seconds, not {}", kMaxTimeoutS, a.timeout_s));
    }
    if (*mcp && actor->count() == 0) a.actor = "mcp";
    if (!valid_actor(a.actor)) return usage(fmt::format("--actor '{}' must be 1 to 64 of A-Z a-z 0-9 . _ - : @", a.actor));
    if ((*get || *set) && (a.scope.empty() || a.key.empty())) return usage("scope and key must not be empty");

    json::value value;
    if (*set) {
        auto parsed = parse_json(a.value_text, "the value");
        if (const auto *why = std::get_if<std::string>(&parsed)) return usage(*why);
        value = std::move(std::get<json::value>(parsed));
    }
    std::set<std::string, std::less<>> topics;
    if (*watch) {
        const std::vector<std::string> known = notify_topics();
        for (const std::string &topic : a.topics) {
            if (std::find(known.begin(), known.end(), topic) == known.end()) {
                return usage(fmt::format("--topic {} is not a notify topic ({})", topic, fmt::join(known, ", ")));
            }
            topics.insert(topic);
        }
        if (count->count() > 0 && a.count < 1) return usage("--count must be at least 1");
    }
    if (*screenshot) {
        const fs::path dir = fs::path(a.output).parent_path();
        std::error_code error;
        if (!dir.empty() && !fs::is_directory(dir, error)) return usage(fmt::format("-o {}: {} is not a directory", a.output, dir.string()));
    }
    protocol::CallCommand call;
    if (*command) {
        if (a.command.empty()) return usage("the command name must not be empty");
        call.command = a.command;
        if (!a.args_text.empty()) {
            auto parsed = parse_json(a.args_text, "args");
            if (const auto *why = std::get_if<std::string>(&parsed)) return usage(*why);
            if (!std::get<json::value>(parsed).is_array()) return usage("args must be a JSON array");
            call.args = std::move(std::get<json::value>(parsed).get_array());
        }
        if (!a.kwargs_text.empty()) {
            auto parsed = parse_json(a.kwargs_text, "--kwargs");
            if (const auto *why = std::get_if<std::string>(&parsed)) return usage(*why);
            if (!std::get<json::value>(parsed).is_object()) return usage("--kwargs must be a JSON object");
            call.kwargs = std::move(std::get<json::value>(parsed).get_object());
        }
    }

    ConnectOptions options;
    options.url = a.url;
    if (!a.token.empty()) options.token = a.token;
    options.actor = a.actor;
    options.client_version = std::string(version);
    options.timeout = std::chrono::milliseconds(static_cast<int64_t>(std::ceil(a.timeout_s * 1000)));
    options.insecure = a.insecure;
    if (*watch || *mcp) options.features = {{"notify.state", true}, {"notify.dims", true}, {"notify.camera", true}};

    try {
        const auto client = ControlClient::connect(options);
        int code = exit_code::kOk;
        if (*snapshot) {
            code = run_command(*client, {"scene.snapshot", {}, {}, std::nullopt});
        } else if (*get) {
            const protocol::CommandAnswer answer = client->command(
                {"state.get", {}, {{"scope", a.scope}, {"target", a.target}, {"key", a.key}}, std::nullopt});
            const json::value *result = result_of(answer);
            if (result == nullptr) {
                code = exit_code::kRejected;
            } else {
                auto record = protocol::read_state_record(*result);
                if (const auto *bad = std::get_if<protocol::FieldProblem>(&record)) {
                    code = bad_result("state.get", *bad);
                } else {
                    print(protocol::record_value_version(std::get<protocol::StateRecord>(record)));
                }
            }
        } else if (*set) {
            protocol::StateUpdate update{a.scope, a.target, a.key, std::move(value), std::nullopt};
            if (base_version->count() > 0) update.base_version = a.base_version;
            const AckResult ack = client->update(update);
            print(ack.payload);
            if (!ack.ack.accepted) {
                const protocol::StateRejection &error = *ack.ack.error;
                report(error.code, with_details(error.message, error.details));
                code = error.code == "state.conflict" ? exit_code::kConflict : exit_code::kRejected;
            }
        } else if (*watch) {
            code = run_watch(*client, topics, count->count() > 0 ? std::optional<uint64_t>(a.count) : std::nullopt);
        } else if (*screenshot) {
            code = run_screenshot(*client, a.output, options.timeout);
        } else if (*keyframe) {
            code = run_command(*client, {"napari.pixel.request_keyframe", {}, {}, std::nullopt});
        } else if (*command) {
            code = run_command(*client, std::move(call));
        } else {
            SCENEHOST_ASSERT(*mcp, "require_subcommand(1) leaves one of the subcommands above");
            McpServer server(*client, McpOptions{std::string(version), options.timeout});
            if (server.serve(std::cin, std::cout) == McpEnd::host_lost) return failed(*server.lost());
        }
        client->close();
        return code;
    } catch (const Failure &failure) {
        return failed(failure);
    }
}

}  // namespace scenehost::ctl
