// MDA delivery: the message goes to a command's standard input, and only its exit status 0
// says it took the message. Whatever else happens, the command is killed and reaped.
#include <sys/wait.h>

#include <cerrno>
#include <utility>

#include "delivery/delivery.hpp"
#include "delivery/mda_process.hpp"
#include "delivery/sink_chain.hpp"
#include "delivery/storage_sink.hpp"

namespace pop3::agent {

namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

class mda_message final : public detail::storage_sink {
 public:
  explicit mda_message(milliseconds timeout) : timeout_(timeout) {}
  mda_message(const mda_message&) = delete;
  mda_message& operator=(const mda_message&) = delete;
  ~mda_message() override { undo_if_unfinished(); }

  detail::mda_process& process() noexcept { return process_; }

 private:
  result<void> store(std::string_view bytes) override {
    const int error_number = process_.write_input(bytes, timeout_);
    if (error_number == 0) return {};
    if (error_number == ETIMEDOUT)
      return fail(
          "the MDA took no data for " + std::to_string(timeout_.count()) + " ms; it was killed",
          ETIMEDOUT);
    std::string words = detail::cannot("write to", "the MDA", error_number);
    if (error_number == EPIPE) {
      // It stopped reading: its exit status, if it comes soon, tells the user why.
      process_.close_input();
      int status = 0;
      if (process_.wait_until(steady_clock::now() + timeout_, status) ==
          detail::mda_process::wait_outcome::exited)
        words += " (" + detail::describe_wait_status(status) + ")";
    }
    return fail(std::move(words), error_number);
  }

  result<void> complete() override {
    process_.close_input();
    int status = 0;
    switch (process_.wait_until(steady_clock::now() + timeout_, status)) {
      case detail::mda_process::wait_outcome::exited:
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
        return fail(detail::describe_wait_status(status), 0);
      case detail::mda_process::wait_outcome::running:
        return fail("the MDA did not exit within " + std::to_string(timeout_.count()) +
                        " ms after the end of the message; it was killed",
                    ETIMEDOUT);
      case detail::mda_process::wait_outcome::lost:
        break;
    }
    return fail(
        "cannot learn the MDA's exit status: it was reaped elsewhere (is SIGCHLD "
        "ignored?)",
        ECHILD);
  }

  void undo() noexcept override { process_.kill_and_reap(); }

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
      auto storage = std::make_unique<mda_message>(timeout_);
      const std::vector<std::string> environment = {"POP3_ACCOUNT=" + message.account,
                                                    "POP3_UID=" + message.uid};
      if (const int error_number = storage->process().start(command_, environment, why))
        return unexpected(error(errc::io_error, {}, {}, error_number));
      return std::unique_ptr<delivery_sink>(
          std::make_unique<detail::sink_chain>(std::move(storage), ends_, false));
    } catch (...) {
      why = "cannot start the MDA: out of memory";
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
