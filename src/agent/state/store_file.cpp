#include "state/store_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <string_view>

#include "state/private_directory.hpp"
#include "common/unique_fd.hpp"

namespace pop3::agent::detail {
namespace {

namespace fs = std::filesystem;

// The SQLite file format (https://www.sqlite.org/fileformat2.html#database_header).
constexpr std::size_t header_size = 100;
constexpr std::string_view header_magic{"SQLite format 3\0", 16};
constexpr std::array<std::string_view, 3> sibling_suffixes{"-wal", "-shm", "-journal"};

fs::path with_suffix(const fs::path& file, std::string_view suffix) {
  fs::path p = file;
  p += suffix;
  return p;
}

// stat() that tells "absent" apart from "cannot tell".
enum class presence : std::uint8_t { absent, present, unknown };
presence presence_of(const fs::path& path, struct stat& st) {
  if (::lstat(path.c_str(), &st) == 0) return presence::present;
  return errno == ENOENT ? presence::absent : presence::unknown;
}

// pread() until `out` is full or the file ends; -1 on error.
ssize_t read_fully(int fd, char* out, std::size_t size) {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pread(fd, out + done, size - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  return static_cast<ssize_t>(done);
}

// The page size field at offset 16: big-endian, 1 meaning 65536; 0 if not a valid size.
std::uint32_t page_size_of(const std::array<char, header_size>& header) {
  const auto hi = static_cast<std::uint8_t>(header[16]);
  const auto lo = static_cast<std::uint8_t>(header[17]);
  const std::uint32_t size = (std::uint32_t{hi} << 8) | lo;
  if (size == 1) return 65536;
  const bool power_of_two = size != 0 && (size & (size - 1)) == 0;
  return power_of_two && size >= 512 ? size : 0;
}

store_file_state damaged(std::string damage) {
  return {store_file_state::kind::damaged, std::move(damage)};
}

}  // namespace

result<store_file_state> inspect_store_file(const fs::path& file, std::string& why) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) {
    if (errno == ENOENT) return store_file_state{};
    return system_failure("cannot open state file " + file.string(), why);
  }
  if (S_ISDIR(st.st_mode)) {
    why = "state file " + file.string() + " is a directory";
    return unexpected(error(errc::io_error, command_kind::none, resp_code::none, EISDIR));
  }
  if (!S_ISREG(st.st_mode)) {
    why = "state file " + file.string() + " is not a regular file";
    return unexpected(error(errc::io_error, command_kind::none, resp_code::none, EINVAL));
  }

  unique_fd fd(::open(file.c_str(), O_RDWR | O_CLOEXEC | O_NOCTTY));
  if (!fd.valid()) return system_failure("cannot open state file " + file.string(), why);
  if (::fstat(fd.get(), &st) != 0)
    return system_failure("cannot read state file " + file.string(), why);
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size == 0) return store_file_state{store_file_state::kind::empty, {}};

  std::array<char, header_size> header{};
  const ssize_t got = read_fully(fd.get(), header.data(), header.size());
  if (got < 0) return system_failure("cannot read state file " + file.string(), why);
  if (static_cast<std::size_t>(got) < header_size)
    return damaged("truncated: " + std::to_string(got) + " bytes, shorter than a database header");
  if (std::string_view(header.data(), header_magic.size()) != header_magic)
    return damaged("not a SQLite database");
  const std::uint32_t page_size = page_size_of(header);
  if (page_size == 0) return damaged("not a SQLite database: invalid page size");
  // SQLite only ever writes and truncates whole pages; a partial last page would be read as
  // zeros and could silently change the last record, which quick_check does not look at.
  if (size % page_size != 0)
    return damaged("truncated: " + std::to_string(size) + " bytes is not a whole number of " +
                   std::to_string(page_size) + "-byte pages");
  return store_file_state{store_file_state::kind::database, {}};
}

bool has_leftover_journal(const fs::path& file) {
  for (std::string_view suffix : {std::string_view("-wal"), std::string_view("-journal")}) {
    struct stat st {};
    if (presence_of(with_suffix(file, suffix), st) != presence::absent && st.st_size != 0)
      return true;
  }
  return false;
}

std::vector<fs::path> absent_wal_files(const fs::path& file) {
  std::vector<fs::path> absent;
  for (std::string_view suffix : {std::string_view("-wal"), std::string_view("-shm")}) {
    struct stat st {};
    if (fs::path p = with_suffix(file, suffix); presence_of(p, st) == presence::absent)
      absent.push_back(std::move(p));
  }
  return absent;
}

void remove_created_wal_files(const std::vector<fs::path>& absent) {
  for (const fs::path& p : absent) {
    struct stat st {};
    const bool is_log = p.string().ends_with("-wal");
    if (presence_of(p, st) == presence::present && (!is_log || st.st_size == 0))
      ::unlink(p.c_str());
  }
}

result<void> create_store_file(const fs::path& file, std::string& why) {
  unique_fd fd(::open(file.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0600));
  if (!fd.valid()) return system_failure("cannot create state file " + file.string(), why);
  return sync_directory(directory_of(file), why);
}

result<fs::path> move_aside(const fs::path& file, std::int64_t now, std::string& why) {
  const std::string base = file.string() + ".corrupt-" + std::to_string(now);
  fs::path target = base;
  // A name is free only if none of the four files it stands for exists; anything else
  // (including "cannot tell") moves on to the next name rather than risk replacing a file.
  for (int n = 2;; ++n) {
    struct stat st {};
    bool taken = presence_of(target, st) != presence::absent;
    for (std::string_view suffix : sibling_suffixes)
      taken = taken || presence_of(with_suffix(target, suffix), st) != presence::absent;
    if (!taken) break;
    if (n > 1000) {
      errno = EEXIST;
      return system_failure("cannot find a free name to move " + file.string() + " to", why);
    }
    target = base + "." + std::to_string(n);
  }

  struct stat st {};
  if (presence_of(file, st) != presence::absent && ::rename(file.c_str(), target.c_str()) != 0)
    return system_failure("cannot move " + file.string() + " to " + target.string(), why);
  for (std::string_view suffix : sibling_suffixes) {
    const fs::path from = with_suffix(file, suffix);
    const fs::path to = with_suffix(target, suffix);
    if (presence_of(from, st) != presence::absent && ::rename(from.c_str(), to.c_str()) != 0)
      return system_failure("cannot move " + from.string() + " to " + to.string(), why);
  }
  POP3_TRY(sync_directory(directory_of(file), why));
  return target;
}

}  // namespace pop3::agent::detail
