// Hands a message out in NetX packets, as the NetX POP3 Client does: in wire format the bytes
// after the RETR status line with the "\r\n.\r\n" terminator at the end of the final packet —
// never split across two packets — and a final packet of nothing but terminator bytes counted
// as 0 bytes; in decoded format the message itself.
#pragma once

#include <cstddef>
#include <string_view>

#include "pop3/session.hpp"

namespace pop3::netx {

class packetizer {
 public:
  struct packet_fill {
    std::size_t size = 0;          ///< bytes written to the packet
    bool final = false;            ///< the message ends with this packet
    bool terminator_only = false;  ///< wire format: the packet holds only terminator bytes
  };

  /// Starts a message (after RETR's +OK).
  void reset(body_format format) noexcept;

  /// Fills `packet[0, capacity)` with the next data, reading from `s` as needed (capacity
  /// must be at least 8). Errors are read_body_piece()'s: after errc::timeout the message
  /// continues with the next call; after any other error it is over.
  result<packet_fill> fill(session& s, unsigned char* packet, std::size_t capacity);

 private:
  std::size_t available() const noexcept { return held_size_ + piece_.size(); }
  /// Copies the first n bytes of held_ + piece_ to `out` and drops them.
  void take(unsigned char* out, std::size_t n) noexcept;
  /// Moves what is left of piece_ into held_ (before piece_ becomes invalid).
  void hold_rest_of_piece() noexcept;

  body_format format_ = body_format::wire;
  // Bytes whose packet is not decided yet: at most a partial terminator ("\r\n.\r") while the
  // message goes on. They come before piece_.
  unsigned char held_[8] = {};
  std::size_t held_size_ = 0;
  std::string_view piece_;  // the unconsumed rest of the session's current piece
  bool have_piece_ = false;
  bool piece_last_ = false;
};

}  // namespace pop3::netx
