// What the fault tests of `pop3 fetch` share: three small messages and the scripted server's
// replies for them, the exact wire a correct client sends, one run of the program against a
// scripted server, and a per-test directory with a Maildir and a state directory.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "cleartext_pop3_server.hpp"
#include "run_process.hpp"

namespace pop3::test {

/// One message on the scripted server.
struct served_message {
  std::uint32_t number = 0;
  std::string uid;
  std::string wire;  ///< as RETR carries it after dot-unstuffing: CRLF line ends

  /// What a Maildir or an MDA stores (LF line ends).
  std::string stored() const;
  /// "+OK\r\n", the dot-stuffed data, ".\r\n".
  std::string retr_reply() const;
};

/// Three small messages (the second has lines starting with '.'), numbered 1-3 with the UIDs
/// "uid-1" to "uid-3".
const std::vector<served_message>& three_messages();

/// The password every server expects and every run is given (POP3_PASSWORD).
inline const std::string fault_password = "secret";

/// CAPA (USER, UIDL, and PIPELINING if `pipelining`), USER alice, PASS.
std::vector<cleartext_step> login_steps(bool pipelining);
/// LIST and UIDL of `messages`.
std::vector<cleartext_step> listing_steps(const std::vector<served_message>& messages);
/// "+OK\r\n1 SIZE\r\n...\r\n.\r\n" and "+OK\r\n1 UID\r\n...\r\n.\r\n".
std::string list_reply(const std::vector<served_message>& messages);
std::string uidl_reply(const std::vector<served_message>& messages);
/// What the client sends for login_steps() and listing_steps().
std::string login_wire();
std::string listing_wire();

/// A server that lists `messages` and answers every RETR and DELE of them, in any order: the
/// next run's server.
cleartext_server_options clean_server(const std::vector<served_message>& messages);

/// "RETR n\r\n", "DELE n\r\n".
std::string retr(std::uint32_t n);
std::string dele(std::uint32_t n);

/// One run of `pop3 fetch` against a scripted server.
struct fetch_run {
  process_result cli;
  std::string wire;  ///< every byte the client sent
  std::uint16_t port = 0;
};

/// A fresh directory per test (removed at the end) with a Maildir and a state directory, and
/// the program run against scripted servers.
class fetch_faults : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  /// Runs `pop3 fetch pop3://alice@127.0.0.1:PORT --tls none --auth user --maildir MAILDIR
  /// --state-dir STATE` plus `extra` against `server`, and waits for the server to finish.
  /// `delivery` replaces "--maildir MAILDIR" when not empty.
  fetch_run fetch(cleartext_pop3_server& server, const std::vector<std::string>& extra = {},
                  std::vector<std::string> delivery = {});

  /// The lines the program writes on stderr for every cleartext run, then `lines`, each after
  /// "pop3: alice@127.0.0.1:PORT: ".
  static std::string stderr_of(std::uint16_t port, const std::vector<std::string>& lines);
  /// The summary line on stdout: "alice@127.0.0.1:PORT: " + `rest` + "\n".
  static std::string summary_of(std::uint16_t port, const std::string& rest);

  /// The contents of MAILDIR/new, sorted; and whether MAILDIR/tmp and MAILDIR/cur are empty.
  std::vector<std::string> delivered() const;
  void expect_no_leftovers() const;

  /// The next run, on the same port (the UID state belongs to the account, whose name has the
  /// port), against clean_server(on_server): it must send DELE without RETR for each of
  /// `delivered_before`, then RETR and DELE for each of `fetched_now` (numbers of
  /// `on_server`; in that order, without pipelining), QUIT, exit 0 with no error on stderr,
  /// and print the summary of a run that delivered `fetched_now` and deleted both lists. The
  /// caller checks what is on disk.
  fetch_run expect_next_run(cleartext_pop3_server& server,
                            const std::vector<served_message>& on_server,
                            const std::vector<std::uint32_t>& delivered_before,
                            const std::vector<std::uint32_t>& fetched_now,
                            std::vector<std::string> delivery = {});

  std::filesystem::path root_;
  std::filesystem::path maildir_;
  std::filesystem::path state_;
};

/// Octets as the summary line shows them: "59 B", "140.7 KiB" (the sizes these tests use).
std::string size_words(std::uint64_t octets);

/// `text` with the name of every file in `directory` it mentions ("DIR/NAME:") replaced by
/// NAME: a Maildir's unique names are not known in advance.
std::string with_tmp_names_masked(std::string text, const std::filesystem::path& directory);

/// The messages of `messages` numbered `numbers` as the next session lists them: in order,
/// renumbered from 1 (RFC 1939 numbers the messages of each session afresh).
std::vector<served_message> still_on_server(const std::vector<served_message>& messages,
                                            const std::vector<std::uint32_t>& numbers);

/// The stored() of each of `messages` (by number, 1-based), sorted.
std::vector<std::string> stored_of(const std::vector<served_message>& messages,
                                   const std::vector<std::uint32_t>& numbers);

}  // namespace pop3::test
