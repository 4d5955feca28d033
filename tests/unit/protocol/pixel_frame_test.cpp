// The pixel header is napari-cuda's `!IdIIBBH`, byte for byte; the metadata block is opt-in and
// parses back; malformed messages are refused with what is wrong.
#include <catch2/catch.hpp>
#include <cstring>
#include <string>
#include <vector>

#include "protocol/pixel_frame.hpp"

using namespace scenehost::protocol;

namespace {

std::span<const uint8_t> bytes_of(const std::string &s) {
    return {reinterpret_cast<const uint8_t *>(s.data()), s.size()};
}

const std::vector<uint8_t> kPayload = {0, 0, 0, 2, 0x09, 0xf0};

}  // namespace

TEST_CASE("the header is 24 big-endian bytes laid out as struct '!IdIIBBH'") {
    const PixelHeader header{0x01020304u, 1.5, 1280, 720, kPixelCodecH264, kPixelFlagKeyframe};
    const std::string message = pack_pixel_message(header, nullptr, kPayload);
    REQUIRE(message.size() == 24 + kPayload.size());
    // struct.pack('!IdIIBBH', 0x01020304, 1.5, 1280, 720, 1, 1, 0) in Python:
    const std::vector<uint8_t> expected = {0x01, 0x02, 0x03, 0x04, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0, 0, 0, 0x05, 0x00,
                                           0,    0,    0x02, 0xd0, 0x01, 0x01, 0, 0};
    CHECK(std::vector<uint8_t>(message.begin(), message.begin() + 24) == expected);
    CHECK(std::memcmp(message.data() + 24, kPayload.data(), kPayload.size()) == 0);
}

TEST_CASE("a message parses back to its header and payload") {
    const PixelHeader header{7, 1700000000.25, 64, 48, kPixelCodecH264, 0};
    const std::string message = pack_pixel_message(header, nullptr, kPayload);
    const auto parsed = parse_pixel_message(bytes_of(message));
    REQUIRE(std::holds_alternative<PixelMessage>(parsed));
    const PixelMessage &m = std::get<PixelMessage>(parsed);
    CHECK(m.header.seq == 7);
    CHECK(m.header.timestamp_s == 1700000000.25);
    CHECK(m.header.width == 64);
    CHECK(m.header.height == 48);
    CHECK(m.header.flags == 0);
    CHECK_FALSE(m.meta.has_value());
    CHECK(std::vector<uint8_t>(m.payload.begin(), m.payload.end()) == kPayload);
}

TEST_CASE("the metadata block sets its flag and carries the frame number, capture time and versions") {
    const PixelMeta meta{(uint64_t(1) << 33) + 5, 1700000000123456, {{"camera", 12}, {"layer", 3}},
                         {1700000000120000, 1700000000123456, 1700000000125000, 1700000000125100}};
    const std::string message =
        pack_pixel_message({5, 1.0, 64, 48, kPixelCodecH264, kPixelFlagKeyframe}, &meta, kPayload);
    CHECK(uint8_t(message[21]) == (kPixelFlagKeyframe | kPixelFlagMeta));
    const auto parsed = parse_pixel_message(bytes_of(message));
    REQUIRE(std::holds_alternative<PixelMessage>(parsed));
    const PixelMessage &m = std::get<PixelMessage>(parsed);
    REQUIRE(m.meta.has_value());
    CHECK(m.meta->sequence == meta.sequence);
    CHECK(m.meta->captured_us == meta.captured_us);
    CHECK(m.meta->versions == meta.versions);
    CHECK(m.meta->stages == meta.stages);
    CHECK(std::vector<uint8_t>(m.payload.begin(), m.payload.end()) == kPayload);
}

TEST_CASE("malformed pixel messages are refused with what is wrong") {
    const std::string good = pack_pixel_message({1, 1.0, 64, 48, kPixelCodecH264, 0}, nullptr, kPayload);
    auto why = [](const std::string &bytes) {
        const auto parsed = parse_pixel_message(bytes_of(bytes));
        REQUIRE(std::holds_alternative<std::string>(parsed));
        return std::get<std::string>(parsed);
    };
    CHECK(why(good.substr(0, 10)) == "10 bytes is shorter than the 24-byte header");
    CHECK(why(good.substr(0, 24)) == "the message carries no access unit");
    std::string reserved = good;
    reserved[23] = 1;
    CHECK(why(reserved) == "the reserved header field is not 0");
    std::string flags = good;
    flags[21] = char(0x80);
    CHECK(why(flags) == "unknown header flags 0x80");
    const PixelMeta meta{1, 2, {}};
    const std::string with_meta = pack_pixel_message({1, 1.0, 64, 48, kPixelCodecH264, 0}, &meta, kPayload);
    CHECK_THAT(why(with_meta.substr(0, 30)), Catch::Matches("the [0-9]+-byte metadata is cut off"));
    // A metadata block without its stages (or with one missing) is refused naming the field.
    auto with_block = [&](std::string block) {
        std::string out = good;
        out[21] = char(kPixelFlagMeta);
        const uint32_t n = uint32_t(block.size());
        const char length[4] = {char(n >> 24), char(n >> 16), char(n >> 8), char(n)};
        out.insert(24, std::string(length, 4) + block);
        return out;
    };
    CHECK(why(with_block(R"({"sequence":1,"captured_us":2,"versions":{}})")) == "metadata.stages is not an object");
    CHECK(why(with_block(R"({"sequence":1,"captured_us":2,"versions":{},"stages":{"applied_us":1,"rendered_us":2,"encoded_us":3}})")) ==
          "metadata.stages.sent_us is not a time in microseconds (an integer in [0, 2^63))");
    // Found by the pixel_frame fuzz target: a time beyond int64 wrapped negative and did not pack
    // back to itself (tests/fuzz/crashes/pixel_frame/).
    CHECK(why(with_block(R"({"sequence":1,"captured_us":17000000000100012345,"versions":{},"stages":{}})")) ==
          "metadata.captured_us is not a time in microseconds (an integer in [0, 2^63))");
    CHECK(why(with_block(R"({"sequence":1,"captured_us":2,"versions":{},"stages":{"applied_us":9223372036854775808,"rendered_us":2,"encoded_us":3,"sent_us":4}})")) ==
          "metadata.stages.applied_us is not a time in microseconds (an integer in [0, 2^63))");
}
