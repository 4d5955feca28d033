// Fuzz target: the first frame of a /control connection, session.hello, through the handshake
// (protocol/handshake.hpp negotiate: which dialect, or a refusal) and its resume tokens through
// the history's token reader (store/topic_history.cpp replay_since), then answered as
// ControlSession::handshake does, with a reject or a welcome the builders assert valid.
// A resume token "@N" stands for the N-th token this history really issued (its instance is
// random per run), so inputs reach the replay paths and reproduce in any run.
#include <boost/json/object.hpp>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <fmt/format.h>
#include <string>
#include <variant>
#include <vector>

#include "base/clock.hpp"
#include "fuzz_files.hpp"
#include "protocol/handshake.hpp"
#include "store/topic_history.hpp"

namespace {

using namespace scenehost;
using store::Topic;

// A history with every kind of token: epoch starts, retained deltas, pruned ones (a small
// retention), a topic on its second epoch.
struct History {
    base::ManualClock clock;
    store::ResumableHistory history{clock, {2, 4, 1'000'000}, {1, 2, 1'000'000}, {2, 4, 1'000'000}};
    std::vector<std::string> issued;

    History() {
        issued.push_back(history.latest(Topic::scene).delta_token);  // the first epoch's start
        issued.push_back(history.seed_snapshot(Topic::scene, boost::json::object{}, 1).delta_token);
        for (Topic topic : {Topic::layers, Topic::stream, Topic::state}) {
            issued.push_back(history.latest(topic).delta_token);
            for (uint64_t v = 1; v <= 6; ++v) {
                clock.advance_us(400'000);
                issued.push_back(history.apply_delta(topic, boost::json::object{}, v, "fuzz").delta_token);
            }
        }
    }

    std::string resolve(const std::string &token) const {
        size_t n = 0;
        if (token.size() < 2 || token[0] != '@') return token;
        const auto [end, error] = std::from_chars(token.data() + 1, token.data() + token.size(), n);
        if (error != std::errc() || end != token.data() + token.size() || n >= issued.size()) return token;
        return issued[n];
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static base::ManualClock clock;
    static protocol::Dialects dialects(clock, true);
    static const History history;

    auto negotiated = protocol::negotiate(fuzz::as_text(data, size), dialects);
    if (auto *refused = std::get_if<protocol::HelloRefused>(&negotiated)) {
        refused->dialect->reject(refused->reject);
        return 0;
    }
    auto &accepted = std::get<protocol::HelloAccepted>(negotiated);
    protocol::Dialect &dialect = *accepted.dialect;
    protocol::Welcome welcome{dialect.new_session_id(), 15.0, std::nullopt, {}};
    for (Topic topic : store::kResumableTopics) {
        const auto it = accepted.hello.resume_tokens.find(store::topic_name(topic));
        if (it != accepted.hello.resume_tokens.end() && it->second && !it->second->empty()) {
            const auto result = history.history.replay_since(topic, history.resolve(*it->second));
            if (const auto *bad = std::get_if<store::MalformedToken>(&result); bad && dialect.refuses_malformed_tokens()) {
                dialect.reject({"session.invalid_resume_token",
                                fmt::format("resume_tokens.{}: {}", store::topic_name(topic), bad->reason),
                                boost::json::object{{"topic", store::topic_name(topic)}}});
                return 0;
            }
        }
        const store::Cursor c = history.history.latest(topic);
        welcome.features[std::string(store::topic_name(topic))] =
            protocol::FeatureState{true, 1, true, std::nullopt, protocol::ResumeState{c.seq, c.delta_token}};
    }
    welcome.features["call.command"] = {true, 1, std::nullopt, std::vector<std::string>{"scene.snapshot"}, std::nullopt};
    dialect.welcome(welcome);
    return 0;
}
