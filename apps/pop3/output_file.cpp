#include "output_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace pop3::cli {
namespace {

unexpected io_failure() {
  return unexpected(error(errc::sink_failed, command_kind::none, resp_code::none, errno));
}

unexpected io_failure(std::string& why, const std::string& what) {
  const int error_number = errno;
  why = what + ": " + std::strerror(error_number);
  return unexpected(error(errc::sink_failed, command_kind::none, resp_code::none, error_number));
}

std::string directory_of(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

result<void> atomic_output_file::open(atomic_output_file& file, std::string target,
                                      std::string& why) {
  file.discard();
  struct stat existing {};
  const bool exists = ::stat(target.c_str(), &existing) == 0;
  if (!exists && errno != ENOENT) return io_failure(why, "cannot use " + target);
  if (exists && !S_ISREG(existing.st_mode)) {
    why = target + " is not a regular file";
    return unexpected(errc::invalid_argument);
  }
  struct stat link {};
  if (::lstat(target.c_str(), &link) == 0 && S_ISLNK(link.st_mode)) {
    if (!exists) {
      why = target + " is a symbolic link to nothing";
      return unexpected(errc::invalid_argument);
    }
    // Write beside the file the link names, and rename over that file: renaming over the
    // link would replace the link with a file.
    char* resolved = ::realpath(target.c_str(), nullptr);
    if (resolved == nullptr) return io_failure(why, "cannot resolve " + target);
    target = resolved;
    std::free(resolved);
  }
  file.target_ = std::move(target);
  std::vector<char> name(file.target_.begin(), file.target_.end());
  for (char c : std::string_view(".tmp-XXXXXX"))
    name.push_back(c);
  name.push_back('\0');
  const int fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) return io_failure(why, "cannot create a file beside " + file.target_);
  file.fd_ = fd;
  file.temporary_ = name.data();
  if (exists && ::fchmod(fd, existing.st_mode & 07777) != 0) {
    const auto failed =
        io_failure(why, "cannot give " + file.temporary_ + " the mode of " + file.target_);
    file.discard();
    return failed;
  }
  return {};
}

atomic_output_file::~atomic_output_file() {
  discard();
}

void atomic_output_file::discard() noexcept {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  if (!temporary_.empty()) {
    ::unlink(temporary_.c_str());
    temporary_.clear();
  }
}

result<void> atomic_output_file::write(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_failure();
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

result<void> atomic_output_file::finish() {
  if (::fsync(fd_) != 0) return io_failure();
  if (::close(fd_) != 0) {
    fd_ = -1;
    return io_failure();
  }
  fd_ = -1;
  if (::rename(temporary_.c_str(), target_.c_str()) != 0) return io_failure();
  temporary_.clear();
  // The rename is durable only once the directory is.
  const int dir = ::open(directory_of(target_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return {};
}

void atomic_output_file::abort(const error&) noexcept {
  discard();
}

}  // namespace pop3::cli
