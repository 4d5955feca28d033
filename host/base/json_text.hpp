// JSON text as the host writes it, on the wire and in the audit log: compact, numbers in their
// shortest round-trip form (0.5, where Boost.JSON 1.81 writes 5E-1), and doubles that hold a
// whole number keep a ".0" so that typed readers (Python's json) still see a float.
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace scenehost::base {

void append_json(std::string &out, const boost::json::value &value);
std::string to_json(const boost::json::value &value);

// Why no scenehost value may be `value`, or nothing:
// - JSON has no NaN or Infinity, but a number like 1e999 parses to infinity, which would not
//   even survive serialization back to JSON text;
// - U+0000 ends a string early for the schema validator (valijson reads strings as C strings),
//   so "\u0000x" fails a minLength of 1 and an early NUL passes any maxLength. scenehost refuses
//   NUL in every string and object key (docs/sdk.md).
std::optional<std::string_view> unholdable(const boost::json::value &value);

}  // namespace scenehost::base
