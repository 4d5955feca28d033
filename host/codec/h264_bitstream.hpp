// H.264 byte-stream handling for encoder output: Annex B split into NAL units, NAL types, and
// the AVCC packaging (length prefixes, AVCDecoderConfigurationRecord) that MP4-style consumers
// such as WebCodecs take. Input is encoder output already checked by the host, so a malformed
// stream is a bug and asserts.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace scenehost::codec {

// nal_unit_type values (ITU-T H.264 table 7-1) the pixel channel cares about.
enum class NalType : uint8_t {
    slice = 1,  // non-IDR slice
    idr = 5,    // IDR slice
    sei = 6,
    sps = 7,
    pps = 8,
    aud = 9,
};

// The NAL units of an Annex B stream (3- or 4-byte start codes), each without its start code and
// without trailing zero bytes. The stream must start with a start code; no unit is empty.
std::vector<std::span<const uint8_t>> split_annexb(std::span<const uint8_t> stream);

// nal_unit_type of a NAL unit (the low five bits of its header byte).
uint8_t nal_type(std::span<const uint8_t> nal);
bool is_type(std::span<const uint8_t> nal, NalType type);

// True when the stream holds an IDR slice.
bool contains_idr(std::span<const uint8_t> annexb);

// The stream's NAL units, each prefixed by its 4-byte big-endian length, without start codes.
std::vector<uint8_t> annexb_to_avcc(std::span<const uint8_t> annexb);

// The AVCDecoderConfigurationRecord ("avcC") built from the stream's first SPS and PPS, or
// nullopt when either is missing.
std::optional<std::vector<uint8_t>> avcc_record(std::span<const uint8_t> annexb);

}  // namespace scenehost::codec
