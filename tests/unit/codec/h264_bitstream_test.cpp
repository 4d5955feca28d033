// Annex B splitting and AVCC packaging on hand-built byte streams (real x264 output is covered
// by tests/unit/encoders/x264).
#include <algorithm>
#include <catch2/catch.hpp>
#include <vector>

#include "codec/h264_bitstream.hpp"

using namespace scenehost::codec;
using Bytes = std::vector<uint8_t>;

namespace {

// Minimal NAL units: header byte (nal_ref_idc 3) then a few payload bytes.
const Bytes kSps = {0x67, 0x64, 0x00, 0x1F, 0xAC, 0xD9};
const Bytes kPps = {0x68, 0xEE, 0x3C, 0x80};
const Bytes kIdr = {0x65, 0x88, 0x84, 0x00, 0x33};  // an inner 00 is not a start code
const Bytes kSlice = {0x41, 0x9A, 0x02};

// nals joined with 4-byte start codes for the first and 3-byte ones for the rest.
Bytes annexb(std::initializer_list<Bytes> nals) {
    Bytes out;
    bool first = true;
    for (const Bytes &nal : nals) {
        if (first) out.push_back(0);
        out.insert(out.end(), {0, 0, 1});
        out.insert(out.end(), nal.begin(), nal.end());
        first = false;
    }
    return out;
}

Bytes to_vector(std::span<const uint8_t> s) { return {s.begin(), s.end()}; }

}  // namespace

TEST_CASE("split_annexb finds NAL units behind 3- and 4-byte start codes") {
    const Bytes stream = annexb({kSps, kPps, kIdr});
    const auto nals = split_annexb(stream);
    REQUIRE(nals.size() == 3);
    CHECK(to_vector(nals[0]) == kSps);
    CHECK(to_vector(nals[1]) == kPps);
    CHECK(to_vector(nals[2]) == kIdr);
    CHECK(nal_type(nals[0]) == 7);
    CHECK(is_type(nals[1], NalType::pps));
    CHECK(is_type(nals[2], NalType::idr));
}

TEST_CASE("split_annexb drops trailing zero bytes and handles 4-byte codes between units") {
    Bytes stream = {0, 0, 1};
    stream.insert(stream.end(), kSlice.begin(), kSlice.end());
    stream.insert(stream.end(), {0, 0, 0, 0, 1});  // trailing_zero_8bits, then a 4-byte code
    stream.insert(stream.end(), kSlice.begin(), kSlice.end());
    stream.insert(stream.end(), {0, 0});
    const auto nals = split_annexb(stream);
    REQUIRE(nals.size() == 2);
    CHECK(to_vector(nals[0]) == kSlice);
    CHECK(to_vector(nals[1]) == kSlice);
}

TEST_CASE("contains_idr looks for an IDR slice") {
    CHECK(contains_idr(annexb({kSps, kPps, kIdr})));
    CHECK_FALSE(contains_idr(annexb({kSlice})));
    CHECK_FALSE(contains_idr(annexb({kSps, kPps})));
}

TEST_CASE("annexb_to_avcc prefixes each unit with its big-endian length") {
    const Bytes avcc = annexb_to_avcc(annexb({kSps, kIdr}));
    Bytes expected = {0, 0, 0, 6};
    expected.insert(expected.end(), kSps.begin(), kSps.end());
    expected.insert(expected.end(), {0, 0, 0, 5});
    expected.insert(expected.end(), kIdr.begin(), kIdr.end());
    CHECK(avcc == expected);
}

TEST_CASE("avcc_record packs the first SPS and PPS") {
    const auto record = avcc_record(annexb({kSps, kPps, kIdr}));
    REQUIRE(record);
    Bytes expected = {1, 0x64, 0x00, 0x1F, 0xFF, 0xE1, 0, 6};
    expected.insert(expected.end(), kSps.begin(), kSps.end());
    expected.insert(expected.end(), {1, 0, 4});
    expected.insert(expected.end(), kPps.begin(), kPps.end());
    CHECK(*record == expected);
}

TEST_CASE("avcc_record is nullopt without an SPS or a PPS") {
    CHECK_FALSE(avcc_record(annexb({kSps, kIdr})));
    CHECK_FALSE(avcc_record(annexb({kPps, kIdr})));
    CHECK_FALSE(avcc_record(annexb({kSlice})));
}
