// Where `pop3 fetch` puts messages: a Maildir, an mboxrd file, or the standard input of a
// mail delivery agent (MDA). Every kind streams: memory does not grow with message size.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "pop3/result.hpp"
#include "pop3/sink.hpp"

namespace pop3::agent {

/// What is known of a message before its data arrives.
struct message_info {
  std::string account;     ///< the account's name (for the MDA's environment)
  std::string uid;         ///< from UIDL; empty if the server has none
  std::uint32_t number{};  ///< the message number in this session
  std::uint64_t size{};    ///< the size LIST announced (a hint; the data may differ)
};

/// Line ends of what is stored. The server sends CRLF; Unix mail tools expect LF.
enum class line_ending : std::uint8_t { lf, crlf };

/// One message being delivered, a body_sink (see pop3/sink.hpp for the order of calls).
/// write() takes the message as the server sent it (CRLF line ends, dot-unstuffed).
/// finish() returns success only when the message is durable:
///  - Maildir: the file in tmp/ written, fsync'ed, linked into new/ and new/ fsync'ed;
///  - mbox: appended, fsync'ed, and the locks released;
///  - MDA: the command read everything and exited with status 0.
/// abort() (or destruction without finish()) leaves nothing behind: the tmp/ file removed,
/// the mbox truncated back to its size before the message, the MDA killed and reaped.
/// Errors of write()/finish(): errc::sink_failed, with errno in error::system_error when a
/// system call failed; failure() then says what failed in words.
class delivery_sink : public body_sink {
 public:
  /// What went wrong, for the user: "cannot link tmp/X into new/: No space left on device".
  /// Empty while nothing has failed.
  virtual const std::string& failure() const noexcept = 0;
};

/// A destination. Not thread-safe: one message at a time per destination object.
class delivery {
 public:
  virtual ~delivery() = default;
  /// Starts one message. Returns nullptr-free sink or an error with the reason in `why`.
  virtual result<std::unique_ptr<delivery_sink>> begin(const message_info& message,
                                                       std::string& why) = 0;
  /// For messages: "maildir /home/a/Mail/work", "mbox /var/mail/a", "mda procmail -d a".
  virtual std::string describe() const = 0;
};

/// A Maildir at `directory`, created with cur/, new/ and tmp/ (and missing parents, mode
/// 0700) if it does not exist. Errors: errc::io_error with the reason in `why`.
result<std::unique_ptr<delivery>> open_maildir(const std::filesystem::path& directory,
                                               line_ending ends, std::string& why);

/// An mboxrd file, created (mode 0600) if it does not exist. Each message is appended under
/// an fcntl lock and a dotlock (FILE.lock), waiting at most `lock_timeout` for either.
result<std::unique_ptr<delivery>> open_mbox(const std::filesystem::path& file, line_ending ends,
                                            std::chrono::milliseconds lock_timeout,
                                            std::string& why);

/// A command run with /bin/sh -c for each message, the message on its standard input; its
/// environment has POP3_ACCOUNT and POP3_UID. Delivery succeeded only if it exits 0 within
/// `timeout` after the message's end.
result<std::unique_ptr<delivery>> open_mda(const std::string& command, line_ending ends,
                                           std::chrono::milliseconds timeout, std::string& why);

}  // namespace pop3::agent
