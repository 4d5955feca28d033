// The host's JSON writer: shortest round-trip numbers, floats that stay floats, escaped strings.
#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <charconv>
#include <cmath>
#include <random>

#include "base/json_text.hpp"

namespace json = boost::json;
using scenehost::base::to_json;

TEST_CASE("numbers are written in their shortest form, whole doubles keep a .0") {
    CHECK(to_json(0.5) == "0.5");
    CHECK(to_json(1.0) == "1.0");
    CHECK(to_json(-0.0) == "-0.0");
    CHECK(to_json(1e300) == "1e+300");
    CHECK(to_json(1795580828.032073) == "1795580828.032073");
    CHECK(to_json(json::value(int64_t(-7))) == "-7");
    CHECK(to_json(json::value(uint64_t(18446744073709551615ull))) == "18446744073709551615");
}

// std::from_chars reads exactly; Boost.JSON 1.81's parser may land on a neighbouring double.
TEST_CASE("doubles survive a round trip through the text exactly") {
    std::mt19937_64 random(7);
    std::uniform_real_distribution<double> any(-1e6, 1e6);
    for (int i = 0; i < 10000; ++i) {
        const double d = any(random) * std::pow(10.0, double(int(random() % 40) - 20));
        const std::string text = to_json(d);
        double back = 0;
        REQUIRE(std::from_chars(text.data(), text.data() + text.size(), back).ec == std::errc());
        CHECK(back == d);
    }
}

TEST_CASE("strings are escaped as JSON requires, UTF-8 passes through") {
    CHECK(to_json("a\"b\\c") == R"("a\"b\\c")");
    CHECK(to_json("\n\t\r\b\f") == R"("\n\t\r\b\f")");
    CHECK(to_json(json::string(std::string("\x01\x1f", 2))) == R"("\u0001\u001f")");
    CHECK(to_json("µm ✓") == "\"µm ✓\"");
    CHECK(json::parse(to_json("\x7f/</script>")) == "\x7f/</script>");
}

TEST_CASE("containers are compact and keep their order") {
    const json::value v = json::parse(R"({"b":[1,2.5,{"z":null,"a":true}],"a":"x"})");
    CHECK(to_json(v) == R"({"b":[1,2.5,{"z":null,"a":true}],"a":"x"})");
    CHECK(to_json(json::array{}) == "[]");
    CHECK(to_json(json::object{}) == "{}");
}
