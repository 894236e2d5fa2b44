// load_config(): reading the file, with its mode taken from the descriptor that was read so
// that the `password` rule judges the very file whose text is used.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>

#include "config/config.hpp"

namespace pop3::agent {
namespace {

class file_descriptor {
 public:
  explicit file_descriptor(int fd) noexcept : fd_(fd) {}
  file_descriptor(const file_descriptor&) = delete;
  file_descriptor& operator=(const file_descriptor&) = delete;
  ~file_descriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const noexcept { return fd_; }

 private:
  int fd_;
};

unexpected cannot_read(const std::string& name, int failure, std::string& why) {
  why = name + ": cannot read: " + std::generic_category().message(failure);
  return unexpected(error(errc::io_error, command_kind::none, resp_code::none, failure));
}

}  // namespace

result<fetch_config> load_config(const std::filesystem::path& file, std::string& why) {
  const std::string name = file.string();
  // O_NONBLOCK: opening a FIFO by mistake must not hang; it is then refused below.
  file_descriptor fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (fd.get() < 0) return cannot_read(name, errno, why);
  struct stat status {};
  if (::fstat(fd.get(), &status) != 0) return cannot_read(name, errno, why);
  if (!S_ISREG(status.st_mode)) {
    why = name + ": not a regular file";
    return unexpected(errc::invalid_argument);
  }
  std::string text;
  char buffer[16384];
  for (;;) {
    ssize_t got = ::read(fd.get(), buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return cannot_read(name, errno, why);
    if (got == 0) break;
    text.append(buffer, static_cast<std::size_t>(got));
  }
  auto config = parse_config(text, name, status.st_mode & 07777U, why);
  if (config) config->file = file;
  return config;
}

}  // namespace pop3::agent
