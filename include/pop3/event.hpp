/// \file
/// Events the engine hands out from engine::next_event().
///
/// Lifetime of views: every std::string_view and span in an event points into the engine's
/// buffers and stays valid until the next non-const call on the engine (next_event, feed,
/// receive_space, commit_received, feed_eof, submit, consume_output, tls_established). Copy
/// what you need to keep. Events themselves never allocate.
///
/// Order: for each command the engine emits exactly one `ok` or `err` (for the greeting:
/// `greeting` or `err`). After an `ok`, a command with more to say emits more events:
///
/// ```
/// STAT      -> stat_info
/// LIST n    -> list_item               LIST   -> list_item*  listing_end
/// UIDL n    -> uidl_item               UIDL   -> uidl_item*  listing_end
/// CAPA      -> capa_item* listing_end  LANG   -> lang_item*  listing_end
/// RETR, TOP -> body_chunk* body_end
/// STLS      -> start_tls (the driver runs the TLS handshake, then engine::tls_established)
/// ```
///
/// AUTH emits sasl_challenge for every "+ " continuation before its final ok or err.
/// `closed` is emitted once when the server ends the connection after QUIT or while idle.
#pragma once

#include <cstdint>
#include <string_view>
#include <variant>

#include "pop3/protocol.hpp"

namespace pop3 {

/// The alternatives of pop3::event, one struct per kind of event.
namespace events {

/// The server's +OK greeting.
struct greeting {
  std::string_view text;             ///< the text after "+OK " (may be empty)
  std::string_view apop_timestamp;   ///< "<...@...>" if valid (apop.hpp), else empty
  resp_code code = resp_code::none;  ///< the response code of the greeting, if any
  std::string_view code_text;        ///< the code as sent, without brackets ("SYS/TEMP")
};

/// The status line of a reply. `text` excludes the indicator and the response code.
struct reply {
  command_kind command = command_kind::none;  ///< the command answered
  std::uint32_t message = 0;                  ///< the message number the command named, else 0
  std::string_view text;             ///< the text after the indicator and the response code
  resp_code code = resp_code::none;  ///< the RFC 2449/3206 response code, if any
  std::string_view code_text;        ///< the code as sent, without brackets ("IN-USE")
};

/// +OK to a command.
struct ok : reply {};
/// -ERR to a command (or to the greeting, with command == greeting; the session is closed).
struct err : reply {};

/// STAT: number of messages and size of the maildrop in octets.
struct stat_info {
  std::uint32_t count = 0;   ///< messages in the maildrop (not counting those marked deleted)
  std::uint64_t octets = 0;  ///< their total size in octets
};

/// One line of LIST, or the reply to LIST n.
struct list_item {
  std::uint32_t message = 0;  ///< the message number (1-based)
  std::uint64_t octets = 0;   ///< its size in octets, as the server counts them
};

/// One line of UIDL, or the reply to UIDL n. The uid is 1-70 octets of 0x21-0x7E.
struct uidl_item {
  std::uint32_t message = 0;  ///< the message number (1-based)
  std::string_view uid;       ///< its unique-id
};

/// One capability line of CAPA: its tag ("SASL") and the rest of the line ("PLAIN LOGIN").
struct capa_item {
  std::string_view name;       ///< the capability's tag ("SASL")
  std::string_view arguments;  ///< the rest of the line, possibly empty ("PLAIN LOGIN")
};

/// One line of the LANG listing (RFC 6856): a language tag and its description.
struct lang_item {
  std::string_view tag;          ///< the language tag ("en")
  std::string_view description;  ///< the rest of the line (the server's description)
};

/// The end of a multi-line listing (LIST, UIDL, CAPA, LANG).
struct listing_end {
  command_kind command = command_kind::none;  ///< the command whose listing ended
};

/// Message data of RETR or TOP, in the command's body_format.
struct body_chunk {
  command_kind command = command_kind::none;  ///< retr or top
  std::uint32_t message = 0;                  ///< the message number the command named
  std::string_view bytes;                     ///< the data (may be empty)
  /// True if this chunk completes the message (body_end comes next). The last chunk may also
  /// be an earlier one with last == false: then body_end arrives on its own.
  bool last = false;
};

/// The message of RETR or TOP is complete (its terminator was received).
struct body_end {
  command_kind command = command_kind::none;  ///< retr or top
  std::uint32_t message = 0;                  ///< the message number the command named
  std::uint64_t octets = 0;                   ///< total bytes handed out in body_chunk events
};

/// The server accepted STLS: run the TLS handshake now, then call engine::tls_established().
struct start_tls {};

/// A "+ " continuation during AUTH: the challenge as sent (base64, not decoded).
struct sasl_challenge {
  std::string_view data;  ///< the text after "+ " (possibly empty)
};

/// The server closed the connection when no reply was due (after QUIT, or idle).
struct closed {};

}  // namespace events

/// Whatever engine::next_event() hands out: one of the structs of pop3::events.
using event =
    std::variant<events::greeting, events::ok, events::err, events::stat_info, events::list_item,
                 events::uidl_item, events::capa_item, events::lang_item, events::listing_end,
                 events::body_chunk, events::body_end, events::start_tls, events::sasl_challenge,
                 events::closed>;

}  // namespace pop3
