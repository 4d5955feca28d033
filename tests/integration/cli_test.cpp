// The scenehost executable's command line, run as a user would run it.
#include <array>
#include <catch2/catch.hpp>
#include <cstdio>
#include <string>
#include <sys/wait.h>

namespace {

struct Run {
    int exit_code;
    std::string output;  // stdout and stderr
};

Run run(const std::string &arguments) {
    const std::string command = std::string(SCENEHOST_EXECUTABLE) + " " + arguments + " 2>&1";
    FILE *pipe = popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::string output;
    std::array<char, 4096> buffer{};
    while (size_t n = fread(buffer.data(), 1, buffer.size(), pipe)) output.append(buffer.data(), n);
    const int status = pclose(pipe);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

const std::string kFixtures = SCENEHOST_FIXTURE_PLUGIN_DIR;

}  // namespace

TEST_CASE("scenehost plugins lists the shipped plugins of the default directory as loaded") {
    const Run r = run("plugins");
    INFO(r.output);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.output, Catch::Matches("(.|\n)*reducer +settings +1\\.0\\.0 +1\\.0 +\\S+/reducer_settings\\.so +loaded(.|\n)*"));
}

TEST_CASE("scenehost plugins exits 1 and says why when a plugin is refused") {
    const Run r = run("plugins --plugin-dir " + kFixtures + "/good_echo --plugin-dir " + kFixtures + "/minor_newer");
    INFO(r.output);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.output, Catch::Contains("good_echo") && Catch::Contains("loaded"));
    CHECK_THAT(r.output, Catch::Contains("minor_newer.so") &&
                             Catch::Contains("refused: built against SDK 1.1, newer than the host's SDK 1.0"));
}

TEST_CASE("a plugin directory that does not exist is an error naming it, exit 2") {
    const Run r = run("plugins --plugin-dir /no/such/plugins");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains("/no/such/plugins"));
}

TEST_CASE("serve refuses to start with a refused plugin, naming it") {
    const Run r = run("serve --plugin-dir " + kFixtures + "/major_mismatch --audit-log /tmp/scenehost-cli-test.jsonl");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains("major_mismatch.so refused: built against SDK 2.0"));
}

TEST_CASE("an unwritable audit log is a start-up error naming the file") {
    const Run r = run("serve --audit-log /no/such/dir/audit.jsonl");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains("/no/such/dir/audit.jsonl"));
}
