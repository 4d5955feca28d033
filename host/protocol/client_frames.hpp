// Frames a client sends, parsed strictly into typed payloads. Every problem is a ProtocolError
// naming the field; nothing from the network reaches the host unchecked.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "protocol/frame.hpp"

namespace scenehost::protocol {

struct ClientInfo {
    std::string name;
    std::string version;
    std::string platform;
};

struct Hello {
    std::vector<int64_t> protocols;
    ClientInfo client;
    std::map<std::string, bool, std::less<>> features;
    std::map<std::string, std::optional<std::string>, std::less<>> resume_tokens;
    std::optional<std::string> auth_type;   // "bearer" or "mtls"
    std::optional<std::string> auth_token;  // bearer only
};

struct StateUpdate {
    std::string scope;
    std::string target;
    std::string key;
    boost::json::value value;
    std::optional<uint64_t> base_version;  // scenehost's addition: see docs/protocol.md
};

struct CallCommand {
    std::string command;
    boost::json::array args;
    boost::json::object kwargs;
    std::optional<std::string> origin;
};

struct SessionAck {};

struct Goodbye {
    std::optional<std::string> code;
    std::optional<std::string> message;
    std::optional<std::string> reason;
};

using ClientPayload = std::variant<Hello, StateUpdate, CallCommand, SessionAck, Goodbye>;

struct ClientFrame {
    Envelope envelope;
    ClientPayload payload;
};

std::variant<ClientFrame, ProtocolError> parse_client_frame(std::string_view text);

// The payload rules of a client frame type, for the validator of any frame.
std::optional<ProtocolError> check_client_payload(FrameType type, const boost::json::object &payload);

}  // namespace scenehost::protocol
