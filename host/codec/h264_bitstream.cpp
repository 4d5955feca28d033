// Annex B parsing and AVCC packaging of H.264 encoder output.
#include "codec/h264_bitstream.hpp"

#include <algorithm>
#include <array>
#include <limits>

#include "base/assert.hpp"

namespace scenehost::codec {

namespace {

constexpr std::array<uint8_t, 3> kStartCode = {0, 0, 1};

void put_u16(std::vector<uint8_t> &out, size_t value) {
    SCENEHOST_ASSERT(value <= std::numeric_limits<uint16_t>::max(), "avcC stores parameter set sizes in 16 bits");
    out.push_back(uint8_t(value >> 8));
    out.push_back(uint8_t(value));
}

void put_u32(std::vector<uint8_t> &out, size_t value) {
    SCENEHOST_ASSERT(value <= std::numeric_limits<uint32_t>::max(), "AVCC length prefixes are 32 bits");
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(uint8_t(value >> shift));
}

std::optional<std::span<const uint8_t>> first_of(const std::vector<std::span<const uint8_t>> &nals, NalType type) {
    const auto it = std::ranges::find_if(nals, [type](auto nal) { return is_type(nal, type); });
    if (it == nals.end()) return std::nullopt;
    return *it;
}

}  // namespace

std::vector<std::span<const uint8_t>> split_annexb(std::span<const uint8_t> stream) {
    auto code = std::ranges::search(stream, kStartCode).begin();
    SCENEHOST_ASSERT(std::all_of(stream.begin(), code, [](uint8_t b) { return b == 0; }) &&
                         code - stream.begin() <= 1 && code != stream.end(),
                     "an Annex B stream opens with a 3- or 4-byte start code");
    std::vector<std::span<const uint8_t>> nals;
    while (code != stream.end()) {
        const auto begin = code + kStartCode.size();
        const auto next = std::ranges::search(std::span(begin, stream.end()), kStartCode).begin();
        // Zero bytes before the next start code belong to it (4-byte form) or are trailing_zero_8bits.
        auto end = next;
        while (end != begin && *(end - 1) == 0) --end;
        SCENEHOST_ASSERT(end != begin, "every NAL unit has at least its header byte");
        SCENEHOST_ASSERT((*begin & 0x80) == 0, "forbidden_zero_bit is 0 in a NAL header");
        nals.emplace_back(begin, end);
        code = next;
    }
    return nals;
}

uint8_t nal_type(std::span<const uint8_t> nal) {
    SCENEHOST_ASSERT(!nal.empty(), "a NAL unit has at least its header byte");
    return nal[0] & 0x1F;
}

bool is_type(std::span<const uint8_t> nal, NalType type) { return nal_type(nal) == uint8_t(type); }

bool contains_idr(std::span<const uint8_t> annexb) {
    return std::ranges::any_of(split_annexb(annexb), [](auto nal) { return is_type(nal, NalType::idr); });
}

std::vector<uint8_t> annexb_to_avcc(std::span<const uint8_t> annexb) {
    std::vector<uint8_t> out;
    out.reserve(annexb.size() + 16);
    for (const auto nal : split_annexb(annexb)) {
        put_u32(out, nal.size());
        out.insert(out.end(), nal.begin(), nal.end());
    }
    return out;
}

std::optional<std::vector<uint8_t>> avcc_record(std::span<const uint8_t> annexb) {
    const auto nals = split_annexb(annexb);
    const auto sps = first_of(nals, NalType::sps);
    const auto pps = first_of(nals, NalType::pps);
    if (!sps || !pps) return std::nullopt;
    SCENEHOST_ASSERT(sps->size() >= 4, "an SPS starts with header, profile_idc, constraint flags, level_idc");
    std::vector<uint8_t> out = {1, (*sps)[1], (*sps)[2], (*sps)[3],
                                0xFF,   // reserved bits, lengthSizeMinusOne = 3
                                0xE1};  // reserved bits, one SPS
    put_u16(out, sps->size());
    out.insert(out.end(), sps->begin(), sps->end());
    out.push_back(1);  // one PPS
    put_u16(out, pps->size());
    out.insert(out.end(), pps->begin(), pps->end());
    return out;
}

}  // namespace scenehost::codec
