// packet_fuzzer: the NetX API's packetizer (src/netx/packetizer.hpp), which hands a message
// out in NetX packets as nx_pop3_client_mail_item_message_get() does. In wire format the
// "\r\n.\r\n" terminator must end the final packet whole, never split across two packets, and a
// final packet of nothing but terminator bytes is flagged; in decoded format the packets hold
// the message itself. It reads from a real pop3::session over the in-memory transport, behind
// a scripted server (session_script.hpp) whose reads are cut at input-chosen sizes.
//
// Input: byte 0: bit 0 wire format (else decoded), bit 1 raw (the rest is the server's RETR
// reply as is; else it is a message body the fuzzer dot-stuffs and terminates); byte 1, N
// modulo 8: N read split sizes follow; then 4 packet capacities (8 + byte, as the NetX
// client's payload sizes vary with the pool); the rest is the data.
// Oracles (besides ASan/UBSan), for every packet: size within its capacity, and above 0
// unless it is the final one; the final flag once, at the end. For a well-formed message:
// the packets joined are exactly the body (decoded), or exactly the stuffed body and its
// terminator (wire), the final packet ends with the whole terminator and is flagged
// terminator-only exactly when it holds nothing else. For a raw reply: a message that ends
// ends with its terminator (wire), and an error ends the download.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "packetizer.hpp"
#include "pop3/fault_transport.hpp"
#include "pop3/session.hpp"
#include "session_script.hpp"
#include "support/dot_stuffing.hpp"
#include "support/fuzz_target.hpp"
#include "support/input_reader.hpp"

namespace {

using namespace pop3;

constexpr std::string_view terminator = "\r\n.\r\n";

struct download {
  std::string joined;  // every packet's bytes, in order
  std::string last;    // the final packet's bytes
  bool ended = false;  // a final packet came; else a fill() failed
  bool terminator_only = false;
};

download run(session& s, body_format format, const std::size_t (&capacities)[4]) {
  netx::packetizer packets;
  packets.reset(format);
  download d;
  std::vector<unsigned char> buffer(8 + 255);
  for (std::size_t turn = 0;; ++turn) {
    const std::size_t capacity = capacities[turn % 4];
    auto fill = packets.fill(s, buffer.data(), capacity);
    if (!fill) return d;  // the scripted server never stalls: no timeout to retry after
    if (fill->size > capacity) __builtin_trap();
    if (fill->size == 0 && !fill->final) __builtin_trap();  // an empty packet mid-message
    const std::string_view bytes(reinterpret_cast<const char*>(buffer.data()), fill->size);
    d.joined += bytes;
    if (fill->final) {
      d.ended = true;
      d.last = bytes;
      d.terminator_only = fill->terminator_only;
      return d;
    }
    if (fill->terminator_only) __builtin_trap();  // only a final packet can be one
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::input_reader in(data, size);
  const std::uint8_t mode = in.byte();
  const bool wire = mode & 1;
  const bool raw = mode & 2;
  fault_plan plan;
  const std::size_t splits = in.byte() % 8;
  for (std::size_t i = 0; i < splits; ++i)
    plan.read_splits.push_back(in.byte());
  plan.repeat_last = true;
  std::size_t capacities[4];
  for (std::size_t& c : capacities)
    c = 8 + in.byte();
  const std::string_view rest = in.rest();

  // A message ends with a line end: the body the user sees, and what the server sends.
  std::string message(rest);
  if (!message.empty() && !message.ends_with("\r\n")) message += "\r\n";
  const std::string stuffed = fuzz::dot_stuff(message);
  const std::string retr_reply = raw ? std::string(rest) : "+OK\r\n" + stuffed;

  const std::vector<std::string_view> segments = {"+OK\r\n", "+OK\r\n", "+OK\r\n", retr_reply};
  fuzz::scripted_server server(segments);
  download d;
  bool began = false;
  {
    auto connection = std::make_unique<fault_transport>(server.client_end(), plan);
    auto s = session::start(std::move(connection), {});
    if (!s || !s->login("u", "p")) __builtin_trap();  // the first three replies are fixed
    const body_format format = wire ? body_format::wire : body_format::decoded;
    began = s->begin_retr(1, format).has_value();
    if (began) d = run(*s, format, capacities);
  }

  if (raw) {
    // Anything may come; what ends must end with the terminator.
    if (began && d.ended && wire && !d.joined.ends_with(terminator) && d.joined != ".\r\n")
      __builtin_trap();
    return 0;
  }
  if (!began || !d.ended) __builtin_trap();  // a well-formed message must arrive
  if (!wire) {
    if (d.joined != message || d.terminator_only) __builtin_trap();
    return 0;
  }
  if (d.joined != stuffed) __builtin_trap();
  if (message.empty()) {
    if (d.last != ".\r\n" || !d.terminator_only) __builtin_trap();
  } else {
    if (!d.last.ends_with(terminator)) __builtin_trap();  // the terminator was split
    if (d.terminator_only != (d.last == terminator)) __builtin_trap();
  }
  return 0;
}
