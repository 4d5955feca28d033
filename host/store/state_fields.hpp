// Strict reading of the JSON objects in the state directory's files (snapshots, audit lines):
// a missing, mistyped or unexpected field is a RecoveryError naming where it is.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <fmt/format.h>
#include <initializer_list>
#include <string>
#include <string_view>

#include "base/json_text.hpp"
#include "store/state_snapshot.hpp"

namespace scenehost::store {

class StateFields {
public:
    // where: "FILE", "FILE:LINE", "FILE: scope camera"…, the start of every message.
    StateFields(const boost::json::object &object, std::string where) : object_(object), where_(std::move(where)) {}

    [[noreturn]] void fail(std::string_view why) const { throw RecoveryError(fmt::format("{}: {}", where_, why)); }
    const std::string &where() const { return where_; }
    bool has(std::string_view name) const { return object_.contains(name); }

    // Every field is one of names.
    void only(std::initializer_list<std::string_view> names) const {
        for (const auto &kv : object_) {
            bool known = false;
            for (std::string_view n : names) known = known || kv.key() == n;
            if (!known) fail(fmt::format("unexpected field '{}'", std::string_view(kv.key())));
        }
    }
    const boost::json::value &value(std::string_view name) const {
        const boost::json::value *v = object_.if_contains(name);
        if (v == nullptr) fail(fmt::format("field '{}' is missing", name));
        if (auto why = base::unholdable(*v)) fail(fmt::format("field '{}' {}", name, *why));
        return *v;
    }
    // A string without NUL; non_empty: and not "".
    std::string_view string(std::string_view name, bool non_empty = true) const {
        const auto *s = value(name).if_string();
        if (s == nullptr) fail(fmt::format("field '{}' is not a string", name));
        if (non_empty && s->empty()) fail(fmt::format("field '{}' is empty", name));
        return *s;
    }
    uint64_t uint(std::string_view name) const {
        const boost::json::value &v = value(name);
        if (const auto *u = v.if_uint64()) return *u;
        if (const auto *i = v.if_int64(); i && *i >= 0) return uint64_t(*i);
        fail(fmt::format("field '{}' is not an integer from 0 to 2^64-1", name));
    }
    int64_t int64(std::string_view name) const {
        const boost::json::value &v = value(name);
        if (const auto *i = v.if_int64()) return *i;
        fail(fmt::format("field '{}' is not an integer from -2^63 to 2^63-1", name));
    }
    bool boolean(std::string_view name) const {
        const auto *b = value(name).if_bool();
        if (b == nullptr) fail(fmt::format("field '{}' is not true or false", name));
        return *b;
    }
    const boost::json::object &object(std::string_view name) const {
        const auto *o = value(name).if_object();
        if (o == nullptr) fail(fmt::format("field '{}' is not an object", name));
        return *o;
    }
    const boost::json::array &array(std::string_view name) const {
        const auto *a = value(name).if_array();
        if (a == nullptr) fail(fmt::format("field '{}' is not an array", name));
        return *a;
    }
    // The element of an array that must be an object, with its own place in messages.
    StateFields element(const boost::json::value &v, std::string where) const {
        const auto *o = v.if_object();
        if (o == nullptr) throw RecoveryError(fmt::format("{}: not an object", where));
        return StateFields(*o, std::move(where));
    }

private:
    const boost::json::object &object_;
    std::string where_;
};

}  // namespace scenehost::store
