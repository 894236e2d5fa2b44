// A message file that appears complete or not at all: data goes to a temporary file in the
// target's directory, which is fsync'ed and renamed over the target only by finish().
// A target that is a symbolic link is written where the link points (the link stays); one
// that exists keeps its permissions; a new one is made mode 0600 (mail is private).
#pragma once

#include <string>

#include "pop3/sink.hpp"

namespace pop3::cli {

class atomic_output_file final : public body_sink {
 public:
  /// Creates the temporary file "TARGET.tmp-XXXXXX" (TARGET: where a symbolic link points).
  /// Errors, with the reason in `why`: errc::invalid_argument if TARGET exists and is not a
  /// regular file (a directory, a FIFO, a device: renaming over it would replace it), or is a
  /// symbolic link to nothing; errc::sink_failed with errno if the file cannot be made.
  static result<void> open(atomic_output_file& file, std::string target, std::string& why);

  atomic_output_file() = default;
  atomic_output_file(const atomic_output_file&) = delete;
  atomic_output_file& operator=(const atomic_output_file&) = delete;
  ~atomic_output_file() override;  // removes the temporary file unless finish() succeeded

  result<void> write(std::string_view bytes) override;
  /// fsync, rename into place, fsync the directory.
  result<void> finish() override;
  /// Removes the temporary file; the target is untouched.
  void abort(const error& why) noexcept override;

 private:
  void discard() noexcept;

  std::string target_;
  std::string temporary_;
  int fd_ = -1;
};

}  // namespace pop3::cli
