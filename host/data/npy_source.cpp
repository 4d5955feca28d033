#include "data/npy_source.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstring>
#include <optional>
#include <set>
#include <system_error>
#include <utility>

#include "base/assert.hpp"
#include "data/source_checks.hpp"

namespace scenehost::data {
namespace {

namespace fs = std::filesystem;

// .npy data is copied out as it is stored, and the dtypes read here are little-endian.
static_assert(std::endian::native == std::endian::little, "npy_source copies little-endian data unswapped");

constexpr std::string_view npy_magic = "\x93NUMPY";

std::string errno_text(int error) { return std::generic_category().message(error); }

// A whole file mapped read-only: pages are read from disk only when touched, which is what
// keeps a plane read of a huge file to one plane of memory. (If another process truncates the
// file while it is mapped, touching the lost pages raises SIGBUS; files are not expected to
// change under a running host.)
class MappedFile {
public:
    explicit MappedFile(const fs::path &path) {
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) throw file_error(path, fmt::format("cannot open: {}", errno_text(errno)));
        struct stat info {};
        if (::fstat(fd, &info) != 0) {
            const int error = errno;
            ::close(fd);
            throw file_error(path, fmt::format("cannot stat: {}", errno_text(error)));
        }
        if (!S_ISREG(info.st_mode)) {
            ::close(fd);
            throw file_error(path, "is not a regular file");
        }
        size_ = size_t(info.st_size);
        if (size_ > 0) {  // mmap refuses an empty length; an empty file fails the header check
            void *mapped = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
            const int error = errno;
            ::close(fd);  // the mapping keeps the file open
            if (mapped == MAP_FAILED) throw file_error(path, fmt::format("cannot map: {}", errno_text(error)));
            data_ = static_cast<const std::byte *>(mapped);
        } else {
            ::close(fd);
        }
    }
    ~MappedFile() {
        if (data_ != nullptr) ::munmap(const_cast<std::byte *>(data_), size_);
    }
    MappedFile(const MappedFile &) = delete;
    MappedFile &operator=(const MappedFile &) = delete;

    std::span<const std::byte> bytes() const { return {data_, size_}; }

private:
    const std::byte *data_ = nullptr;
    size_t size_ = 0;
};

struct NpyHeader {
    std::string descr;
    bool fortran_order = false;
    std::vector<int64_t> shape;
};

// The header is the repr of a Python dict, e.g. {'descr': '<u2', 'fortran_order': False,
// 'shape': (3, 4), }. This parses exactly that grammar (string keys; string, bool and int-tuple
// values) instead of evaluating anything.
class HeaderParser {
public:
    HeaderParser(const fs::path &path, std::string_view text) : path_(path), text_(text) {}

    NpyHeader parse() {
        NpyHeader header;
        std::set<std::string> seen;
        skip_spaces();
        expect('{');
        while (true) {
            skip_spaces();
            if (peek() == '}') {
                ++pos_;
                break;
            }
            const std::string key = parse_string("a quoted key");
            if (!seen.insert(key).second) throw error(fmt::format("the key '{}' appears twice", key));
            skip_spaces();
            expect(':');
            skip_spaces();
            if (key == "descr") {
                header.descr = parse_string("a quoted dtype string for 'descr' (structured dtypes are not supported)");
            } else if (key == "fortran_order") {
                header.fortran_order = parse_bool();
            } else if (key == "shape") {
                header.shape = parse_shape();
            } else {
                throw error(fmt::format("unknown key '{}' (a .npy header has descr, fortran_order and shape)", key));
            }
            skip_spaces();
            if (peek() == ',') {
                ++pos_;
                continue;
            }
            expect('}');
            break;
        }
        skip_spaces();
        if (pos_ != text_.size()) throw error("unexpected text after the closing '}'");
        for (const char *key : {"descr", "fortran_order", "shape"}) {
            if (!seen.contains(key)) throw error(fmt::format("it has no '{}' key", key));
        }
        return header;
    }

private:
    DataError error(std::string_view what) const {
        // Quoted without its padding, and shortened: a 4 GiB v2 header must not end up in a log line.
        constexpr size_t shown = 200;
        std::string_view text = text_.substr(0, text_.find_last_not_of(" \t\r\n") + 1);
        const bool shortened = text.size() > shown;
        text = text.substr(0, shown);
        return file_error(path_, fmt::format("malformed .npy header: {} (at character {} of \"{}{}\")", what, pos_,
                                             text, shortened ? "..." : ""));
    }

    char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }

    void skip_spaces() {
        while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r')) {
            ++pos_;
        }
    }

    void expect(char c) {
        if (peek() != c) throw error(fmt::format("expected '{}'", c));
        ++pos_;
    }

    std::string parse_string(std::string_view what) {
        const char quote = peek();
        if (quote != '\'' && quote != '"') throw error(fmt::format("expected {}", what));
        const size_t end = text_.find(quote, pos_ + 1);
        if (end == std::string_view::npos) throw error("a string is not closed");
        std::string value(text_.substr(pos_ + 1, end - pos_ - 1));
        pos_ = end + 1;
        return value;
    }

    bool parse_bool() {
        for (const auto &[word, value] : {std::pair{std::string_view("True"), true}, std::pair{std::string_view("False"), false}}) {
            if (text_.substr(pos_, word.size()) == word) {
                pos_ += word.size();
                return value;
            }
        }
        throw error("expected True or False for 'fortran_order'");
    }

    // "(3, 4)", "(5,)" or "()".
    std::vector<int64_t> parse_shape() {
        std::vector<int64_t> shape;
        expect('(');
        while (true) {
            skip_spaces();
            if (peek() == ')') break;
            shape.push_back(parse_length());
            skip_spaces();
            if (peek() != ',') break;
            ++pos_;
        }
        expect(')');
        return shape;
    }

    int64_t parse_length() {
        const size_t start = pos_;
        int64_t value = 0;
        while (peek() >= '0' && peek() <= '9') {
            if (__builtin_mul_overflow(value, 10, &value) || __builtin_add_overflow(value, peek() - '0', &value)) {
                throw error("an axis length does not fit in 64 bits");
            }
            ++pos_;
        }
        if (pos_ == start) throw error("expected a non-negative integer axis length in 'shape'");
        return value;
    }

    const fs::path &path_;
    std::string_view text_;
    size_t pos_ = 0;
};

std::optional<DType> npy_dtype(std::string_view descr) {
    if (descr == "|u1") return DType::uint8;
    if (descr == "<u2") return DType::uint16;
    if (descr == "<f4") return DType::float32;
    return std::nullopt;
}

class NpySource final : public ArraySource {
public:
    explicit NpySource(const fs::path &path) : file_(path), name_(path.stem().string()) {
        const std::span<const std::byte> bytes = file_.bytes();
        auto byte_at = [&](size_t i) { return uint8_t(bytes[i]); };
        // Magic (6 bytes), version (2), then the header length: 2 bytes in v1, 4 in v2 and v3.
        if (bytes.size() < 10 || std::memcmp(bytes.data(), npy_magic.data(), npy_magic.size()) != 0) {
            throw file_error(path, "is not a .npy file (it does not start with \\x93NUMPY)");
        }
        const uint8_t major = byte_at(6), minor = byte_at(7);
        if ((major < 1 || major > 3) || minor != 0) {
            throw file_error(path, fmt::format(".npy format version {}.{} is not supported (1.0, 2.0 and 3.0 are)",
                                               major, minor));
        }
        size_t header_start = 10, header_length = size_t(byte_at(8)) | size_t(byte_at(9)) << 8;
        if (major >= 2) {
            if (bytes.size() < 12) throw file_error(path, "is too short for a .npy version 2 preamble");
            header_start = 12;
            header_length |= size_t(byte_at(10)) << 16 | size_t(byte_at(11)) << 24;
        }
        if (header_length > bytes.size() - header_start) {
            throw file_error(path, fmt::format("header length {} runs past the end of the {}-byte file", header_length,
                                               bytes.size()));
        }
        const NpyHeader header =
            HeaderParser(path, std::string_view(reinterpret_cast<const char *>(bytes.data()) + header_start, header_length))
                .parse();

        const std::optional<DType> dtype = npy_dtype(header.descr);
        if (!dtype) {
            const bool big_endian = !header.descr.empty() && header.descr[0] == '>';
            throw file_error(path, fmt::format("dtype '{}' is not supported{} (scenehost reads |u1, <u2 and <f4)",
                                               header.descr, big_endian ? ": it is big-endian" : ""));
        }
        dtype_ = *dtype;
        if (header.fortran_order) throw file_error(path, "fortran_order is True; scenehost reads C-order arrays only");
        shape_ = header.shape;
        if (shape_.size() < 2) {
            throw file_error(path, fmt::format("shape {} has fewer than the 2 axes a layer needs", shape_text(shape_)));
        }
        for (int64_t length : shape_) {
            if (length == 0) throw file_error(path, fmt::format("shape {} has an axis of length 0", shape_text(shape_)));
        }
        const std::optional<int64_t> data_bytes = checked_bytes(shape_, dtype_bytes(dtype_));
        if (!data_bytes) throw file_error(path, fmt::format("shape {} is too large to address", shape_text(shape_)));
        data_offset_ = header_start + header_length;
        const size_t held = bytes.size() - data_offset_;
        if (size_t(*data_bytes) != held) {
            throw file_error(path, fmt::format("header says shape {} of {} but the file holds {} bytes of data, not {}",
                                               shape_text(shape_), header.descr, held, *data_bytes));
        }
        plane_bytes_ = size_t(shape_[shape_.size() - 2] * shape_.back()) * dtype_bytes(dtype_);
    }

    size_t level_count() const override { return 1; }
    const std::vector<int64_t> &level_shape(size_t level) const override {
        SCENEHOST_ASSERT(level == 0, "a .npy source has one level");
        return shape_;
    }
    DType dtype() const override { return dtype_; }
    std::vector<std::string> axis_labels() const override { return {}; }
    std::string name() const override { return name_; }

    void read_plane(size_t level, std::span<const int64_t> index, std::span<std::byte> out) const override {
        SCENEHOST_ASSERT(level == 0, "a .npy source has one level");
        SCENEHOST_ASSERT(index.size() + 2 == shape_.size(), "one index per leading axis");
        SCENEHOST_ASSERT(out.size() == plane_bytes_, "out holds one plane");
        copy_block(index, out);
    }

    void read_volume(size_t level, std::span<const int64_t> index, std::span<std::byte> out) const override {
        SCENEHOST_ASSERT(level == 0, "a .npy source has one level");
        SCENEHOST_ASSERT(shape_.size() >= 3 && index.size() + 3 == shape_.size(), "one index per axis before the last three");
        SCENEHOST_ASSERT(out.size() == size_t(shape_[shape_.size() - 3]) * plane_bytes_, "out holds one volume");
        copy_block(index, out);
    }

private:
    // In C order the block spanned by the trailing axes at `index` is one contiguous run.
    void copy_block(std::span<const int64_t> index, std::span<std::byte> out) const {
        size_t block = 0;
        for (size_t axis = 0; axis < index.size(); ++axis) {
            SCENEHOST_ASSERT(index[axis] >= 0 && index[axis] < shape_[axis], "an index within the shape");
            block = block * size_t(shape_[axis]) + size_t(index[axis]);
        }
        std::memcpy(out.data(), file_.bytes().data() + data_offset_ + block * out.size(), out.size());
    }

    MappedFile file_;
    std::string name_;
    DType dtype_ = DType::uint8;
    std::vector<int64_t> shape_;
    size_t data_offset_ = 0;
    size_t plane_bytes_ = 0;
};

}  // namespace

std::unique_ptr<ArraySource> open_npy(const std::filesystem::path &path) { return std::make_unique<NpySource>(path); }

}  // namespace scenehost::data
