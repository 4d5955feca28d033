// `scenehost encoders` probes each encoder plugin and says available, or unavailable and why.
#include <catch2/catch.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "app/encoders_command.hpp"
#include "support/text_lines.hpp"

namespace fs = std::filesystem;
using scenehost::test::lines_of;
using scenehost::app::run_encoders_command;

namespace {

const fs::path kFixtures = SCENEHOST_FIXTURE_PLUGIN_DIR;

}  // namespace

TEST_CASE("each encoder is listed as available or unavailable with its reason") {
    std::ostringstream out;
    const std::vector<fs::path> dirs = {kFixtures / "fake_encoder", kFixtures / "unavailable_encoder",
                                        kFixtures / "good_echo"};
    CHECK(run_encoders_command(dirs, out) == 0);
    const auto lines = lines_of(out.str());
    REQUIRE(lines.size() == 3);  // reducers are not encoders
    CHECK_THAT(lines[0], Catch::Matches("NAME +VERSION +CODEC +INPUT +STATUS"));
    CHECK_THAT(lines[1], Catch::Matches("fake_encoder +0\\.0\\.1 +h264 +i420 +available"));
    CHECK_THAT(lines[2], Catch::Matches("unavailable_encoder +0\\.0\\.1 +h264 +i420 +unavailable: needs the "
                                        "fixture's imaginary device"));
}

TEST_CASE("the exit code is 1 when no encoder can run") {
    std::ostringstream out;
    const std::vector<fs::path> dirs = {kFixtures / "unavailable_encoder"};
    CHECK(run_encoders_command(dirs, out) == 1);
    std::ostringstream none;
    CHECK(run_encoders_command({kFixtures / "good_echo"}, none) == 1);
    CHECK_THAT(none.str(), Catch::Contains("(no encoder plugins found)"));
}
