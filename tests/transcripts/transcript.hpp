// Golden transcripts: files of S:/C:/E: lines replayed through the engine.
//
//   # comment                  ignored
//   S: +OK ready <a@b>         server line; CRLF is appended; \r \n \t \\ \xHH escapes;
//                              it is fed only after the C: lines above it were submitted
//   S-: partial                server bytes without CRLF appended
//   C: APOP mrose 1234...      a command line; the harness submits the typed command parsed
//                              from it and asserts that exactly this line (plus CRLF) is sent
//   E: ok APOP "text"          an expected event (event_text.hpp); a C: line is submitted once
//                              every E: line above it has been seen
//   @password tanstaaf         the password APOP commands are built with
//   @wire                      the next RETR/TOP asks for body_format::wire
//   EOF                        the server closes the connection after its last byte
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "pop3/engine.hpp"

namespace pop3::test {

struct transcript_command {
  std::string line;          ///< the C: line, unescaped, without CRLF
  std::size_t after_events;  ///< submit once this many events were seen
  bool wire_format = false;
};

struct transcript {
  std::string name;
  std::string password;
  std::vector<transcript_command> commands;
  std::string server_bytes;  ///< every S: line, concatenated
  /// A server only answers commands it has received: the bytes up to `end` may reach the
  /// client only once `commands_before` commands were submitted.
  struct gate {
    std::size_t end = 0;
    std::size_t commands_before = 0;
  };
  std::vector<gate> gates;
  bool eof = false;
  std::vector<std::string> expected_events;
};

/// Parses a transcript file; aborts the test with a message on a malformed file.
transcript load_transcript(const std::filesystem::path& file);

/// Turns a C: line into the typed command that should produce it. `storage` keeps strings
/// the command points to.
command command_from_line(const transcript_command& c, const std::string& password);

struct replay_result {
  std::vector<std::string> events;  ///< event_log lines, ending in "error NAME" on failure
  std::string client_bytes;         ///< everything the engine asked to send
  std::size_t commands_submitted = 0;
};

/// Replays `t` feeding the server bytes in pieces of the given sizes (the last size repeats;
/// {} means everything at once).
replay_result replay(const transcript& t, const std::vector<std::size_t>& piece_sizes,
                     const engine_config& config = {});

/// Replays `t` with the server bytes split in two at `offset`.
replay_result replay_split_at(const transcript& t, std::size_t offset,
                              const engine_config& config = {});

/// Every C: line with CRLF, concatenated: what the client must have sent.
std::string expected_client_bytes(const transcript& t);

}  // namespace pop3::test
