#include "delivery/durable_directory.hpp"

#include <sys/stat.h>

#include <cerrno>

#include "delivery/posix_io.hpp"

namespace pop3::agent::detail {

namespace {

// 0 if `path` is a directory, ENOENT if nothing is there, ENOTDIR if something else is.
int check_directory(const std::filesystem::path& path, std::string& why) {
  struct stat status {};
  if (::stat(path.c_str(), &status) != 0) {
    const int error = errno;
    if (error != ENOENT) why = cannot("examine", path.string(), error);
    return error;
  }
  if (S_ISDIR(status.st_mode)) return 0;
  why = path.string() + " exists and is not a directory";
  return ENOTDIR;
}

int make_one(const std::filesystem::path& path, unsigned mode, std::string& why) {
  if (const int found = check_directory(path, why); found != ENOENT) return found;
  if (::mkdir(path.c_str(), static_cast<mode_t>(mode)) != 0) {
    // Someone else may have created it in the meantime; that is as good.
    const int error = errno;
    if (error == EEXIST) {
      const int found = check_directory(path, why);
      if (found == ENOENT) why = cannot("create directory", path.string(), error);
      return found == ENOENT ? EEXIST : found;
    }
    why = cannot("create directory", path.string(), error);
    return error;
  }
  std::filesystem::path parent = path.parent_path();
  if (parent.empty()) parent = ".";
  if (const int error = fsync_directory(parent.string())) {
    why = cannot("fsync directory", parent.string(), error);
    return error;
  }
  return 0;
}

}  // namespace

int make_directory_durably(const std::filesystem::path& directory, unsigned mode,
                           std::string& why) {
  std::filesystem::path prefix;
  for (const auto& element : directory) {
    if (element.empty()) continue;  // after a trailing '/'
    prefix /= element;
    if (const int error = make_one(prefix, mode, why)) return error;
  }
  return 0;
}

}  // namespace pop3::agent::detail
