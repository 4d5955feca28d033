// PayloadReader: each accessor checks presence and JSON kind and records the first problem.
#include "protocol/payload_reader.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <limits>

namespace scenehost::protocol {

namespace json = boost::json;

std::optional<int64_t> as_int64(const json::value &value) {
    if (value.is_int64()) return value.get_int64();
    if (value.is_uint64() && value.get_uint64() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return static_cast<int64_t>(value.get_uint64());
    }
    return std::nullopt;
}

PayloadReader PayloadReader::nested(const json::object &child, std::string_view key) const {
    return PayloadReader(child, fmt::format("{}.{}", path_, key), problem_);
}

void PayloadReader::fail(std::string_view key, std::string_view rule) {
    if (problem_) return;
    std::string field = key.empty() ? path_ : fmt::format("{}.{}", path_, key);
    std::string message = fmt::format("{} {}", field, rule);
    problem_ = FieldProblem{std::move(field), std::move(message)};
}

const json::value *PayloadReader::find(std::string_view key, Need need) {
    const json::value *v = object_.if_contains(key);
    if (v == nullptr && need == Need::required) fail(key, "is required");
    return v;
}

const json::value *PayloadReader::any(std::string_view key, Need need) { return find(key, need); }

std::optional<std::string_view> PayloadReader::string(std::string_view key, Need need) {
    const json::value *v = find(key, need);
    if (v == nullptr) return std::nullopt;
    if (!v->is_string()) return fail(key, "must be a string"), std::nullopt;
    return std::string_view(v->get_string());
}

std::optional<std::string_view> PayloadReader::nonempty(std::string_view key, Need need) {
    const json::value *v = find(key, need);
    if (v == nullptr) return std::nullopt;
    if (!v->is_string()) return fail(key, "must be a string"), std::nullopt;
    if (v->get_string().empty()) return fail(key, "must not be empty"), std::nullopt;
    return std::string_view(v->get_string());
}

std::optional<std::string_view> PayloadReader::one_of(std::string_view key, Need need,
                                                      std::initializer_list<std::string_view> allowed) {
    const json::value *v = find(key, need);
    if (v == nullptr) return std::nullopt;
    if (v->is_string() &&
        std::find(allowed.begin(), allowed.end(), std::string_view(v->get_string())) != allowed.end()) {
        return std::string_view(v->get_string());
    }
    fail(key, fmt::format("must be one of \"{}\"", fmt::join(allowed, "\", \"")));
    return std::nullopt;
}

const json::object *PayloadReader::object(std::string_view key, Need need) {
    const json::value *v = find(key, need);
    if (v == nullptr) return nullptr;
    if (!v->is_object()) return fail(key, "must be an object"), nullptr;
    return &v->get_object();
}

const json::array *PayloadReader::array(std::string_view key, Need need) {
    const json::value *v = find(key, need);
    if (v == nullptr) return nullptr;
    if (!v->is_array()) return fail(key, "must be an array"), nullptr;
    return &v->get_array();
}

std::optional<bool> PayloadReader::boolean(std::string_view key, Need need) {
    const json::value *v = find(key, need);
    if (v == nullptr) return std::nullopt;
    if (!v->is_bool()) return fail(key, "must be true or false"), std::nullopt;
    return v->get_bool();
}

std::optional<int64_t> PayloadReader::integer(std::string_view key, Need need) {
    const json::value *v = find(key, need);
    if (v == nullptr) return std::nullopt;
    auto i = as_int64(*v);
    if (!i) fail(key, "must be an integer");
    return i;
}

std::optional<uint64_t> PayloadReader::count(std::string_view key, Need need) {
    const json::value *v = find(key, need);
    if (v == nullptr) return std::nullopt;
    if (v->is_uint64()) return v->get_uint64();
    if (v->is_int64() && v->get_int64() >= 0) return static_cast<uint64_t>(v->get_int64());
    fail(key, "must be a non-negative integer");
    return std::nullopt;
}

std::optional<double> PayloadReader::number(std::string_view key, Need need) {
    const json::value *v = find(key, need);
    if (v == nullptr) return std::nullopt;
    if (!v->is_number()) return fail(key, "must be a number"), std::nullopt;
    return v->to_number<double>();
}

void PayloadReader::empty_object() {
    if (!object_.empty()) fail("", "must be {}");
}

void PayloadReader::only(std::initializer_list<std::string_view> known, std::string_view frame) {
    if (problem_) return;
    for (const auto &entry : object_) {
        if (std::find(known.begin(), known.end(), std::string_view(entry.key())) == known.end()) {
            return fail(entry.key(), fmt::format("is not a field of {}", frame));
        }
    }
}

}  // namespace scenehost::protocol
