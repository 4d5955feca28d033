// JSON text as the host writes it, on the wire and in the audit log: compact, numbers in their
// shortest round-trip form (0.5, where Boost.JSON 1.81 writes 5E-1), and doubles that hold a
// whole number keep a ".0" so that typed readers (Python's json) still see a float.
#pragma once

#include <boost/json/value.hpp>
#include <string>

namespace scenehost::base {

void append_json(std::string &out, const boost::json::value &value);
std::string to_json(const boost::json::value &value);

}  // namespace scenehost::base
