// Deterministic sample mail for tests and demos that retrieve messages from a real POP3 server
// and compare them byte for byte with what was stored.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pop3::test {

struct sample_message {
  // Unique within a generated set and across seeds; also in the message as "X-Sample-Id: <id>".
  // It names the kind of edge case, e.g. "sample-1-0002-dot-lines".
  std::string id;
  // The exact bytes of the Maildir file: LF line ends, every message ends with LF, no NUL and no
  // bare CR (so that wire() stays a plain LF -> CRLF mapping).
  std::string stored;

  // What a POP3 RETR delivers after dot-unstuffing: Dovecot sends every LF as CRLF. Also the
  // size LIST reports for the message.
  std::string wire() const;
};

struct sample_options {
  std::size_t count = 36;
  std::uint32_t seed = 1;
  // Exact stored size of the one multi-MiB message; 0 = no big message.
  std::size_t big_message_bytes = 5u << 20;
};

// A few dozen realistic RFC 5322 messages. The first ones are the edge cases, in this order (a
// smaller count keeps a prefix): a plain message, a tiny one, lines starting with "." (including
// lines that are exactly "." and ".."), an empty body, lines longer than 998 octets (1500 and
// 10000), 8-bit bytes (UTF-8 and raw 0x80-0xFF), a multipart MIME message, the big message (a
// plain one when big_message_bytes is 0), and a body that is a lone "." line. The rest are plain
// messages of 0.3-40 KiB. The same options always give the same bytes.
std::vector<sample_message> generate_sample_mail(const sample_options& options);

// Many small (2-6 KiB) realistic messages, e.g. for pipelining tests; a few lines start with ".".
std::vector<sample_message> generate_small_mail(std::size_t count, std::uint32_t seed);

// Writes each message as its own file into MAILDIR/new (creating MAILDIR/{cur,new,tmp} when
// missing; each file goes through tmp/ and is renamed into new/). File names make Dovecot number
// the messages in vector order after the ones already in the Maildir: Dovecot assigns UIDs to new
// files sorted by the leading timestamp of their name, and POP3 numbers follow UIDs. Names are
// never reused, because Dovecot's dovecot-uidlist caches sizes by file name. Files (and
// directories this call creates) are chowned to owner (uid, gid) when given. Throws
// std::filesystem::filesystem_error or std::system_error on failure.
void write_maildir(const std::filesystem::path& maildir,
                   const std::vector<sample_message>& messages,
                   std::optional<std::pair<unsigned, unsigned>> owner = std::nullopt);

}  // namespace pop3::test
