// The session fuzzer's input, decoded: which session to run (login method, pipelining, TLS
// policy, limits, faults) and what a scripted server says, in the manner of curl-fuzzer's
// RESPONSE0..n. And that server, played in-process over the in-memory transport pair.
//
// Input layout (the converter fuzz/make_session_seeds.py writes it):
//   byte 0   login method, modulo 8 (see login_choice)
//   byte 1   session bits (see the *_bit constants)
//   byte 2   fault bits: bits 0-1 the fault_kind (0 or 3: none, 1: fail, 2: close),
//            bit 2: the sink refuses the data of even-numbered messages
//   byte 3   the operation the fault strikes (fault_plan::at)
//   byte 4   N, modulo 8: how many read split sizes follow
//   N bytes  the split sizes (fault_plan::read_splits, the last one repeating)
//   rest     the server's replies: segments separated by "\n--\n". Segment 0 (the greeting)
//            is sent at once; segment i once the client has sent i lines.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pop3/auth.hpp"
#include "pop3/fault_transport.hpp"
#include "pop3/session.hpp"

namespace pop3::fuzz {

inline constexpr std::string_view segment_separator = "\n--\n";

inline constexpr std::uint8_t pipelining_bits = 0x03;  // automatic, on, off, on
inline constexpr std::uint8_t starttls_bit = 0x04;     // STLS required, else cleartext
inline constexpr std::uint8_t small_limits_bit = 0x08;
inline constexpr std::uint8_t delete_all_bit = 0x10;    // else only odd-numbered messages
inline constexpr std::uint8_t delete_first_bit = 0x20;  // the last listed one, up front
inline constexpr std::uint8_t skip_list_bit = 0x40;     // retrieve 1..STAT's count
inline constexpr std::uint8_t stop_early_bit = 0x80;    // go_on() says no after one RETR

inline constexpr std::uint8_t sink_refuses_even_bit = 0x04;  // in byte 2

struct session_script {
  auth_mechanism login = auth_mechanism::user;
  pipelining_mode pipelining = pipelining_mode::automatic;
  bool starttls = false;
  bool small_limits = false;
  bool delete_all = false;
  bool delete_first = false;
  bool skip_list = false;
  bool stop_early = false;
  bool sink_refuses_even = false;
  fault_plan faults;
  /// Views into the input, which outlives the run.
  std::vector<std::string_view> segments;
};

/// Never fails: a short input is a session with defaults and a server that says nothing.
session_script decode_session_script(std::span<const std::uint8_t> input);

/// The engine limits of a run: the defaults, or small ones that a short input can exceed.
engine_config engine_limits(bool small);

/// The server side: the far end of a memory pair, answering from the script. It never waits:
/// when the client wants data and the script has nothing more for it, the server closes its
/// end, so the client reads end of stream at once (curl-fuzzer's shutdown(SHUT_WR)).
class scripted_server {
 public:
  explicit scripted_server(std::vector<std::string_view> segments);

  /// The client's end, to wrap in a fault_transport and hand to open_session(). It must be
  /// destroyed before this server.
  std::unique_ptr<transport> client_end();

  /// Everything the client's end sent, as read at the server's end of the pair.
  const std::string& client_bytes() const noexcept { return client_bytes_; }

  /// Reads what the client sent so far (the client's end calls it after each write).
  void collect();
  /// Called when the client wants to read and nothing is buffered for it: sends the segments
  /// the client's lines have earned, or closes the server's end if there are none.
  void answer();
  /// Bytes sent to the client and not yet read by it.
  std::size_t unread() const noexcept { return sent_ - delivered_; }
  void delivered(std::size_t count) noexcept { delivered_ += count; }

 private:
  std::vector<std::string_view> segments_;
  std::unique_ptr<transport> server_end_;
  std::unique_ptr<transport> client_end_;
  std::string client_bytes_;
  std::size_t lines_ = 0;         // CRLFs in client_bytes_
  std::size_t next_segment_ = 0;  // the first segment not sent yet
  std::size_t sent_ = 0;          // bytes written to the client
  std::size_t delivered_ = 0;     // bytes the client read
  bool closed_ = false;
};

}  // namespace pop3::fuzz
