// The one Catch2 main shared by every unit test executable. Every run fails a test case that
// checks nothing (a test that cannot fail is no test) and a run whose filter matched no test
// (a renamed case CTest still asks for). Catch2 v2 takes one --warn on the command line, so both
// are set here, on top of what the command line says.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

int main(int argc, char *argv[]) {
    Catch::Session session;
    if (const int error = session.applyCommandLine(argc, argv); error != 0) return error;
    session.configData().warnings = static_cast<Catch::WarnAbout::What>(
        session.configData().warnings | Catch::WarnAbout::NoAssertions | Catch::WarnAbout::NoTests);
    return session.run();
}
