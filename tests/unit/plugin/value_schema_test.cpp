// Declared key schemas compile once and check values exactly as JSON Schema draft 7 says.
#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include "plugin/value_schema.hpp"

using scenehost::plugin::ValueSchema;

namespace {

ValueSchema compile(std::string_view text) {
    auto compiled = ValueSchema::compile(text);
    REQUIRE(std::holds_alternative<ValueSchema>(compiled));
    return std::move(std::get<ValueSchema>(compiled));
}

bool accepts(const ValueSchema &schema, std::string_view value) {
    return schema.violations(boost::json::parse(value)).empty();
}

}  // namespace

TEST_CASE("numeric bounds are inclusive or exclusive as declared") {
    const auto opacity = compile(R"({"type":"number","minimum":0,"maximum":1})");
    CHECK(accepts(opacity, "0"));
    CHECK(accepts(opacity, "1"));
    CHECK(accepts(opacity, "0.25"));
    CHECK_FALSE(accepts(opacity, "1.0001"));
    CHECK_FALSE(accepts(opacity, "-0.1"));
    CHECK_FALSE(accepts(opacity, "\"0.5\""));
    const auto gamma = compile(R"({"type":"number","exclusiveMinimum":0,"maximum":2})");
    CHECK_FALSE(accepts(gamma, "0"));
    CHECK(accepts(gamma, "2"));
}

TEST_CASE("arrays, enums and objects are checked") {
    const auto limits = compile(R"({"type":"array","items":{"type":"number"},"minItems":2,"maxItems":2})");
    CHECK(accepts(limits, "[0, 255]"));
    CHECK_FALSE(accepts(limits, "[0]"));
    CHECK_FALSE(accepts(limits, "[0, \"x\"]"));
    const auto blending = compile(R"({"enum":["opaque","translucent","additive"]})");
    CHECK(accepts(blending, "\"additive\""));
    CHECK_FALSE(accepts(blending, "\"glow\""));
    const auto pan = compile(
        R"({"type":"object","properties":{"dx_px":{"type":"number"}},"required":["dx_px"],"additionalProperties":false})");
    CHECK(accepts(pan, R"({"dx_px": 3})"));
    CHECK_FALSE(accepts(pan, R"({})"));
    CHECK_FALSE(accepts(pan, R"({"dx_px": 3, "dy": 1})"));
}

TEST_CASE("a violation names where and what") {
    const auto opacity = compile(R"({"type":"number","maximum":1})");
    CHECK_THAT(opacity.violations(boost::json::parse("7")), Catch::Contains("<root>"));
}

TEST_CASE("schemas that are not JSON or not JSON Schema are refused with the reason") {
    auto not_json = ValueSchema::compile("{type");
    REQUIRE(std::holds_alternative<std::string>(not_json));
    CHECK_THAT(std::get<std::string>(not_json), Catch::StartsWith("schema is not JSON"));
    auto not_object = ValueSchema::compile("[1]");
    REQUIRE(std::holds_alternative<std::string>(not_object));
    CHECK(std::get<std::string>(not_object) == "schema is not a JSON object");
    auto bad_type = ValueSchema::compile(R"({"type":"no-such-type"})");
    REQUIRE(std::holds_alternative<std::string>(bad_type));
    CHECK_THAT(std::get<std::string>(bad_type), Catch::StartsWith("schema is not a valid JSON Schema"));
}

TEST_CASE("a string holding NUL is a violation wherever it is, though valijson cannot see past one") {
    const auto name = compile(R"({"type":"string","minLength":1,"maxLength":4})");
    CHECK(accepts(name, R"("abcd")"));
    // A NUL after the first character would let a long string pass maxLength unnoticed.
    CHECK_FALSE(accepts(name, R"("a\u0000bcdefgh")"));
    CHECK(name.violations(boost::json::parse(R"("\u0000x")")) == "<root>: holds U+0000 (NUL) in a string, which no scenehost value may");
    const auto any = compile(R"({"type":"object"})");
    CHECK(accepts(any, R"({"k":["v"]})"));
    CHECK_FALSE(accepts(any, R"({"k":["v\u0000"]})"));
    CHECK_FALSE(accepts(any, R"({"k\u0000":1})"));
}
