#include "delivery/maildir_tmp_cleanup.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>

namespace pop3::agent::detail {

int remove_stale_tmp_files(int tmp, std::chrono::seconds age) noexcept {
  // fdopendir() takes the descriptor it is given; keep the caller's.
  const int listing = ::openat(tmp, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (listing < 0) return 0;
  DIR* directory = ::fdopendir(listing);
  if (directory == nullptr) {
    ::close(listing);
    return 0;
  }
  const std::time_t limit = std::time(nullptr) - static_cast<std::time_t>(age.count());
  int removed = 0;
  while (const dirent* entry = ::readdir(directory)) {
    struct stat about {};
    if (::fstatat(tmp, entry->d_name, &about, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (!S_ISREG(about.st_mode)) continue;  // also skips "." and ".."
    if (about.st_atime >= limit || about.st_mtime >= limit) continue;
    if (::unlinkat(tmp, entry->d_name, 0) == 0) ++removed;
  }
  ::closedir(directory);
  return removed;
}

}  // namespace pop3::agent::detail
