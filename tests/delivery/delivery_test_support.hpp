// Shared by the delivery tests: a fresh directory per test, reading back files, and running
// one message through a delivery.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "delivery/delivery.hpp"

namespace pop3::agent::testing {

/// A new, empty directory under the system's temporary directory, removed with everything in
/// it on destruction.
class temporary_directory {
 public:
  temporary_directory();
  temporary_directory(const temporary_directory&) = delete;
  temporary_directory& operator=(const temporary_directory&) = delete;
  ~temporary_directory();
  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  std::filesystem::path path_;
};

/// Every test starts in a fresh directory with umask 022 (so that modes can be asserted
/// exactly), and gets the previous umask back afterwards.
class delivery_test : public ::testing::Test {
 protected:
  delivery_test();
  ~delivery_test() override;
  const std::filesystem::path& dir() const noexcept { return directory_.path(); }

 private:
  mode_t previous_umask_;
  temporary_directory directory_;
};

std::string read_file(const std::filesystem::path& file);
void write_file(const std::filesystem::path& file, std::string_view bytes);
/// The names in a directory, sorted.
std::vector<std::string> list_directory(const std::filesystem::path& directory);
/// st_mode & 07777.
unsigned file_mode(const std::filesystem::path& path);

/// Runs one message through `destination`: begin(), write() of each chunk, finish(). Returns
/// the error of the first call that failed (a failed begin() is a test failure) and copies
/// the sink's failure() into `failure`.
result<void> deliver(delivery& destination, const std::vector<std::string_view>& chunks,
                     std::string* failure = nullptr, const message_info& info = {});

/// `text` cut into chunks of `size` octets (the last one shorter).
std::vector<std::string_view> split_every(std::string_view text, std::size_t size);

/// A name source for open_maildir that returns `names` in turn, then "exhausted-N".
maildir_name_source names_from(std::vector<std::string> names);

/// True if no child process of this process is left, reaped or not (waitpid: ECHILD).
bool no_child_left();

/// The large-message test of every delivery: a 20 MiB message of 64-octet CRLF lines (the
/// line's number in 8 digits, letters, CRLF) written through `sink` in 16 KiB chunks, the
/// first one 63 octets so that every later boundary falls between a CR and its LF, then
/// finish(). Fails the test if a write or finish() fails, or if the process's peak memory
/// grew by 8 MiB or more.
void stream_large_message(delivery_sink& sink);
/// Checks that `file` holds that message with LF line ends, byte for byte.
void expect_large_message_stored(const std::filesystem::path& file);

}  // namespace pop3::agent::testing
