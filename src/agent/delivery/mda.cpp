// MDA delivery: the message is spooled to a file without a name, and only once it is complete
// does the command run, reading it from that file. Success is exit status 0 after reading the
// whole message; whatever else happens, the command is killed and reaped.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "delivery/delivery.hpp"
#include "delivery/mda_process.hpp"
#include "delivery/posix_io.hpp"
#include "delivery/sink_chain.hpp"
#include "delivery/storage_sink.hpp"

namespace pop3::agent {

namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// $TMPDIR is the user's choice of scratch space; a relative one would depend on our working
// directory, so it is ignored like an unset one.
std::string spool_directory() {
  const char* tmpdir = std::getenv("TMPDIR");
  if (tmpdir != nullptr && tmpdir[0] == '/') return tmpdir;
  return "/tmp";
}

// A file that never has a name: nobody else sees it, and whenever this process ends, killed or
// not, it vanishes with the last descriptor. Returns 0 or the errno.
int create_spool(const std::string& directory, detail::unique_fd& spool) {
  // O_EXCL: it can never be given a name later either (linkat through /proc).
  const int fd = ::open(directory.c_str(), O_TMPFILE | O_RDWR | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    spool = detail::unique_fd(fd);
    return 0;
  }
  const int error_number = errno;
  // The file system cannot (EOPNOTSUPP), or the kernel does not know O_TMPFILE and took it
  // for O_DIRECTORY (EISDIR) or refused the flags (EINVAL).
  if (error_number != EOPNOTSUPP && error_number != EISDIR && error_number != EINVAL)
    return error_number;
  std::string name = directory + "/pop3-mda-XXXXXX";
  const int named = ::mkostemp(name.data(), O_CLOEXEC);  // mode 0600
  if (named < 0) return errno;
  spool = detail::unique_fd(named);
  // Nameless at once; only a kill between these two calls can leave the file behind.
  if (::unlink(name.c_str()) != 0) {
    const int unlink_error = errno;
    spool.reset();
    return unlink_error;
  }
  return 0;
}

class mda_message final : public detail::storage_sink {
 public:
  mda_message(std::string command, std::vector<std::string> environment,
              std::string spool_directory, detail::unique_fd spool, milliseconds timeout)
      : command_(std::move(command)),
        environment_(std::move(environment)),
        spool_directory_(std::move(spool_directory)),
        spool_(std::move(spool)),
        timeout_(timeout) {}
  mda_message(const mda_message&) = delete;
  mda_message& operator=(const mda_message&) = delete;
  ~mda_message() override { undo_if_unfinished(); }

 private:
  result<void> store(std::string_view bytes) override {
    if (const int error_number = detail::write_all(spool_.get(), bytes))
      return fail(detail::cannot("write the spool file in", spool_directory_, error_number),
                  error_number);
    spooled_ += bytes.size();
    return {};
  }

  result<void> complete() override {
    if (::lseek(spool_.get(), 0, SEEK_SET) != 0) {
      const int error_number = errno;
      return fail(detail::cannot("rewind the spool file in", spool_directory_, error_number),
                  error_number);
    }
    std::string why;
    if (const int error_number = process_.start(command_, environment_, spool_.get(), why))
      return fail(std::move(why), error_number);
    int status = 0;
    switch (process_.wait_until(steady_clock::now() + timeout_, status)) {
      case detail::mda_process::wait_outcome::exited:
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return check_whole_message_read();
        return fail(detail::describe_wait_status(status), 0);
      case detail::mda_process::wait_outcome::running:
        return fail("the MDA did not exit within " + std::to_string(timeout_.count()) +
                        " ms; it was killed",
                    ETIMEDOUT);
      case detail::mda_process::wait_outcome::lost:
        break;
    }
    return fail(
        "cannot learn the MDA's exit status: it was reaped elsewhere (is SIGCHLD "
        "ignored?)",
        ECHILD);
  }

  // Status 0 alone is not enough: a command that took only the headers, or a pipeline whose
  // shell hid a crash, has not delivered the message. The MDA's standard input shares the
  // spool's open file description, so the offset it left behind is how far it read.
  result<void> check_whole_message_read() {
    const off_t offset = ::lseek(spool_.get(), 0, SEEK_CUR);
    if (offset < 0) {
      const int error_number = errno;
      return fail(detail::cannot("learn how much the MDA read of the spool file in",
                                 spool_directory_, error_number),
                  error_number);
    }
    if (static_cast<std::uint64_t>(offset) != spooled_)
      return fail("the MDA exited with status 0 but read only " + std::to_string(offset) + " of " +
                      std::to_string(spooled_) + " octets of the message",
                  0);
    spool_.reset();  // the space it took is free as soon as the message is delivered
    return {};
  }

  void undo() noexcept override {
    process_.kill_and_reap();
    spool_.reset();
  }

  std::string command_;
  std::vector<std::string> environment_;
  std::string spool_directory_;
  detail::unique_fd spool_;
  std::uint64_t spooled_ = 0;
  milliseconds timeout_;
  detail::mda_process process_;
};

class mda_delivery final : public delivery {
 public:
  mda_delivery(std::string command, line_ending ends, milliseconds timeout)
      : command_(std::move(command)), ends_(ends), timeout_(timeout) {}

  result<std::unique_ptr<delivery_sink>> begin(const message_info& message,
                                               std::string& why) override {
    try {
      std::string directory = spool_directory();
      detail::unique_fd spool;
      if (const int error_number = create_spool(directory, spool)) {
        why = detail::cannot("create a spool file in", directory, error_number);
        return unexpected(error(errc::io_error, {}, {}, error_number));
      }
      std::vector<std::string> environment = {"POP3_ACCOUNT=" + message.account,
                                              "POP3_UID=" + message.uid};
      auto storage = std::make_unique<mda_message>(
          command_, std::move(environment), std::move(directory), std::move(spool), timeout_);
      return std::unique_ptr<delivery_sink>(
          std::make_unique<detail::sink_chain>(std::move(storage), ends_, false));
    } catch (...) {
      why = "cannot begin a message for the MDA: out of memory";
      return unexpected(error(errc::io_error, {}, {}, ENOMEM));
    }
  }

  std::string describe() const override { return "mda " + command_; }

 private:
  std::string command_;
  line_ending ends_;
  milliseconds timeout_;
};

}  // namespace

result<std::unique_ptr<delivery>> open_mda(const std::string& command, line_ending ends,
                                           milliseconds timeout, std::string& why) {
  try {
    if (command.find_first_not_of(" \t\n") == std::string::npos) {
      why = "no MDA command given";
      return unexpected(errc::invalid_argument);
    }
    return std::unique_ptr<delivery>(std::make_unique<mda_delivery>(command, ends, timeout));
  } catch (...) {
    why = "cannot set up the MDA: out of memory";
    return unexpected(error(errc::io_error, {}, {}, ENOMEM));
  }
}

}  // namespace pop3::agent
