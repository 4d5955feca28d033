// The command lane's registry: named host commands with their handlers. call.command is looked
// up here; unknown names are command.not_found, names a session may not run command.forbidden.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <utility>
#include <vector>

#include "broadcast/recipient.hpp"

namespace scenehost::engine {

struct CommandError {
    std::string code;  // command.* (command.invalid, command.retryable, …)
    std::string message;
    boost::json::object details;
};

// Who runs a command: for the audit line of a command that changes the scene, and for
// attributing what it publishes.
struct CommandCaller {
    std::string_view actor_id;
    std::string_view session_id;
    std::string_view frame_id;
    const broadcast::Recipient *recipient = nullptr;
};

struct CommandCall {
    const boost::json::array &args;
    const boost::json::object &kwargs;
    CommandCaller caller;
};

// A command's result, and what the host does once the reply is out: the notifies a command
// causes follow its reply (spec §15, "command success").
struct CommandReply {
    CommandReply(boost::json::value result, std::function<void()> then = {})  // NOLINT: implicit, a plain result
        : result(std::move(result)), then(std::move(then)) {}
    boost::json::value result;
    std::function<void()> then;
};

using CommandResult = std::variant<CommandReply, CommandError>;
using CommandHandler = std::function<CommandResult(const CommandCall &call)>;

class CommandRegistry {
public:
    void add(std::string name, CommandHandler handler);
    // Runs the command, or says command.not_found naming the commands there are.
    CommandResult call(std::string_view name, const CommandCall &call) const;
    bool has(std::string_view name) const { return handlers_.find(name) != handlers_.end(); }
    std::vector<std::string> names() const;

private:
    std::map<std::string, CommandHandler, std::less<>> handlers_;
};

}  // namespace scenehost::engine
