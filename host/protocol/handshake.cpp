// Dialect negotiation: read the hello as its envelope version says, then intersect protocols.
#include "protocol/handshake.hpp"

#include <algorithm>
#include <array>
#include <boost/json/parse.hpp>
#include <fmt/format.h>

#include "protocol/payload_reader.hpp"

namespace scenehost::protocol {
namespace {

namespace json = boost::json;

// napari-cuda's server refuses a client that does not take these (its handshake).
constexpr std::array<std::string_view, 3> kV2RequiredFeatures = {"notify.scene", "notify.layers", "notify.stream"};

// The dialect whose envelope `version` the frame carries; v1 when it names none we speak.
Dialect &written_in(std::string_view text, Dialects &dialects) {
    json::error_code error;
    const json::value document = json::parse(text, error);
    if (error || !document.is_object()) return dialects.v1();
    const json::value *version = document.get_object().if_contains("version");
    return version != nullptr && as_int64(*version) == 2 ? dialects.v2() : dialects.v1();
}

}  // namespace

std::variant<HelloAccepted, HelloRefused> negotiate(std::string_view text, Dialects &dialects) {
    Dialect &spoken = written_in(text, dialects);
    auto parsed = parse_client_frame(text, spoken.version() == 2 ? kClientV2 : kClientV1);
    if (auto *error = std::get_if<ProtocolError>(&parsed)) {
        return HelloRefused{&spoken, {error->code, error->message, std::nullopt}};
    }
    auto &frame = std::get<ClientFrame>(parsed);
    if (frame.envelope.type != FrameType::session_hello) {
        return HelloRefused{&spoken,
                            {"session.unexpected_message",
                             fmt::format("the first frame must be session.hello, not {}", type_name(frame.envelope.type)),
                             json::object{{"received", type_name(frame.envelope.type)}}}};
    }
    Hello &hello = std::get<Hello>(frame.payload);
    const auto offers = [&](int64_t v) { return std::find(hello.protocols.begin(), hello.protocols.end(), v) != hello.protocols.end(); };
    Dialect *chosen = offers(2) ? &dialects.v2() : offers(1) ? &dialects.v1() : nullptr;
    if (chosen == nullptr) {
        return HelloRefused{&spoken,
                            {"session.unsupported_protocol",
                             fmt::format("this host speaks protocols 1 and 2, the client offered {}",
                                         fmt::join(hello.protocols, ", ")),
                             json::object{{"supported", json::array{1, 2}},
                                          {"client_protocols", json::array(hello.protocols.begin(), hello.protocols.end())}}}};
    }
    if (chosen->version() == 2) {
        json::array missing;
        for (std::string_view topic : kV2RequiredFeatures) {
            const auto wanted = hello.features.find(topic);
            if (wanted == hello.features.end() || !wanted->second) missing.emplace_back(topic);
        }
        // A client that also speaks 1 and does not take what 2 requires gets 1.
        if (!missing.empty() && offers(1)) return HelloAccepted{&dialects.v1(), std::move(hello)};
        if (!missing.empty()) {
            return HelloRefused{&spoken,
                                {"session.unsupported_client",
                                 "protocol 2 needs the features notify.scene, notify.layers and notify.stream",
                                 json::object{{"missing", std::move(missing)}}}};
        }
    }
    return HelloAccepted{chosen, std::move(hello)};
}

}  // namespace scenehost::protocol
