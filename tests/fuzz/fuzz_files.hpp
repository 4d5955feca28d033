// For the fuzz targets whose parser reads files (config, .npy, TIFF, OME-Zarr): one scratch
// directory per process under TMPDIR (tests/fuzz/run.sh points it at tmpfs and removes it after the
// run, crashed processes' directories included), emptied before each input, so every input
// starts from nothing and a run never touches the repository.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace scenehost::fuzz {

namespace fs = std::filesystem;

// The fuzz input as text (the parsers take bytes as they come, NULs included).
inline std::string_view as_text(const uint8_t *data, size_t size) {
    return {reinterpret_cast<const char *>(data), size};
}

class ScratchDir {
public:
    // Empties the directory and returns it.
    static const fs::path &fresh() {
        static ScratchDir dir;
        for (const auto &entry : fs::directory_iterator(dir.path_)) fs::remove_all(entry.path());
        return dir.path_;
    }

private:
    ScratchDir() {
        std::string pattern = (fs::temp_directory_path() / "scenehost-fuzz-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) std::abort();  // no scratch space: the run cannot start
        path_ = pattern;
    }
    ~ScratchDir() {
        std::error_code ignored;  // best effort at exit
        fs::remove_all(path_, ignored);
    }

    fs::path path_;
};

// Writes bytes to path, creating its directories.
inline void write_file(const fs::path &path, std::string_view bytes) {
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), std::streamsize(bytes.size()));
    if (!out.good()) std::abort();  // tmpfs full: a harness failure, not a finding to minimise
}

}  // namespace scenehost::fuzz
