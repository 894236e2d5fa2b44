// mboxrd delivery: append under both locks, fsync, unlock. Whatever goes wrong after the
// first byte, the file is cut back to the size it had before the message, so readers never
// see half a message and the next delivery starts on a clean boundary. What this process
// cannot undo because it was killed, the journal (mbox_journal.hpp) lets the next run undo.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <ctime>
#include <optional>
#include <utility>

#include "delivery/delivery.hpp"
#include "delivery/mbox_journal.hpp"
#include "delivery/mbox_lock.hpp"
#include "delivery/mbox_recovery.hpp"
#include "delivery/posix_io.hpp"
#include "delivery/sink_chain.hpp"
#include "delivery/storage_sink.hpp"

namespace pop3::agent {

namespace {

using detail::append_state;
using detail::cannot;
using detail::journal_record;
using detail::unique_fd;

struct mbox_place {
  std::string path;
  std::string directory;  // holds the file: fsync'ed when the file is created
  mbox_options options;
};

std::string_view line_end(line_ending ends) {
  return ends == line_ending::crlf ? "\r\n" : "\n";
}

// "From MAILER-DAEMON Sun Sep  9 01:46:40 2001": the asctime() format, in UTC, spelled out
// here because asctime() and strftime() follow the locale and asctime() is not thread-safe.
std::string from_line(std::chrono::system_clock::time_point when, line_ending ends) {
  static constexpr const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t seconds = std::chrono::system_clock::to_time_t(when);
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  char text[64];
  std::snprintf(text, sizeof text, "From MAILER-DAEMON %s %s %2d %02d:%02d:%02d %d",
                days[utc.tm_wday % 7], months[utc.tm_mon % 12], utc.tm_mday, utc.tm_hour,
                utc.tm_min, utc.tm_sec, utc.tm_year + 1900);
  return std::string(text).append(line_end(ends));
}

class mbox_message final : public detail::storage_sink {
 public:
  // `before`: the file as it was before the message, in the state "written": what undo()
  // records again once the message is cut off (begin() records it "writing" meanwhile).
  mbox_message(std::shared_ptr<const mbox_place> place, unique_fd file, detail::mbox_lock lock,
               std::shared_ptr<detail::mbox_journal> journal, const journal_record& before,
               bool created)
      : place_(std::move(place)),
        file_(std::move(file)),
        lock_(std::move(lock)),
        journal_(std::move(journal)),
        before_(before),
        size_before_(static_cast<off_t>(before.offset)),
        created_(created) {}
  mbox_message(const mbox_message&) = delete;
  mbox_message& operator=(const mbox_message&) = delete;
  ~mbox_message() override { undo_if_unfinished(); }

 private:
  result<void> store(std::string_view bytes) override {
    if (bytes.empty()) return {};
    if (const int error = detail::write_all(file_.get(), bytes))
      return fail(cannot("write", place_->path, error), error);
    lock_.keep_fresh();  // a slow download must not look like a crashed holder
    ends_with_line_feed_ = bytes.back() == '\n';
    written_ += bytes.size();
    return {};
  }

  result<void> complete() override {
    const std::string_view end = line_end(place_->options.ends);
    if (!ends_with_line_feed_) POP3_TRY(store(end));
    POP3_TRY(store(end));  // the empty line that ends a message in an mbox
    if (const int error = detail::fsync_retrying(file_.get()))
      return fail(cannot("fsync", place_->path, error), error);
    if (created_) {
      if (const int error = detail::fsync_directory(place_->directory))
        return fail(cannot("fsync directory", place_->directory, error), error);
    }
    // The journal still says "writing" from before the message's first octet: a run killed
    // from then until here leaves a fragment, or a whole message that finish() never
    // reported, and the next run cuts either off; the caller records the UID only after
    // finish() succeeded, so the message is fetched again, never lost. Once the message is
    // durable, the record "written" with the new size must be durable too BEFORE success is
    // reported: otherwise a kill just after the caller recorded the UID would let the next
    // run cut off a message that exists nowhere else. If the record cannot be written, the
    // message fails and is cut off now (a duplicate-free retry next run beats a loss).
    journal_record after = before_;
    after.state = append_state::written;
    after.offset += written_;
    std::string why;
    std::string tail;
    const detail::mbox_file file{file_.get(), &place_->path, before_.device, before_.inode,
                                 after.offset};
    if (const int error = detail::read_tail(file, after.offset, tail, why))
      return fail(std::move(why), error);
    after.tail = detail::fnv1a(tail);
    if (const int error = journal_->write(after, why)) return fail(std::move(why), error);
    lock_.release();
    // After a successful fsync the data is on disk; close() has nothing left to report.
    file_.reset();
    return {};
  }

  void undo() noexcept override {
    // Cut back even a file this message created: under the lock someone else may have
    // appended to it before us, so removing it could lose their mail.
    int error_number = 0;
    while (::ftruncate(file_.get(), size_before_) != 0) {
      if (errno == EINTR) continue;
      error_number = errno;
      break;
    }
    if (error_number != 0) {
      try {
        add_to_failure("cannot truncate " + place_->path + " back to " +
                       std::to_string(size_before_) +
                       " octets: " + detail::errno_text(error_number));
      } catch (...) {
        // Out of memory for the words; the error code of the failure stands.
      }
    }
    const int sync_error = detail::fsync_retrying(file_.get());
    // Only a cut that is on disk may be recorded as done; else the record "writing" stays,
    // and the next run cuts off what is left. The record must not stay "writing" over a file
    // cut back: other programs may append once we unlock, and a later run would take their
    // mail for our fragment. A journal we cannot update is removed for the same reason.
    if (error_number == 0 && sync_error == 0) {
      std::string why;
      try {
        if (journal_->write(before_, why) != 0) {
          add_to_failure(why);
          journal_->discard();
        }
      } catch (...) {
        journal_->discard();
      }
    }
    lock_.release();
    file_.reset();
  }

  std::shared_ptr<const mbox_place> place_;
  unique_fd file_;
  detail::mbox_lock lock_;
  std::shared_ptr<detail::mbox_journal> journal_;
  journal_record before_;  // state "written": what undo() records once the cut is durable
  off_t size_before_;
  bool created_;
  bool ends_with_line_feed_ = false;
  std::uint64_t written_ = 0;
};

// Opens the mbox for appending, creating it (mode 0600) if it is missing. Returns 0 or the
// errno with the reason in `why`; `created` tells whether this call created it.
int open_for_append(const std::string& path, unique_fd& file, bool& created, std::string& why) {
  for (int tries = 0; tries < 3; ++tries) {
    // Read as well as append: begin() reads the end of the file and any fragment left.
    int fd = ::open(path.c_str(), O_RDWR | O_APPEND | O_CLOEXEC | O_NOCTTY);
    created = false;
    if (fd < 0 && errno == ENOENT) {
      fd = ::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0600);
      created = true;
      if (fd < 0 && errno == EEXIST) continue;  // created by someone else meanwhile
    }
    if (fd < 0) {
      const int error_number = errno;
      why = cannot("open", path, error_number);
      return error_number;
    }
    file = unique_fd(fd);
    return 0;
  }
  why = cannot("open", path, ENOENT);
  return ENOENT;
}

class mbox_delivery final : public delivery {
 public:
  explicit mbox_delivery(std::shared_ptr<const mbox_place> place) : place_(std::move(place)) {}

  result<std::unique_ptr<delivery_sink>> begin(const message_info&, std::string& why) override {
    try {
      return start_message(why);
    } catch (...) {
      why = "cannot start a message in " + place_->path + ": out of memory";
      return unexpected(error(errc::io_error, {}, {}, ENOMEM));
    }
  }

  std::string describe() const override { return "mbox " + place_->path; }

 private:
  result<std::unique_ptr<delivery_sink>> start_message(std::string& why) {
    const mbox_options& options = place_->options;
    unique_fd file;
    bool created = false;
    struct stat status {};
    std::optional<detail::mbox_lock> lock;
    for (int attempt = 1;; ++attempt) {
      if (const int error_number = open_for_append(place_->path, file, created, why))
        return unexpected(error(errc::io_error, {}, {}, error_number));
      auto acquired = detail::mbox_lock::acquire(file.get(), place_->path, options.lock_timeout,
                                                 options.stale_dotlock_age, why);
      if (!acquired) return unexpected(acquired.error());
      lock.emplace(std::move(*acquired));
      // The size is read under the lock: no one else appends until the message is done.
      if (::fstat(file.get(), &status) != 0) {
        const int error_number = errno;
        why = cannot("examine", place_->path, error_number);
        return unexpected(error(errc::io_error, {}, {}, error_number));
      }
      if (!S_ISREG(status.st_mode)) {
        why = place_->path + " is not a regular file";
        return unexpected(error(errc::io_error, {}, {}, EINVAL));
      }
      // A mail reader that held the lock may have removed the emptied mbox, or replaced it by
      // a rename, while we waited: appending to the file we opened would put the message
      // where no one looks. Only the file the path names now will do.
      struct stat named {};
      if (::stat(place_->path.c_str(), &named) == 0 && named.st_dev == status.st_dev &&
          named.st_ino == status.st_ino)
        break;
      lock.reset();
      file = unique_fd();
      if (attempt == 3) {
        why = "cannot lock " + place_->path + ": it was removed or replaced three times while " +
              "waiting for its lock";
        return unexpected(error(errc::timeout, {}, {}, EAGAIN));
      }
    }
    const detail::warning_function warn = [&options](const std::string& words) {
      if (options.warning) options.warning(words);
    };
    if (!journal_)
      journal_ = std::make_shared<detail::mbox_journal>(place_->path, place_->directory);
    std::string recorded;
    if (const int error_number = journal_->open(recorded, warn, why))
      return unexpected(error(errc::io_error, {}, {}, error_number));
    detail::mbox_file mbox{file.get(), &place_->path, static_cast<std::uint64_t>(status.st_dev),
                           static_cast<std::uint64_t>(status.st_ino),
                           static_cast<std::uint64_t>(status.st_size)};
    if (const int error_number =
            detail::recover_interrupted_append(mbox, journal_->path(), recorded, warn, why))
      return unexpected(error(errc::io_error, {}, {}, error_number));
    std::string tail;
    if (const int error_number = detail::read_tail(mbox, mbox.size, tail, why))
      return unexpected(error(errc::io_error, {}, {}, error_number));
    // Durable before the message's first octet (the separator included), so that a kill at
    // any point of the append leaves a record of where the message began.
    // The message exists first, so that whatever fails from here on, its undo() records
    // "written" again before the unlock.
    journal_record before{append_state::written, mbox.size, mbox.device, mbox.inode,
                          detail::fnv1a(tail)};
    auto message = std::make_unique<mbox_message>(place_, std::move(file), std::move(*lock),
                                                  journal_, before, created);
    before.state = append_state::writing;
    if (const int error_number = journal_->write(before, why))
      return unexpected(error(errc::io_error, {}, {}, error_number));
    const auto now = options.clock ? options.clock() : std::chrono::system_clock::now();
    // Someone else's last message may lack its empty line, or end mid-line: "From " must
    // start a line after an empty line, or readers merge the two messages.
    const std::string start =
        detail::separator_before_message(tail, options.ends) + from_line(now, options.ends);
    if (auto written = message->write(start); !written) {
      why = message->failure();
      return unexpected(error(errc::io_error, {}, {}, written.error().system_error));
    }
    return std::unique_ptr<delivery_sink>(
        std::make_unique<detail::sink_chain>(std::move(message), options.ends, true));
  }

  std::shared_ptr<const mbox_place> place_;
  // Created at the first begin(); shared with the messages, so that it is removed only once
  // the last of them is done.
  std::shared_ptr<detail::mbox_journal> journal_;
};

}  // namespace

result<std::unique_ptr<delivery>> open_mbox(const std::filesystem::path& file,
                                            const mbox_options& options, std::string& why) {
  try {
    if (file.empty()) {
      why = "no mbox file given";
      return unexpected(error(errc::io_error, {}, {}, EINVAL));
    }
    auto place = std::make_shared<mbox_place>();
    place->path = file.string();
    const auto directory = file.parent_path();
    place->directory = directory.empty() ? std::string(".") : directory.string();
    place->options = options;
    unique_fd opened;
    bool created = false;
    if (const int error_number = open_for_append(place->path, opened, created, why))
      return unexpected(error(errc::io_error, {}, {}, error_number));
    if (created) {
      if (const int error_number = detail::fsync_directory(place->directory)) {
        why = cannot("fsync directory", place->directory, error_number);
        return unexpected(error(errc::io_error, {}, {}, error_number));
      }
    }
    return std::unique_ptr<delivery>(std::make_unique<mbox_delivery>(std::move(place)));
  } catch (...) {
    why = "cannot open the mbox " + file.string() + ": out of memory";
    return unexpected(error(errc::io_error, {}, {}, ENOMEM));
  }
}

result<std::unique_ptr<delivery>> open_mbox(const std::filesystem::path& file, line_ending ends,
                                            std::chrono::milliseconds lock_timeout,
                                            std::string& why) {
  mbox_options options;
  options.ends = ends;
  options.lock_timeout = lock_timeout;
  return open_mbox(file, options, why);
}

}  // namespace pop3::agent
