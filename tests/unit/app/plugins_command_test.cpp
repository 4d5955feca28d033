// `scenehost plugins` prints one aligned row per file and exits 1 when anything was refused.
#include <catch2/catch.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "app/plugins_command.hpp"
#include "scenehost/sdk/version.h"
#include "support/text_lines.hpp"

namespace fs = std::filesystem;
using scenehost::test::lines_of;
using scenehost::app::run_plugins_command;

namespace {

const fs::path kFixtures = SCENEHOST_FIXTURE_PLUGIN_DIR;
// The host's SDK version as a regex, e.g. "1\\.1".
const std::string kSdk = std::to_string(SCENEHOST_SDK_VERSION_MAJOR) + "\\." + std::to_string(SCENEHOST_SDK_VERSION_MINOR);
const std::string kMinor = std::to_string(SCENEHOST_SDK_VERSION_MINOR);

}  // namespace

TEST_CASE("all plugins loaded: a header, one row each saying which directory it came from, exit 0") {
    std::ostringstream out;
    const std::vector<fs::path> dirs = {kFixtures / "good_echo", kFixtures / "good_c"};
    CHECK(run_plugins_command(dirs, kFixtures / "good_c", out) == 0);
    const auto lines = lines_of(out.str());
    REQUIRE(lines.size() == 3);
    CHECK_THAT(lines[0], Catch::Matches("KIND +NAME +VERSION +SDK +FROM +PATH +STATUS"));
    CHECK_THAT(lines[1], Catch::Matches("reducer +good_echo +1\\.0\\.0 +" + kSdk + " +site +.*/good_echo/good_echo\\.so +loaded"));
    CHECK_THAT(lines[2], Catch::Matches("reducer +good_c +0\\.0\\.1 +" + kSdk + " +system +.*/good_c/good_c\\.so +loaded"));
    // Columns line up: every row's path starts where the header's PATH does.
    const size_t path_column = lines[0].find("PATH");
    CHECK(lines[1].find('/') == path_column);
    CHECK(lines[2].find('/') == path_column);
}

TEST_CASE("a refused plugin shows what was read and why, and the exit code is 1") {
    std::ostringstream out;
    const std::vector<fs::path> dirs = {kFixtures / "good_echo", kFixtures / "major_mismatch",
                                        kFixtures / "not_a_library"};
    CHECK(run_plugins_command(dirs, "/usr/lib/scenehost/plugins", out) == 1);
    const auto lines = lines_of(out.str());
    REQUIRE(lines.size() == 4);
    CHECK_THAT(lines[2], Catch::Matches("- +- +- +2\\." + kMinor + " +site +.*/major_mismatch\\.so +refused: built against SDK 2\\." +
                                        kMinor + ", host has SDK " + kSdk + " \\(major must match\\)"));
    CHECK_THAT(lines[3], Catch::Matches("- +- +- +- +site +.*/not_a_library\\.so +refused: not a shared library \\(.*\\)"));
}

TEST_CASE("an empty directory says so") {
    std::ostringstream out;
    const fs::path empty = fs::temp_directory_path() / "scenehost-empty-plugin-dir";
    fs::create_directories(empty);
    const std::vector<fs::path> dirs = {empty};
    CHECK(run_plugins_command(dirs, "/usr/lib/scenehost/plugins", out) == 0);
    CHECK_THAT(out.str(), Catch::Contains("(no plugins found)"));
}
