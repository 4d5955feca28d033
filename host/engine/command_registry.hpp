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
#include <vector>

namespace scenehost::engine {

struct CommandError {
    std::string code;  // command.* (command.invalid, command.retryable, …)
    std::string message;
    boost::json::object details;
};

using CommandResult = std::variant<boost::json::value, CommandError>;
using CommandHandler = std::function<CommandResult(const boost::json::array &args, const boost::json::object &kwargs)>;

class CommandRegistry {
public:
    void add(std::string name, CommandHandler handler);
    // Runs the command, or says command.not_found naming the commands there are.
    CommandResult call(std::string_view name, const boost::json::array &args, const boost::json::object &kwargs) const;
    bool has(std::string_view name) const { return handlers_.find(name) != handlers_.end(); }
    std::vector<std::string> names() const;

private:
    std::map<std::string, CommandHandler, std::less<>> handlers_;
};

}  // namespace scenehost::engine
