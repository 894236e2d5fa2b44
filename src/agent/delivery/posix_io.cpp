#include "delivery/posix_io.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace pop3::agent::detail {

int write_all(int fd, std::string_view bytes) noexcept {
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    bytes.remove_prefix(static_cast<std::size_t>(written));
  }
  return 0;
}

int fsync_retrying(int fd) noexcept {
  while (::fsync(fd) != 0) {
    if (errno != EINTR) return errno;
  }
  return 0;
}

int fsync_directory(const std::string& path) noexcept {
  const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno;
  unique_fd directory(fd);
  if (const int error = fsync_retrying(directory.get())) return error;
  return directory.reset();
}

std::string errno_text(int error_number) {
  // std::generic_category() is strerror without its thread-safety and buffer caveats.
  return std::generic_category().message(error_number);
}

std::string cannot(std::string_view action, std::string_view object, int error_number) {
  std::string text = "cannot ";
  text.append(action).append(" ").append(object).append(": ").append(errno_text(error_number));
  return text;
}

}  // namespace pop3::agent::detail
