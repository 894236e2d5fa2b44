#include "state/private_directory.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "common/unique_fd.hpp"

namespace pop3::agent::detail {

unexpected system_failure(std::string what, std::string& why) {
  const int saved = errno;
  why = std::move(what) + ": " + std::strerror(saved);
  return unexpected(error(errc::io_error, command_kind::none, resp_code::none, saved));
}

std::filesystem::path directory_of(const std::filesystem::path& file) {
  auto parent = file.parent_path();
  return parent.empty() ? std::filesystem::path(".") : parent;
}

result<void> sync_directory(const std::filesystem::path& directory, std::string& why) {
  unique_fd fd(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid() || ::fsync(fd.get()) != 0)
    return system_failure("cannot sync directory " + directory.string(), why);
  return {};
}

namespace {

bool names_a_directory(const std::filesystem::path& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

result<void> make_private_directories(const std::filesystem::path& directory, std::string& why) {
  // The common case, and the only one that must not try mkdir on each component (which
  // could fail with EACCES or EROFS on an ancestor that does exist).
  if (names_a_directory(directory)) return {};

  std::filesystem::path prefix;
  for (const auto& component : directory) {
    prefix /= component;
    if (names_a_directory(prefix)) continue;
    if (::mkdir(prefix.c_str(), 0700) != 0) {
      if (errno == EEXIST && names_a_directory(prefix)) continue;  // made by someone else meanwhile
      if (errno == EEXIST) errno = ENOTDIR;                        // a file in the way
      return system_failure("cannot create directory " + prefix.string(), why);
    }
    POP3_TRY(sync_directory(directory_of(prefix), why));
  }
  return {};
}

}  // namespace pop3::agent::detail
