// The scenehost executable's command line, run as a user would run it.
#include <catch2/catch.hpp>
#include <string>
#include <unistd.h>
#include <filesystem>
#include <fstream>

#include "scenehost/sdk/version.h"
#include "support/shell.hpp"

namespace {

using scenehost::test::run_shell;
using Run = scenehost::test::ShellRun;

Run run(const std::string &arguments) { return run_shell(std::string(SCENEHOST_EXECUTABLE) + " " + arguments); }

// `serve` with a fresh state directory of its own: the build tree's default one is shared.
std::string serve() {
    static int n = 0;
    const std::string dir = "/tmp/scenehost-cli-state-" + std::to_string(getpid()) + "-" + std::to_string(n++);
    std::filesystem::remove_all(dir);
    return "serve --state-dir " + dir;
}

const std::string kFixtures = SCENEHOST_FIXTURE_PLUGIN_DIR;
const std::string kMajor = std::to_string(SCENEHOST_SDK_VERSION_MAJOR);
const std::string kMinor = std::to_string(SCENEHOST_SDK_VERSION_MINOR);

}  // namespace

TEST_CASE("scenehost plugins lists the shipped plugins of the default directory as loaded") {
    const Run r = run("plugins");
    INFO(r.output);
    CHECK(r.exit_code == 0);
    for (const char *name : {"camera", "dims", "layers", "settings", "volume"}) {
        CHECK_THAT(r.output, Catch::Matches(std::string("(.|\n)*reducer +") + name + " +1\\.0\\.0 +" + kMajor + "\\." + kMinor + " +system +\\S+/reducer_" +
                                            name + "\\.so +loaded(.|\n)*"));
    }
}

TEST_CASE("scenehost plugins exits 1 and says why when a plugin is refused") {
    const Run r = run("plugins --plugin-dir " + kFixtures + "/good_echo --plugin-dir " + kFixtures + "/minor_newer");
    INFO(r.output);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.output, Catch::Contains("good_echo") && Catch::Contains("loaded"));
    CHECK_THAT(r.output, Catch::Contains("minor_newer.so") &&
                             Catch::Contains("refused: built against SDK " + kMajor + "." + std::to_string(SCENEHOST_SDK_VERSION_MINOR + 1) +
                                             ", newer than the host's SDK " + kMajor + "." + kMinor));
}

TEST_CASE("scenehost plugins loads the system directory and then the site ones, saying where each came from") {
    const Run r = run("plugins --plugin-dir " + kFixtures + "/good_echo");
    INFO(r.output);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.output, Catch::Matches("(.|\n)*reducer +camera +1\\.0\\.0 +" + kMajor + "\\." + kMinor +
                                        " +system +\\S+/lib/scenehost/plugins/reducer_camera\\.so +loaded(.|\n)*"));
    CHECK_THAT(r.output, Catch::Matches("(.|\n)*reducer +good_echo +1\\.0\\.0 +" + kMajor + "\\." + kMinor + " +site +" +
                                        kFixtures + "/good_echo/good_echo\\.so +loaded(.|\n)*"));
    const Run site_only = run("plugins --no-system-plugins --plugin-dir " + kFixtures + "/good_echo");
    CHECK(site_only.exit_code == 0);
    CHECK_THAT(site_only.output, !Catch::Contains("reducer_camera"));
}

TEST_CASE("two plugins claiming one scope stop serve, naming both files") {
    // A site plugin for a scope a system plugin owns.
    const Run shipped = run(serve() + " --no-render --plugin-dir " + kFixtures + "/layer_echo --audit-log /tmp/scenehost-cli-test.jsonl");
    CHECK(shipped.exit_code == 2);
    CHECK_THAT(shipped.output, Catch::Matches("(.|\n)*plugin " + kFixtures + "/layer_echo/layer_echo\\.so refused: scope 'layer' is "
                                              "already owned by reducer 'layers' \\(\\S+/lib/scenehost/plugins/reducer_layers\\.so\\)(.|\n)*"));
    // Two site plugins.
    const Run sites = run(serve() + " --no-render --plugin-dir " + kFixtures + "/duplicate_scope --audit-log /tmp/scenehost-cli-test.jsonl");
    CHECK(sites.exit_code == 2);
    CHECK_THAT(sites.output, Catch::Contains("plugin " + kFixtures + "/duplicate_scope/scope_b.so refused: scope 'shared' is already "
                                             "owned by reducer 'scope_a' (" + kFixtures + "/duplicate_scope/scope_a.so)"));
}

TEST_CASE("config --print shows every option's effective value and where it came from") {
    const std::string file = "/tmp/scenehost-cli-print-" + std::to_string(getpid()) + ".toml";
    std::ofstream(file) << "[serve]\nheartbeat-s = 2.5\nlisten = \"0.0.0.0:9000\"\n";
    const Run r = run("--config " + file + " config --print");
    std::filesystem::remove(file);
    INFO(r.output);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.output, Catch::StartsWith("# config file: " + file + "\n[serve]\n"));
    CHECK_THAT(r.output, Catch::Contains("\nheartbeat-s = 2.5  # " + file + ":2\n"));
    CHECK_THAT(r.output, Catch::Contains("\nlisten = \"0.0.0.0:9000\"  # " + file + ":3\n"));
    CHECK_THAT(r.output, Catch::Contains("\nfsync = \"batch\"  # default\n"));
    // A build tree's state directory is its own, and the audit log lives in it.
    CHECK_THAT(r.output, Catch::Matches("(.|\n)*\nstate-dir = \"\\S+/var/lib/scenehost\"  # default\n(.|\n)*"));
    CHECK_THAT(r.output, Catch::Matches("(.|\n)*\naudit-log = \"\"  # default; empty: \\S+/var/lib/scenehost/audit\\.jsonl\n(.|\n)*"));
}

TEST_CASE("a plugin directory that does not exist is an error naming it, exit 2") {
    const Run r = run("plugins --plugin-dir /no/such/plugins");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains("/no/such/plugins"));
}

TEST_CASE("serve refuses to start with a refused plugin, naming it") {
    const Run r = run(serve() + " --plugin-dir " + kFixtures + "/major_mismatch --audit-log /tmp/scenehost-cli-test.jsonl");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains("major_mismatch.so refused: built against SDK 2." + kMinor));
}

TEST_CASE("an unwritable audit log is a start-up error naming the file") {
    const Run r = run(serve() + " --audit-log /no/such/dir/audit.jsonl");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains("/no/such/dir/audit.jsonl"));
}

TEST_CASE("serve reads its options from a TOML config file") {
    const std::string dir = "/tmp/scenehost-cli-config-" + std::to_string(getpid());
    std::filesystem::create_directories(dir);
    {
        std::ofstream(dir + "/good.toml") << "[serve]\nlisten = \"127.0.0.1:0\"\naudit-log = \"" << dir
                                          << "/audit.jsonl\"\nheartbeat-s = 2.5\nno-render = true\n";
        std::ofstream(dir + "/bogus.toml") << "[serve]\nlisten = \"127.0.0.1:0\"\nshininess = 3\n";
        std::ofstream(dir + "/badvalue.toml") << "[serve]\nheartbeat-s = \"fast\"\n";
    }
    // A good file: the host starts on an OS-chosen port (timeout stops it; exit 124).
    const Run good = run("--config " + dir + "/good.toml " + serve() + " & sleep 2; kill $!");
    CHECK_THAT(good.output, Catch::Matches("(.|\n)*scenehost listening on 127\\.0\\.0\\.1:[1-9][0-9]*(.|\n)*"));
    CHECK(std::filesystem::exists(dir + "/audit.jsonl"));
    const Run bogus = run("--config " + dir + "/bogus.toml serve");
    CHECK(bogus.exit_code == 2);
    CHECK_THAT(bogus.output, Catch::Contains(dir + "/bogus.toml") && Catch::Contains("shininess"));
    const Run bad = run("--config " + dir + "/badvalue.toml serve");
    CHECK(bad.exit_code == 2);
    CHECK_THAT(bad.output, Catch::Contains(dir + "/badvalue.toml:2: serve.heartbeat-s: expects a number (FLOAT in [0.01 - 3600])"));
    const Run missing = run("--config " + dir + "/missing.toml serve");
    CHECK(missing.exit_code == 2);
    CHECK_THAT(missing.output, Catch::Contains(dir + "/missing.toml"));
    std::filesystem::remove_all(dir);
}

TEST_CASE("serve refuses to render without the reducers the renderer reads, naming them") {
    const Run r = run(serve() + " --no-system-plugins --plugin-dir " + kFixtures + "/good_echo --audit-log /tmp/scenehost-cli-test.jsonl");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains("none is loaded for: view, dims, camera, layer, volume") &&
                             Catch::Contains("--no-render"));
}

TEST_CASE("serve --open with a missing file is a start-up error naming it, exit 2") {
    const Run r = run(serve() + " --open /no/such/cells.npy --no-render --audit-log /tmp/scenehost-cli-test.jsonl");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains("/no/such/cells.npy: does not exist"));
}

TEST_CASE("serve refuses --open together with --demo, exit 2") {
    const Run r = run(serve() + " --demo --open /tmp/cells.npy --no-render --audit-log /tmp/scenehost-cli-test.jsonl");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains("--open") && Catch::Contains("--demo") && Catch::Contains("excludes"));
}

TEST_CASE("scenehost encoders: x264 available, vpl unavailable with the reason, on a machine without an Intel GPU") {
    const Run r = run("encoders");
    INFO(r.output);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.output, Catch::Matches("(.|\n)*x264 +1\\.0\\.0 +h264 +i420 +available(.|\n)*"));
    CHECK_THAT(r.output, Catch::Matches("(.|\n)*vpl +1\\.0\\.0 +h264 +nv12 +unavailable: no oneVPL implementation for "
                                        "H\\.264 encode: needs an Intel GPU with the oneVPL GPU runtime(.|\n)*"));
}

TEST_CASE("serve with an encoder that cannot run, or that refuses its options, does not start") {
    const Run vpl = run(serve() + " --encoder vpl --audit-log /tmp/scenehost-cli-test.jsonl");
    CHECK(vpl.exit_code == 2);
    CHECK_THAT(vpl.output, Catch::Contains("encoder 'vpl' cannot run here: no oneVPL implementation for H.264 encode"));
    const Run missing = run(serve() + " --encoder nvenc --audit-log /tmp/scenehost-cli-test.jsonl");
    CHECK(missing.exit_code == 2);
    CHECK_THAT(missing.output, Catch::Contains("encoder 'nvenc': no encoder plugin of that name is loaded (loaded: "));
    const Run options = run(serve() + " --encoder x264 --encoder-options '{\"bogus\":1}' --audit-log /tmp/scenehost-cli-test.jsonl");
    CHECK(options.exit_code == 2);
    CHECK_THAT(options.output, Catch::Contains("encoder 'x264' refuses the settings: ") && Catch::Contains("bogus"));
}
