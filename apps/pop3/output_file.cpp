#include "output_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <vector>

namespace pop3::cli {
namespace {

unexpected io_failure() {
  return unexpected(error(errc::sink_failed, command_kind::none, resp_code::none, errno));
}

std::string directory_of(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

result<void> atomic_output_file::open(atomic_output_file& file, std::string target) {
  file.discard();
  file.target_ = std::move(target);
  std::vector<char> name(file.target_.begin(), file.target_.end());
  for (char c : std::string_view(".tmp-XXXXXX"))
    name.push_back(c);
  name.push_back('\0');
  const int fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) return io_failure();
  file.fd_ = fd;
  file.temporary_ = name.data();
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
