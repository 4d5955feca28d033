// The POSIX file calls the audit log and the snapshots share: whole writes and durable
// directory entries. Each returns 0 or the errno of the failure, for the caller's message.
#pragma once

#include <filesystem>
#include <string_view>

namespace scenehost::store {

// Loops over short writes and EINTR; a write that makes no progress is EIO, never a spin.
int write_fully(int fd, std::string_view bytes);

// Makes the created, renamed and removed entries of dir durable.
int fsync_directory(const std::filesystem::path &dir);

// The directory a file's entry lives in ("." for a bare name).
std::filesystem::path directory_of(const std::filesystem::path &file);

}  // namespace scenehost::store
