// Fails when the SDK headers change while SCENEHOST_SDK_VERSION_* stays the same: a plugin
// built against the old headers must never meet a host whose contract silently moved.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <iterator>
#include <openssl/evp.h>
#include <sstream>
#include <string>
#include <vector>

#include "scenehost/sdk/version.h"

namespace {

std::string read_file(const std::filesystem::path &path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in.good());
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string sha256_hex(const std::string &bytes) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    REQUIRE(EVP_Digest(bytes.data(), bytes.size(), digest, &size, EVP_sha256(), nullptr) == 1);
    std::string hex;
    for (unsigned int i = 0; i < size; ++i) hex += fmt::format("{:02x}", digest[i]);
    return hex;
}

// SHA-256 over every header, sorted by name, each as "<name>\n<bytes>".
std::string headers_digest() {
    std::vector<std::filesystem::path> headers;
    for (const auto &entry : std::filesystem::directory_iterator(SCENEHOST_SDK_HEADER_DIR)) {
        headers.push_back(entry.path());
    }
    std::sort(headers.begin(), headers.end());
    REQUIRE(headers.size() >= 6);
    std::string all;
    for (const auto &header : headers) {
        all += header.filename().string() + "\n" + read_file(header);
    }
    return sha256_hex(all);
}

}  // namespace

TEST_CASE("SDK headers change only together with the SDK version") {
    const std::string version = fmt::format("{}.{}", SCENEHOST_SDK_VERSION_MAJOR, SCENEHOST_SDK_VERSION_MINOR);
    const std::string expected_line = fmt::format("sdk {} sha256 {}", version, headers_digest());

    std::istringstream lock(read_file(SCENEHOST_SDK_LOCK_FILE));
    std::string locked_line;
    for (std::string line; std::getline(lock, line);) {
        if (line.rfind("sdk ", 0) == 0) locked_line = line;
    }
    INFO("sdk/abi.lock says:   " << locked_line);
    INFO("the headers are now: " << expected_line);
    const bool same_version = locked_line.rfind("sdk " + version + " ", 0) == 0;
    if (same_version && locked_line != expected_line) {
        FAIL("SDK headers changed without a version bump: bump SCENEHOST_SDK_VERSION_MINOR (compatible "
             "addition) or _MAJOR (breaking change) in version.h, then put the new line in sdk/abi.lock");
    }
    if (!same_version) {
        FAIL("SDK version changed: put the new line in sdk/abi.lock");
    }
    CHECK(locked_line == expected_line);
}
