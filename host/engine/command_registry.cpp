// Name -> handler, with the not-found answer.
#include "engine/command_registry.hpp"

#include <fmt/format.h>

#include "base/assert.hpp"

namespace scenehost::engine {

void CommandRegistry::add(std::string name, CommandHandler handler) {
    SCENEHOST_ASSERT(handler != nullptr, "a command has a handler");
    const bool added = handlers_.emplace(std::move(name), std::move(handler)).second;
    SCENEHOST_ASSERT(added, "each command is registered once");
}

CommandResult CommandRegistry::call(std::string_view name, const CommandCall &call) const {
    const auto it = handlers_.find(name);
    if (it == handlers_.end()) {
        return CommandError{"command.not_found",
                            fmt::format("no command '{}'; the host has: {}", name, fmt::join(names(), ", ")),
                            {{"command", name}}};
    }
    return it->second(call);
}

std::vector<std::string> CommandRegistry::names() const {
    std::vector<std::string> out;
    for (const auto &[name, handler] : handlers_) out.push_back(name);
    return out;
}

}  // namespace scenehost::engine
