// Typed, strict reads of one JSON payload object, shared by the client-frame parser and the
// server-frame validator. The first broken rule is kept as a FieldProblem naming the field.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace scenehost::protocol {

// A broken payload rule: the full field path ("payload.client.name") and a message naming it.
struct FieldProblem {
    std::string field;
    std::string message;
};

enum class Need { required, optional };

// Reads fields of one object at `path` ("payload", "payload.session", ...). Every accessor returns
// nothing when the field is absent or mistyped; only the first problem is kept, in `problem`,
// which nested readers share. Invariant: `problem` outlives the reader.
class PayloadReader {
public:
    PayloadReader(const boost::json::object &object, std::string path, std::optional<FieldProblem> &problem)
        : object_(object), path_(std::move(path)), problem_(problem) {}

    bool failed() const { return problem_.has_value(); }
    // A reader for a child object found at `key` of this one.
    PayloadReader nested(const boost::json::object &child, std::string_view key) const;

    const boost::json::value *any(std::string_view key, Need need);
    std::optional<std::string_view> string(std::string_view key, Need need);
    std::optional<std::string_view> nonempty(std::string_view key, Need need);
    std::optional<std::string_view> one_of(std::string_view key, Need need,
                                           std::initializer_list<std::string_view> allowed);
    const boost::json::object *object(std::string_view key, Need need);
    const boost::json::array *array(std::string_view key, Need need);
    std::optional<bool> boolean(std::string_view key, Need need);
    std::optional<int64_t> integer(std::string_view key, Need need);
    std::optional<uint64_t> count(std::string_view key, Need need);  // an integer >= 0
    std::optional<double> number(std::string_view key, Need need);
    // A value that must be {} (heartbeat, session.ack).
    void empty_object();
    // Every key of the object must be in `known`; `frame` names the frame type in the message.
    void only(std::initializer_list<std::string_view> known, std::string_view frame);
    // Records "<path>.<key> <rule>" unless a problem is already recorded.
    void fail(std::string_view key, std::string_view rule);

private:
    const boost::json::value *find(std::string_view key, Need need);

    const boost::json::object &object_;
    std::string path_;
    std::optional<FieldProblem> &problem_;
};

// JSON integer (int64 or uint64 kind) as int64, if it fits.
std::optional<int64_t> as_int64(const boost::json::value &value);

}  // namespace scenehost::protocol
