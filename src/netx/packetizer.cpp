#include "packetizer.hpp"

#include <algorithm>
#include <cstring>

namespace pop3::netx {
namespace {

constexpr std::string_view terminator = "\r\n.\r\n";

/// The length of the longest suffix of `data` that is a proper prefix of the terminator:
/// bytes that may yet become a terminator split across reads.
std::size_t partial_terminator_suffix(std::string_view data) {
  for (std::size_t n = std::min<std::size_t>(data.size(), terminator.size() - 1); n > 0; --n)
    if (data.substr(data.size() - n) == terminator.substr(0, n)) return n;
  return 0;
}

}  // namespace

void packetizer::reset(body_format format) noexcept {
  format_ = format;
  held_size_ = 0;
  piece_ = {};
  have_piece_ = false;
  piece_last_ = false;
}

void packetizer::take(unsigned char* out, std::size_t n) noexcept {
  const std::size_t from_held = std::min(n, held_size_);
  std::memcpy(out, held_, from_held);
  std::memmove(held_, held_ + from_held, held_size_ - from_held);
  held_size_ -= from_held;
  const std::size_t from_piece = n - from_held;
  if (from_piece) std::memcpy(out + from_held, piece_.data(), from_piece);
  piece_.remove_prefix(from_piece);
}

void packetizer::hold_rest_of_piece() noexcept {
  std::memcpy(held_ + held_size_, piece_.data(), piece_.size());
  held_size_ += piece_.size();
  piece_ = {};
}

result<packetizer::packet_fill> packetizer::fill(session& s, unsigned char* packet,
                                                 std::size_t capacity) {
  const bool wire = format_ == body_format::wire;
  for (;;) {
    if (!have_piece_) {
      auto piece = s.read_body_piece();
      if (!piece) return unexpected(piece.error());
      piece_ = piece->bytes;
      piece_last_ = piece->last;
      have_piece_ = true;
    }
    const std::size_t total = available();
    if (piece_last_) {
      if (total <= capacity) {  // the final packet
        take(packet, total);
        have_piece_ = false;
        const std::string_view content(reinterpret_cast<const char*>(packet), total);
        return packet_fill{total, true, wire && (content == terminator || content == ".\r\n")};
      }
      // Too much for one packet: cut so that the final packet keeps the whole terminator.
      const std::size_t cut =
          wire ? std::max<std::size_t>(1, std::min(capacity, total - 5)) : capacity;
      take(packet, cut);
      return packet_fill{cut, false, false};
    }
    // The message goes on: hand out what cannot be part of a terminator.
    std::size_t size = std::min(capacity, total);
    if (wire) {
      // The candidate packet is held_ + the start of piece_; look at its end.
      unsigned char window[8];
      const std::size_t tail = std::min<std::size_t>(size, 4);
      const std::size_t tail_from = size - tail;
      for (std::size_t i = 0; i < tail; ++i) {
        const std::size_t at = tail_from + i;
        window[i] =
            at < held_size_ ? held_[at] : static_cast<unsigned char>(piece_[at - held_size_]);
      }
      size -=
          partial_terminator_suffix(std::string_view(reinterpret_cast<const char*>(window), tail));
    }
    if (size > 0) {
      take(packet, size);
      return packet_fill{size, false, false};
    }
    // Only a possible terminator start is left: keep it and read on.
    hold_rest_of_piece();
    have_piece_ = false;
  }
}

}  // namespace pop3::netx
