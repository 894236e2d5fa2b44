// The engine's implementation behind the pop3::engine facade. engine_core.cpp reads replies
// and hands out events; command_writer.cpp validates and serialises commands.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "body_decoder.hpp"
#include "command_table.hpp"
#include "pop3/engine.hpp"
#include "reply_queue.hpp"

namespace pop3::detail {

class engine_core {
 public:
  explicit engine_core(const engine_config& config);

  // Getters (see engine.hpp for the contracts).
  session_state state() const noexcept;
  const capabilities& server_capabilities() const noexcept { return capabilities_; }
  reply_info last_reply() const noexcept;
  std::string_view apop_timestamp() const noexcept { return {apop_.get(), apop_size_}; }
  bool want_read() const noexcept;
  bool want_write() const noexcept { return out_end_ > out_begin_; }
  std::size_t in_flight() const noexcept;
  const std::optional<error>& failure() const noexcept { return failure_; }
  std::uint32_t highest_message() const noexcept { return highest_message_; }
  const engine_config& config() const noexcept { return config_; }

  // Input.
  std::span<char> receive_space() noexcept;
  result<void> commit_received(std::size_t n) noexcept;
  void feed_eof() noexcept { eof_ = true; }

  // Commands (command_writer.cpp).
  result<void> submit(const command& c) noexcept;
  result<void> tls_established() noexcept;

  // Output.
  std::span<const char> pending_output() const noexcept {
    return {out_.get() + out_begin_, out_end_ - out_begin_};
  }
  void consume_output(std::size_t n) noexcept;
  result<std::optional<event>> next_event() noexcept;

 private:
  enum class phase : unsigned char {
    status,    ///< waiting for the status line of the queue's front
    listing,   ///< inside a multi-line listing (LIST, UIDL, CAPA, LANG)
    body,      ///< inside a RETR/TOP body
    tls_wait,  ///< STLS accepted; nothing may be read until the handshake is done
  };

  // Reading (engine_core.cpp).
  result<std::optional<event>> next_status_event() noexcept;
  result<std::optional<event>> next_listing_event() noexcept;
  result<std::optional<event>> next_body_event() noexcept;
  result<std::optional<event>> on_status_line(std::string_view line) noexcept;
  result<std::optional<event>> on_ok(const expected_reply& answered) noexcept;
  result<std::optional<event>> on_listing_line(std::string_view line) noexcept;
  /// The next CRLF-terminated line (without CRLF), nullopt if incomplete.
  result<std::optional<std::string_view>> take_line(std::size_t limit, command_kind kind) noexcept;
  result<bool> mark_listed(std::uint32_t message) noexcept;
  void store_reply(bool ok, command_kind kind, std::string_view text, resp_code code,
                   std::string_view code_text) noexcept;
  std::uint32_t listing_limit() const noexcept;
  unexpected fail(errc code, command_kind kind = command_kind::none) noexcept;
  void trace(trace_kind kind, std::string_view line) const noexcept;

  // Writing (command_writer.cpp).
  result<void> check_allowed(const command& c) const noexcept;
  result<void> write_line(std::string_view line, std::size_t limit) noexcept;
  result<void> submit_sasl_response(const command& c) noexcept;
  void recompute_projection() noexcept;

  engine_config config_;

  std::unique_ptr<char[]> in_;  // receive buffer: [in_begin_, in_end_) is unread
  std::size_t in_begin_ = 0, in_end_ = 0, in_scanned_ = 0;
  std::unique_ptr<char[]> out_;  // output buffer: [out_begin_, out_end_) is unsent
  std::size_t out_begin_ = 0, out_end_ = 0;
  std::unique_ptr<char[]> reply_;  // copy of the last status line's text and code
  reply_info reply_info_{};
  std::unique_ptr<char[]> apop_;
  std::size_t apop_size_ = 0;
  std::unique_ptr<std::uint64_t[]> listed_;  // bitmap of message numbers seen in a listing
  std::size_t listed_words_used_ = 0;

  reply_queue queue_;
  session_position position_;   // as of the replies received
  session_position projected_;  // as it will be if every queued command succeeds
  phase phase_ = phase::status;
  expected_reply current_{};  // the multi-line reply being read
  body_decoder body_;
  std::uint64_t body_octets_ = 0;
  std::size_t listing_lines_ = 0;
  capabilities capabilities_;
  std::uint32_t highest_message_ = 0;
  std::uint32_t deleted_ = 0;  // DELEs acknowledged since the last RSET
  bool maildrop_known_ = false;
  bool sasl_challenge_pending_ = false;
  bool eof_ = false;
  bool closed_reported_ = false;
  std::optional<event> follow_up_;  // an event that completes the one just returned
  std::optional<error> failure_;
};

}  // namespace pop3::detail
