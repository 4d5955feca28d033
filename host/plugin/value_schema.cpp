// valijson is the validator; this file is the only one that includes it.
#include "plugin/value_schema.hpp"

#include <boost/json/parse.hpp>
#include <fmt/format.h>
#include <stdexcept>
#include <valijson/adapters/boost_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include "base/json_text.hpp"

namespace scenehost::plugin {

struct ValueSchema::Compiled {
    boost::json::value document;
    valijson::Schema schema;
};

ValueSchema::ValueSchema(std::unique_ptr<Compiled> compiled) : compiled_(std::move(compiled)) {}
ValueSchema::~ValueSchema() = default;
ValueSchema::ValueSchema(ValueSchema &&) noexcept = default;
ValueSchema &ValueSchema::operator=(ValueSchema &&) noexcept = default;

std::variant<ValueSchema, std::string> ValueSchema::compile(std::string_view schema_json) {
    auto compiled = std::make_unique<Compiled>();
    boost::system::error_code error;
    compiled->document = boost::json::parse(schema_json, error);
    if (error) {
        return "schema is not JSON: " + error.message();
    }
    if (!compiled->document.is_object()) {
        return std::string("schema is not a JSON object");
    }
    // valijson reports a schema it cannot understand by throwing (VALIJSON_USE_EXCEPTIONS):
    // the plugin's declaration is outside input, so the reason goes back to the loader.
    try {
        valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
        valijson::adapters::BoostJsonAdapter adapter(compiled->document);
        parser.populateSchema(adapter, compiled->schema);
    } catch (const std::exception &e) {
        return std::string("schema is not a valid JSON Schema: ") + e.what();
    }
    return ValueSchema(std::move(compiled));
}

std::string ValueSchema::violations(const boost::json::value &value) const {
    // valijson cannot see past a NUL (base::unholdable), so the host's own check says it first.
    if (auto why = base::unholdable(value)) return fmt::format("<root>: {}, which no scenehost value may", *why);
    valijson::Validator validator(valijson::Validator::kStrongTypes);
    valijson::ValidationResults results;
    valijson::adapters::BoostJsonAdapter adapter(value);
    if (validator.validate(compiled_->schema, adapter, &results)) {
        return {};
    }
    std::string text;
    valijson::ValidationResults::Error error;
    while (results.popError(error)) {
        if (!text.empty()) {
            text += "; ";
        }
        for (const auto &part : error.context) {
            text += part;
        }
        text += ": " + error.description;
    }
    return text;
}

const boost::json::value &ValueSchema::document() const { return compiled_->document; }

}  // namespace scenehost::plugin
