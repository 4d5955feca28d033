// The browser viewer (web/) in Debian's Chromium, driven by playwright-core against the real
// host on 127.0.0.1: one test case per scenario of tests/browser/viewer_test.mjs, which checks
// the canvas against the host's scene.screenshot and the store through a session of its own, and
// fails on any console error in the page. Its JSON result lands in the build directory
// (browser/<scenario>.json; browser/viewer-demo.png is the demo page as the first case saw it).
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "integration/control_fixture.hpp"
#include "support/host_process.hpp"
#include "support/shell.hpp"

using namespace scenehost::test;

namespace {

// The scenario's result is the last line of its output.
ShellRun run_scenario(const std::string &scenario, uint16_t port) {
    const std::string out_dir = SCENEHOST_BROWSER_OUT_DIR;
    std::filesystem::create_directories(out_dir);
    return run_shell("cd '" SCENEHOST_BROWSER_DIR "' && node viewer_test.mjs " + scenario + " http://127.0.0.1:" + std::to_string(port) + "/ '" +
                     out_dir + "'");
}

void check_scenario(const std::string &scenario) {
    HostProcess host(host_args());
    const ShellRun run = run_scenario(scenario, host.port());
    INFO(run.output);
    CHECK(run.exit_code == 0);
}

}  // namespace

TEST_CASE("browser: the first decoded frame is the host's picture") { check_scenario("first_frame"); }
TEST_CASE("browser: a dims slider shows the host's picture of that step here and in a second page, which names the actor") {
    check_scenario("dims_slider");
}
TEST_CASE("browser: 3D, then a drag orbits the camera in the store") { check_scenario("orbit_3d"); }
TEST_CASE("browser: a dropped control socket resumes by token without a baseline") { check_scenario("resume"); }
TEST_CASE("browser: a rejected value shows its error and snaps back") { check_scenario("rejected"); }
