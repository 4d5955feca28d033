#include "data/tiff_source.hpp"

#include <fmt/format.h>
#include <tiffio.h>

#include <algorithm>
#include <array>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <optional>
#include <utility>

#include "base/assert.hpp"
#include "data/source_checks.hpp"

namespace scenehost::data {
namespace {

namespace fs = std::filesystem;

// libtiff reports errors through a callback and then returns failure. The callback collects the
// text so that the caller can throw it as a DataError; returning 1 tells libtiff the message is
// handled, so its default handler does not print it to stderr.
struct LibtiffMessages {
    std::string path;  // libtiff often names the file as the module; the DataError names it already
    std::string text;  // since the last libtiff_error
};

int collect_error(TIFF *, void *user_data, const char *module, const char *format, va_list args) {
    char text[1024];
    std::vsnprintf(text, sizeof text, format, args);
    LibtiffMessages &messages = *static_cast<LibtiffMessages *>(user_data);
    if (!messages.text.empty()) messages.text += "; ";
    if (module != nullptr && module != messages.path) messages.text += fmt::format("{}: ", module);
    messages.text += text;
    return 1;
}

// Warnings (unknown tags, odd but readable fields) do not make a file unusable; they are dropped
// rather than printed to the host's stderr.
int ignore_warning(TIFF *, void *, const char *, const char *, va_list) { return 1; }

std::string_view sample_format_name(uint16_t format) {
    switch (format) {
        case SAMPLEFORMAT_UINT: return "unsigned integer";
        case SAMPLEFORMAT_INT: return "signed integer";
        case SAMPLEFORMAT_IEEEFP: return "float";
        case SAMPLEFORMAT_VOID: return "untyped";
        case SAMPLEFORMAT_COMPLEXINT: return "complex integer";
        case SAMPLEFORMAT_COMPLEXIEEEFP: return "complex float";
        default: return "unknown-format";
    }
}

std::optional<DType> tiff_dtype(uint16_t bits, uint16_t format) {
    if (bits == 8 && format == SAMPLEFORMAT_UINT) return DType::uint8;
    if (bits == 16 && format == SAMPLEFORMAT_UINT) return DType::uint16;
    if (bits == 32 && format == SAMPLEFORMAT_IEEEFP) return DType::float32;
    return std::nullopt;
}

struct PageFormat {
    uint32_t width = 0, height = 0;
    DType dtype = DType::uint8;
};

class TiffSource final : public ArraySource {
public:
    explicit TiffSource(const fs::path &path) : path_(path), name_(path.stem().string()), messages_{path.string(), {}} {
        TIFFOpenOptions *options = TIFFOpenOptionsAlloc();
        SCENEHOST_ASSERT(options != nullptr, "libtiff allocates its open options");
        TIFFOpenOptionsSetErrorHandlerExtR(options, collect_error, &messages_);
        TIFFOpenOptionsSetWarningHandlerExtR(options, ignore_warning, nullptr);
        tiff_.reset(TIFFOpenExt(path.c_str(), "r", options));  // the handle keeps copies of the handlers
        TIFFOpenOptionsFree(options);
        if (!tiff_) throw libtiff_error("libtiff cannot open it");

        // Every directory must match the first: a stack is one array.
        const PageFormat first = page_format(0);
        tdir_t pages = 1;
        while (TIFFReadDirectory(tiff_.get())) {
            const PageFormat page = page_format(pages);
            if (page.width != first.width || page.height != first.height) {
                throw file_error(path_, fmt::format("page {} is {} x {} pixels but page 0 is {} x {}", pages, page.width,
                                                    page.height, first.width, first.height));
            }
            if (page.dtype != first.dtype) {
                throw file_error(path_, fmt::format("page {} holds {} but page 0 holds {}", pages, dtype_name(page.dtype),
                                                    dtype_name(first.dtype)));
            }
            ++pages;
        }
        // TIFFReadDirectory also returns 0 at the end of the chain; only a message means failure.
        if (!messages_.text.empty()) throw libtiff_error(fmt::format("cannot read page {}", pages));

        width_ = first.width;
        height_ = first.height;
        dtype_ = first.dtype;
        shape_ = pages == 1 ? std::vector<int64_t>{height_, width_} : std::vector<int64_t>{pages, height_, width_};
        const std::optional<int64_t> plane_bytes = checked_bytes(std::span(shape_).last(2), dtype_bytes(dtype_));
        if (!plane_bytes) {
            throw file_error(path_, fmt::format("pages of {} x {} pixels are too large to address", width_, height_));
        }
        plane_bytes_ = size_t(*plane_bytes);
    }

    TiffSource(const TiffSource &) = delete;  // libtiff holds a pointer to messages_
    TiffSource &operator=(const TiffSource &) = delete;

    size_t level_count() const override { return 1; }
    const std::vector<int64_t> &level_shape(size_t level) const override {
        SCENEHOST_ASSERT(level == 0, "a TIFF source has one level");
        return shape_;
    }
    DType dtype() const override { return dtype_; }
    std::vector<std::string> axis_labels() const override { return {}; }
    std::string name() const override { return name_; }

    void read_plane(size_t level, std::span<const int64_t> index, std::span<std::byte> out) const override {
        SCENEHOST_ASSERT(level == 0, "a TIFF source has one level");
        SCENEHOST_ASSERT(index.size() + 2 == shape_.size(), "one index per leading axis");
        SCENEHOST_ASSERT(out.size() == plane_bytes_, "out holds one plane");
        const int64_t page = index.empty() ? 0 : index[0];
        SCENEHOST_ASSERT(page >= 0 && page < (shape_.size() == 3 ? shape_[0] : 1), "a page the file has");
        const std::lock_guard lock(mutex_);
        read_page(tdir_t(page), out);
    }

    void read_volume(size_t level, std::span<const int64_t> index, std::span<std::byte> out) const override {
        SCENEHOST_ASSERT(level == 0, "a TIFF source has one level");
        SCENEHOST_ASSERT(shape_.size() == 3 && index.empty(), "a stack; no axes before the last three");
        SCENEHOST_ASSERT(out.size() == size_t(shape_[0]) * plane_bytes_, "out holds one volume");
        const std::lock_guard lock(mutex_);
        for (int64_t page = 0; page < shape_[0]; ++page) {
            read_page(tdir_t(page), out.subspan(size_t(page) * plane_bytes_, plane_bytes_));
        }
    }

private:
    struct CloseTiff {
        void operator()(TIFF *tiff) const { TIFFClose(tiff); }
    };

    // The collected libtiff messages after `what`; clears them for the next call.
    DataError libtiff_error(std::string_view what) const {
        std::string messages = std::exchange(messages_.text, {});
        return file_error(path_, messages.empty() ? std::string(what) : fmt::format("{}: {}", what, messages));
    }

    // The size and sample type of the current directory, which is `page`.
    PageFormat page_format(tdir_t page) const {
        TIFF *tiff = tiff_.get();
        PageFormat format;
        uint16_t samples = 1, bits = 1, sample_format = SAMPLEFORMAT_UINT, compression = COMPRESSION_NONE;
        // libtiff refuses a directory without ImageWidth/ImageLength, so these are present.
        TIFFGetField(tiff, TIFFTAG_IMAGEWIDTH, &format.width);
        TIFFGetField(tiff, TIFFTAG_IMAGELENGTH, &format.height);
        TIFFGetFieldDefaulted(tiff, TIFFTAG_SAMPLESPERPIXEL, &samples);
        TIFFGetFieldDefaulted(tiff, TIFFTAG_BITSPERSAMPLE, &bits);
        TIFFGetFieldDefaulted(tiff, TIFFTAG_SAMPLEFORMAT, &sample_format);
        TIFFGetFieldDefaulted(tiff, TIFFTAG_COMPRESSION, &compression);
        if (format.width == 0 || format.height == 0) {
            throw file_error(path_, fmt::format("page {} is {} x {} pixels, an empty image", page, format.width, format.height));
        }
        if (samples != 1) {
            throw file_error(path_, fmt::format("page {} has {} samples per pixel; scenehost reads single-channel images "
                                                "(1 sample per pixel)",
                                                page, samples));
        }
        const std::optional<DType> dtype = tiff_dtype(bits, sample_format);
        if (!dtype) {
            throw file_error(path_, fmt::format("page {} has {}-bit {} samples; scenehost reads 8- and 16-bit unsigned "
                                                "integers and 32-bit floats",
                                                page, bits, sample_format_name(sample_format)));
        }
        format.dtype = *dtype;
        if (!TIFFIsCODECConfigured(compression)) {
            throw file_error(path_, fmt::format("page {} uses compression scheme {}, which this libtiff cannot decode", page,
                                                compression));
        }
        return format;
    }

    void read_page(tdir_t page, std::span<std::byte> out) const {
        if (!TIFFSetDirectory(tiff_.get(), page)) throw libtiff_error(fmt::format("cannot read page {}", page));
        if (TIFFIsTiled(tiff_.get())) {
            read_tiles(page, out);
        } else {
            read_strips(page, out);
        }
    }

    // Strips are whole rows, so each decodes straight into its rows of out; the last strip may
    // hold fewer rows than the others.
    void read_strips(tdir_t page, std::span<std::byte> out) const {
        TIFF *tiff = tiff_.get();
        uint32_t rows_per_strip = 0;
        TIFFGetFieldDefaulted(tiff, TIFFTAG_ROWSPERSTRIP, &rows_per_strip);
        if (rows_per_strip == 0) throw file_error(path_, fmt::format("page {} has RowsPerStrip 0", page));
        const uint64_t strip_rows = std::min(rows_per_strip, height_);
        const size_t row_bytes = size_t(width_) * dtype_bytes(dtype_);
        for (uint64_t row = 0; row < height_; row += strip_rows) {
            const uint32_t strip = TIFFComputeStrip(tiff, uint32_t(row), 0);
            const tmsize_t bytes = tmsize_t(std::min<uint64_t>(strip_rows, height_ - row) * row_bytes);
            if (TIFFReadEncodedStrip(tiff, strip, out.data() + row * row_bytes, bytes) != bytes) {
                throw libtiff_error(fmt::format("cannot read strip {} of page {}", strip, page));
            }
        }
    }

    // Tiles cover the image in a grid and are padded past its right and bottom edges, so each is
    // decoded into a buffer and its part inside the image copied out row by row.
    void read_tiles(tdir_t page, std::span<std::byte> out) const {
        TIFF *tiff = tiff_.get();
        uint32_t tile_width = 0, tile_height = 0;
        TIFFGetField(tiff, TIFFTAG_TILEWIDTH, &tile_width);
        TIFFGetField(tiff, TIFFTAG_TILELENGTH, &tile_height);
        const size_t item = dtype_bytes(dtype_);
        const std::optional<int64_t> tile_bytes = checked_bytes(std::array<int64_t, 2>{tile_height, tile_width}, item);
        if (tile_width == 0 || tile_height == 0 || !tile_bytes || *tile_bytes > max_decoded_block_bytes) {
            throw file_error(path_, fmt::format("page {} has tiles of {} x {} pixels", page, tile_width, tile_height));
        }
        std::vector<std::byte> tile(static_cast<size_t>(*tile_bytes));
        for (uint64_t y = 0; y < height_; y += tile_height) {
            for (uint64_t x = 0; x < width_; x += tile_width) {
                const uint32_t index = TIFFComputeTile(tiff, uint32_t(x), uint32_t(y), 0, 0);
                if (TIFFReadEncodedTile(tiff, index, tile.data(), tmsize_t(tile.size())) != tmsize_t(tile.size())) {
                    throw libtiff_error(fmt::format("cannot read tile {} of page {}", index, page));
                }
                const uint64_t rows = std::min<uint64_t>(tile_height, height_ - y);
                const size_t row_bytes = size_t(std::min<uint64_t>(tile_width, width_ - x)) * item;
                for (uint64_t r = 0; r < rows; ++r) {
                    std::memcpy(out.data() + ((y + r) * width_ + x) * item, tile.data() + r * tile_width * item, row_bytes);
                }
            }
        }
    }

    fs::path path_;
    std::string name_;
    mutable LibtiffMessages messages_;
    std::unique_ptr<TIFF, CloseTiff> tiff_;
    // A TIFF handle has one current directory and decoder state, so reads take turns.
    mutable std::mutex mutex_;
    uint32_t width_ = 0, height_ = 0;
    DType dtype_ = DType::uint8;
    std::vector<int64_t> shape_;
    size_t plane_bytes_ = 0;
};

}  // namespace

std::unique_ptr<ArraySource> open_tiff(const std::filesystem::path &path) { return std::make_unique<TiffSource>(path); }

}  // namespace scenehost::data
