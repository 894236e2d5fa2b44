// Directories for per-account state: private to the user, and durable once created.
#pragma once

#include <filesystem>
#include <string>

#include "pop3/result.hpp"

namespace pop3::agent::detail {

/// Creates `directory` and its missing parents, each mode 0700 (an existing one is left as it
/// is), and fsyncs the parent of each one created so that it survives a crash.
/// Errors: errc::io_error, errno in error::system_error, `why` = "cannot create directory
/// PATH: REASON" naming the component that failed.
result<void> make_private_directories(const std::filesystem::path& directory, std::string& why);

/// fsync(2) of a directory, which makes the entries created or renamed in it durable.
/// Errors: errc::io_error, `why` = "cannot sync directory PATH: REASON".
result<void> sync_directory(const std::filesystem::path& directory, std::string& why);

/// The directory a file is in: its parent path, or "." for a bare file name.
std::filesystem::path directory_of(const std::filesystem::path& file);

/// errc::io_error with errno, and `why` = WHAT + ": " + strerror(errno).
unexpected system_failure(std::string what, std::string& why);

}  // namespace pop3::agent::detail
