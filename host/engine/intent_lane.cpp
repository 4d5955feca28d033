// state.update → engine → ack → broadcaster, and call.command, on the control thread.
#include "engine/intent_lane.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "base/assert.hpp"

namespace scenehost::engine {
namespace {

namespace json = boost::json;

constexpr std::string_view kNotRecorded = "state.not_recorded";
constexpr std::string_view kNotRecordedMessage = "the audit log could not record this change; the host is stopping";

}  // namespace

IntentLane::IntentLane(StateEngine &engine, const CommandRegistry &commands, broadcast::Broadcaster &broadcaster,
                       std::vector<std::string> allowed_commands)
    : engine_(engine), commands_(commands), broadcaster_(broadcaster), allowed_(std::move(allowed_commands)) {
    for (const protocol::IntentCommand &c : protocol::intent_commands()) {
        if (engine_.has_scope(c.address.scope)) intent_commands_.push_back(c);
    }
}

std::vector<std::string> IntentLane::command_names() const {
    if (!allowed_.empty()) return allowed_;
    std::vector<std::string> names = commands_.names();
    for (const protocol::IntentCommand &c : intent_commands_) names.push_back(c.name);
    std::sort(names.begin(), names.end());
    return names;
}

void IntentLane::not_recorded(const Sender &sender, std::string_view intent_id, std::string_view frame_id,
                              bool command, const json::object &details, const std::string &reason) {
    // Not recorded, so not accepted: the sender learns so, then every session the fault.
    broadcast::Recipient &r = sender.recipient;
    if (command) {
        r.send(r.dialect().error_command(r.id(), frame_id, kNotRecorded, kNotRecordedMessage, details));
    } else {
        metrics_.rejected.with({std::string(kNotRecorded)}).inc();
        r.send(r.dialect().ack_rejected(r.id(), intent_id, frame_id,
                                     {std::string(kNotRecorded), std::string(kNotRecordedMessage), details},
                                     std::nullopt));
    }
    SCENEHOST_ASSERT(on_fault_ != nullptr, "the host says what a critical fault does before serving");
    on_fault_("audit", "audit.write_failed", reason);
}

std::optional<Outcome> IntentLane::apply(const Sender &sender, const protocol::IntentAddress &address,
                                         const json::value &value, std::optional<uint64_t> base_version,
                                         std::string_view intent_id, std::string_view frame_id, bool command) {
    Outcome outcome = engine_.apply({address.scope, address.target, address.key, value, base_version},
                                    {sender.actor_id, sender.recipient.id(), intent_id});
    if (const auto *failed = std::get_if<NotRecorded>(&outcome)) {
        not_recorded(sender, intent_id, frame_id, command, {{"scope", address.scope}, {"key", address.key}},
                     failed->reason);
        return std::nullopt;
    }
    return outcome;
}

void IntentLane::update(const Sender &sender, const protocol::Envelope &envelope, const protocol::StateUpdate &update) {
    const std::string &intent_id = *envelope.intent_id;  // required on state.update
    const std::string &frame_id = *envelope.frame_id;
    const protocol::IntentAddress address = protocol::resolve_intent(update.scope, update.target, update.key);
    const auto outcome = apply(sender, address, update.value, update.base_version, intent_id, frame_id, false);
    if (!outcome) return;
    broadcast::Recipient &r = sender.recipient;
    if (const auto *rejected = std::get_if<Rejected>(&*outcome)) {
        metrics_.rejected.with({rejected->code}).inc();
        r.send(r.dialect().ack_rejected(r.id(), intent_id, frame_id, {rejected->code, rejected->message, rejected->details},
                                     rejected->version));
        return;
    }
    metrics_.accepted.inc();
    const auto &accepted = std::get<Accepted>(*outcome);
    // The ack first; only then the notifies it caused.
    r.send(r.dialect().ack_accepted(r.id(), intent_id, frame_id,
                                    r.dialect().ack_value(address, update.value, accepted.applied_value, engine_.store()),
                                    accepted.version));
    if (!accepted.changes.changes.empty()) {
        broadcaster_.publish(accepted.changes, {&r, intent_id, address.key, &update.value});
    }
}

void IntentLane::refuse(const Sender &sender, std::string_view intent_id, std::string_view frame_id,
                        const protocol::StateUpdate *update, const protocol::StateRejection &rejection) {
    static const json::value kUnread;
    std::optional<protocol::IntentAddress> address;
    if (update != nullptr) address = protocol::resolve_intent(update->scope, update->target, update->key);
    const Refusal refusal{address ? std::string_view(address->scope) : std::string_view(),
                          address ? std::string_view(address->target) : std::string_view(),
                          address ? std::string_view(address->key) : std::string_view(),
                          update != nullptr ? update->value : kUnread,
                          rejection.code,
                          rejection.message};
    if (auto failed = engine_.record_refusal(refusal, {sender.actor_id, sender.recipient.id(), intent_id})) {
        return not_recorded(sender, intent_id, frame_id, false, {{"code", rejection.code}}, failed->reason);
    }
    metrics_.rejected.with({rejection.code}).inc();
    broadcast::Recipient &r = sender.recipient;
    r.send(r.dialect().ack_rejected(r.id(), intent_id, frame_id, rejection, std::nullopt));
}

void IntentLane::command(const Sender &sender, const protocol::Envelope &envelope, const protocol::CallCommand &call) {
    const std::string &frame_id = *envelope.frame_id;  // required on call.command
    broadcast::Recipient &r = sender.recipient;
    const auto intent_command = std::find_if(intent_commands_.begin(), intent_commands_.end(),
                                             [&](const protocol::IntentCommand &c) { return c.name == call.command; });
    const bool is_intent = intent_command != intent_commands_.end();
    if ((commands_.has(call.command) || is_intent) && !allowed_.empty() &&
        std::find(allowed_.begin(), allowed_.end(), call.command) == allowed_.end()) {
        r.send(r.dialect().error_command(r.id(), frame_id, "command.forbidden",
                                      fmt::format("this session may not run '{}'", call.command),
                                      json::object{{"command", call.command}}));
        return;
    }
    if (!is_intent) {
        auto result = commands_.call(call.command, {call.args, call.kwargs, {sender.actor_id, r.id(), frame_id, &r}});
        if (auto *error = std::get_if<CommandError>(&result)) {
            r.send(r.dialect().error_command(r.id(), frame_id, error->code, error->message, error->details));
            return;
        }
        const CommandReply &reply = std::get<CommandReply>(result);
        r.send(r.dialect().reply_command(r.id(), frame_id, reply.result));
        if (reply.then) reply.then();
        return;
    }
    if (!call.args.empty() || !call.kwargs.empty()) {
        r.send(r.dialect().error_command(r.id(), frame_id, "command.invalid",
                                      fmt::format("{} takes no arguments", call.command), std::nullopt));
        return;
    }
    const protocol::IntentCommand &c = *intent_command;
    const auto outcome = apply(sender, c.address, c.value, std::nullopt, frame_id, frame_id, true);
    if (!outcome) return;
    if (const auto *rejected = std::get_if<Rejected>(&*outcome)) {
        r.send(r.dialect().error_command(r.id(), frame_id, rejected->code, rejected->message, rejected->details));
        return;
    }
    // The reply first, then the notifies of the change (spec §15, "command success").
    const auto &accepted = std::get<Accepted>(*outcome);
    r.send(r.dialect().reply_command(r.id(), frame_id,
                                  protocol::intent_command_result(accepted.applied_value, accepted.version)));
    if (!accepted.changes.changes.empty()) broadcaster_.publish(accepted.changes, {&r, frame_id, c.address.key, &c.value});
}

}  // namespace scenehost::engine
