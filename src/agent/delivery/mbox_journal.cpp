#include "delivery/mbox_journal.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>

#include "delivery/mbox_lock.hpp"
#include "delivery/posix_io.hpp"

namespace pop3::agent::detail {

namespace {

constexpr std::size_t record_size = 103;

int fdatasync_retrying(int fd) noexcept {
  while (::fdatasync(fd) != 0) {
    if (errno != EINTR) return errno;
  }
  return 0;
}

// Reads up to `limit` octets from the start of `fd`. Returns 0 or the errno.
int read_start(int fd, std::size_t limit, std::string& content) {
  content.assign(limit, '\0');
  std::size_t got = 0;
  while (got < limit) {
    const ssize_t n = ::pread(fd, content.data() + got, limit - got, static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  content.resize(got);
  return 0;
}

}  // namespace

std::uint32_t fnv1a(std::string_view bytes) noexcept {
  std::uint32_t hash = 2166136261u;
  for (const char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 16777619u;
  }
  return hash;
}

std::string encode(const journal_record& record) {
  char text[record_size + 1];
  const int body = std::snprintf(text, sizeof text, "pop3-append 1 %s %020llu %020llu %020llu %08x",
                                 record.state == append_state::writing ? "writing" : "written",
                                 static_cast<unsigned long long>(record.offset),
                                 static_cast<unsigned long long>(record.device),
                                 static_cast<unsigned long long>(record.inode),
                                 static_cast<unsigned>(record.tail));
  const std::string_view summed(text, static_cast<std::size_t>(body));
  std::snprintf(text + body, sizeof text - static_cast<std::size_t>(body), " %08x\n",
                static_cast<unsigned>(fnv1a(summed)));
  return std::string(text);
}

std::optional<journal_record> parse_journal(std::string_view text) {
  if (text.size() != record_size) return std::nullopt;
  const std::string copy(text);  // sscanf needs the terminating NUL
  char state[8] = {};
  unsigned long long offset = 0, device = 0, inode = 0;
  unsigned tail = 0, sum = 0;
  if (std::sscanf(copy.c_str(), "pop3-append 1 %7s %20llu %20llu %20llu %8x %8x", state, &offset,
                  &device, &inode, &tail, &sum) != 6)
    return std::nullopt;
  journal_record record;
  const std::string_view state_word(state);
  if (state_word == "writing")
    record.state = append_state::writing;
  else if (state_word == "written")
    record.state = append_state::written;
  else
    return std::nullopt;
  record.offset = offset;
  record.device = device;
  record.inode = inode;
  record.tail = tail;
  // Re-encoding checks what sscanf does not: the widths, the spaces, the final line feed
  // and the checksum.
  if (encode(record) != text) return std::nullopt;
  return record;
}

mbox_journal::mbox_journal(std::string mbox, std::string directory)
    : mbox_(std::move(mbox)), directory_(std::move(directory)), path_(mbox_ + ".pop3-append") {}

mbox_journal::~mbox_journal() {
  remove_if_idle();
}

int mbox_journal::create(std::string& why) {
  const int fd =
      ::open(path_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
  if (fd < 0) {
    const int error_number = errno;
    why = cannot("create", path_, error_number);
    return error_number;
  }
  file_ = unique_fd(fd);
  idle_ = true;
  // Without this, a power cut could take the journal's name away with the record in it.
  if (const int error_number = fsync_directory(directory_)) {
    why = cannot("fsync directory", directory_, error_number);
    return error_number;
  }
  return 0;
}

int mbox_journal::open(std::string& content, const warning_function& warn, std::string& why) {
  content.clear();
  if (file_) {
    struct stat status {};
    if (::fstat(file_.get(), &status) == 0 && status.st_nlink > 0) {
      const int error_number = read_start(file_.get(), record_size + 1, content);
      if (error_number != 0) why = cannot("read", path_, error_number);
      return error_number;
    }
    file_.reset();  // removed by another delivery object of the same mbox: open it anew
  }
  const int fd = ::open(path_.c_str(), O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
  if (fd < 0 && errno == ENOENT) return create(why);
  bool foreign = fd < 0 && errno == ELOOP;  // a symbolic link: never write through it
  if (fd < 0 && !foreign) {
    const int error_number = errno;
    why = cannot("open", path_, error_number);
    return error_number;
  }
  unique_fd opened(fd);
  if (!foreign) {
    struct stat status {};
    foreign = ::fstat(opened.get(), &status) != 0 || !S_ISREG(status.st_mode) ||
              status.st_uid != ::geteuid();
  }
  if (foreign) {
    // In a shared mail spool another user could plant it to make us cut off mail.
    warn("ignored " + path_ + ": it is not a regular file of this user; it was replaced");
    opened.reset();
    if (::unlink(path_.c_str()) != 0 && errno != ENOENT) {
      const int error_number = errno;
      why = cannot("remove", path_, error_number);
      return error_number;
    }
    return create(why);
  }
  if (const int error_number = read_start(opened.get(), record_size + 1, content)) {
    why = cannot("read", path_, error_number);
    return error_number;
  }
  // Records are written over the start of the file: whatever a longer file holds beyond a
  // record would make every later record look damaged.
  if (content.size() > record_size && ::ftruncate(opened.get(), record_size) != 0) {
    const int error_number = errno;
    why = cannot("truncate", path_, error_number);
    return error_number;
  }
  file_ = std::move(opened);
  return 0;
}

int mbox_journal::write(const journal_record& record, std::string& why) {
  const std::string text = encode(record);
  idle_ = false;  // until the record is known to be on disk, assume the worst
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n =
        ::pwrite(file_.get(), text.data() + done, text.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error_number = errno;
      why = cannot("write", path_, error_number);
      return error_number;
    }
    done += static_cast<std::size_t>(n);
  }
  if (const int error_number = fdatasync_retrying(file_.get())) {
    why = cannot("fdatasync", path_, error_number);
    return error_number;
  }
  idle_ = record.state == append_state::written;
  return 0;
}

void mbox_journal::discard() noexcept {
  if (!file_) return;
  ::unlink(path_.c_str());
  (void)fsync_directory(directory_);
  file_.reset();
  idle_ = true;
}

void mbox_journal::remove_if_idle() noexcept {
  if (!file_ || !idle_) return;
  try {
    const int fd = ::open(mbox_.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return;
    unique_fd mbox(fd);
    std::string why;
    // One try, no wait, and no dotlock judged stale here: a destructor must not block.
    auto lock = mbox_lock::acquire(mbox.get(), mbox_, std::chrono::milliseconds(0),
                                   std::chrono::hours(24 * 365), why);
    if (!lock) return;
    // Under the locks the name may have been replaced by another delivery object's
    // journal, or hold a "writing" record of a process that died: both are not ours to drop.
    struct stat named {
    }, ours{};
    if (::lstat(path_.c_str(), &named) != 0 || ::fstat(file_.get(), &ours) != 0) return;
    if (named.st_dev != ours.st_dev || named.st_ino != ours.st_ino) return;
    std::string content;
    if (read_start(file_.get(), record_size + 1, content) != 0) return;
    // Empty: created, then the first record could not be written.
    const auto record = parse_journal(content);
    if (!content.empty() && (!record || record->state != append_state::written)) return;
    if (::unlink(path_.c_str()) != 0) return;
    (void)fsync_directory(directory_);
    file_.reset();
  } catch (...) {
    // Out of memory: the idle journal stays, which is harmless.
  }
}

}  // namespace pop3::agent::detail
