// Packs and parses pixel channel messages; see pixel_frame.hpp.
#include "protocol/pixel_frame.hpp"

#include <bit>
#include <boost/endian/conversion.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cstring>
#include <fmt/format.h>
#include <limits>

#include "base/assert.hpp"

namespace scenehost::protocol {
namespace {

namespace endian = boost::endian;
namespace json = boost::json;

template <class T>
void put(std::string &out, size_t offset, T value) {
    const T big = endian::native_to_big(value);
    std::memcpy(out.data() + offset, &big, sizeof big);
}

template <class T>
T get(std::span<const uint8_t> in, size_t offset) {
    T big;
    std::memcpy(&big, in.data() + offset, sizeof big);
    return endian::big_to_native(big);
}

std::string meta_json(const PixelMeta &meta) {
    json::object versions;
    for (const auto &[scope, version] : meta.versions) versions[scope] = version;
    const PixelStages &s = meta.stages;
    return json::serialize(json::object{{"sequence", meta.sequence},
                                        {"captured_us", meta.captured_us},
                                        {"versions", std::move(versions)},
                                        {"stages",
                                         {{"applied_us", s.applied_us},
                                          {"rendered_us", s.rendered_us},
                                          {"encoded_us", s.encoded_us},
                                          {"sent_us", s.sent_us}}}});
}

std::optional<uint64_t> as_unsigned(const json::value *v) {
    if (v == nullptr) return std::nullopt;
    if (v->is_uint64()) return v->get_uint64();
    if (v->is_int64() && v->get_int64() >= 0) return static_cast<uint64_t>(v->get_int64());
    return std::nullopt;
}

// A time in µs since the Unix epoch as the metadata carries it: an integer in [0, 2^63), so
// that it fits the int64 it is kept in (a larger one would wrap negative and not pack back).
std::optional<int64_t> as_time_us(const json::value *v) {
    const auto u = as_unsigned(v);
    if (!u || *u > uint64_t(std::numeric_limits<int64_t>::max())) return std::nullopt;
    return static_cast<int64_t>(*u);
}

std::variant<PixelMeta, std::string> read_meta(std::string_view text) {
    json::error_code error;
    const json::value value = json::parse(text, error);
    if (error) return fmt::format("metadata is not JSON: {}", error.message());
    const json::object *o = value.if_object();
    if (o == nullptr) return std::string("metadata is not a JSON object");
    PixelMeta meta;
    const auto sequence = as_unsigned(o->if_contains("sequence"));
    const auto captured = as_time_us(o->if_contains("captured_us"));
    const json::value *versions = o->if_contains("versions");
    if (!sequence) return std::string("metadata.sequence is not an unsigned integer");
    if (!captured) return std::string("metadata.captured_us is not a time in microseconds (an integer in [0, 2^63))");
    if (versions == nullptr || !versions->is_object()) return std::string("metadata.versions is not an object");
    meta.sequence = *sequence;
    meta.captured_us = *captured;
    for (const auto &[scope, version] : versions->get_object()) {
        const auto v = as_unsigned(&version);
        if (!v) return fmt::format("metadata.versions.{} is not an unsigned integer", std::string_view(scope));
        meta.versions.emplace(scope, *v);
    }
    const json::value *stages = o->if_contains("stages");
    if (stages == nullptr || !stages->is_object()) return std::string("metadata.stages is not an object");
    const std::pair<std::string_view, int64_t *> fields[] = {{"applied_us", &meta.stages.applied_us},
                                                             {"rendered_us", &meta.stages.rendered_us},
                                                             {"encoded_us", &meta.stages.encoded_us},
                                                             {"sent_us", &meta.stages.sent_us}};
    for (const auto &[name, field] : fields) {
        const auto v = as_time_us(stages->get_object().if_contains(name));
        if (!v) return fmt::format("metadata.stages.{} is not a time in microseconds (an integer in [0, 2^63))", name);
        *field = *v;
    }
    return meta;
}

}  // namespace

std::string pack_pixel_message(PixelHeader header, const PixelMeta *meta, std::span<const uint8_t> payload) {
    SCENEHOST_ASSERT(!payload.empty(), "a pixel message carries an access unit");
    const std::string extra = meta != nullptr ? meta_json(*meta) : std::string();
    const size_t meta_bytes = meta != nullptr ? 4 + extra.size() : 0;
    header.flags = meta != nullptr ? (header.flags | kPixelFlagMeta) : (header.flags & ~kPixelFlagMeta);
    std::string out(kPixelHeaderBytes + meta_bytes + payload.size(), '\0');
    put<uint32_t>(out, 0, header.seq);
    put<uint64_t>(out, 4, std::bit_cast<uint64_t>(header.timestamp_s));
    put<uint32_t>(out, 12, header.width);
    put<uint32_t>(out, 16, header.height);
    out[20] = static_cast<char>(header.codec);
    out[21] = static_cast<char>(header.flags);
    put<uint16_t>(out, 22, 0);
    if (meta != nullptr) {
        put<uint32_t>(out, kPixelHeaderBytes, static_cast<uint32_t>(extra.size()));
        std::memcpy(out.data() + kPixelHeaderBytes + 4, extra.data(), extra.size());
    }
    std::memcpy(out.data() + kPixelHeaderBytes + meta_bytes, payload.data(), payload.size());
    return out;
}

std::variant<PixelMessage, std::string> parse_pixel_message(std::span<const uint8_t> bytes) {
    if (bytes.size() < kPixelHeaderBytes) {
        return fmt::format("{} bytes is shorter than the {}-byte header", bytes.size(), kPixelHeaderBytes);
    }
    PixelMessage m;
    m.header.seq = get<uint32_t>(bytes, 0);
    m.header.timestamp_s = std::bit_cast<double>(get<uint64_t>(bytes, 4));
    m.header.width = get<uint32_t>(bytes, 12);
    m.header.height = get<uint32_t>(bytes, 16);
    m.header.codec = bytes[20];
    m.header.flags = bytes[21];
    if (get<uint16_t>(bytes, 22) != 0) return std::string("the reserved header field is not 0");
    if ((m.header.flags & ~(kPixelFlagKeyframe | kPixelFlagMeta)) != 0) {
        return fmt::format("unknown header flags 0x{:02x}", m.header.flags);
    }
    size_t offset = kPixelHeaderBytes;
    if (m.header.flags & kPixelFlagMeta) {
        if (bytes.size() < offset + 4) return std::string("the metadata length is cut off");
        const uint32_t length = get<uint32_t>(bytes, offset);
        offset += 4;
        if (bytes.size() < offset + length) return fmt::format("the {}-byte metadata is cut off", length);
        auto meta = read_meta({reinterpret_cast<const char *>(bytes.data() + offset), length});
        if (auto *why = std::get_if<std::string>(&meta)) return std::move(*why);
        m.meta = std::move(std::get<PixelMeta>(meta));
        offset += length;
    }
    if (offset == bytes.size()) return std::string("the message carries no access unit");
    m.payload = bytes.subspan(offset);
    return m;
}

}  // namespace scenehost::protocol
