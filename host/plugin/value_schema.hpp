// The JSON Schema (draft 7) a reducer declares for one key, compiled once at load time and used
// to check every value the reducer writes (valijson over Boost.JSON).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include <boost/json/value.hpp>

namespace scenehost::plugin {

class ValueSchema {
public:
    // Parses schema_json; returns the reason when it is not JSON or not a valid schema.
    static std::variant<ValueSchema, std::string> compile(std::string_view schema_json);
    ~ValueSchema();
    ValueSchema(ValueSchema &&) noexcept;
    ValueSchema &operator=(ValueSchema &&) noexcept;

    // Empty when value satisfies the schema, else the first violations, e.g. "<root>: ... maximum".
    std::string violations(const boost::json::value &value) const;
    const boost::json::value &document() const;

private:
    struct Compiled;
    explicit ValueSchema(std::unique_ptr<Compiled> compiled);
    std::unique_ptr<Compiled> compiled_;
};

}  // namespace scenehost::plugin
