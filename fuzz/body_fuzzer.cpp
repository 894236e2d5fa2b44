// body_fuzzer: the multi-line reader and dot-unstuffing of RETR/TOP data.
//
// Input: byte 0 chooses the mode, bytes 1-4 the piece sizes, the rest is the data.
//  mode bit 0 clear — raw: the data is fed as whatever follows "+OK" to RETR 1 (decoded or
//    wire format by bit 1), then EOF. Oracles: the driver's, and a body_end's octet count
//    equals the bytes handed out.
//  mode bit 0 set — round trip (stuff, then the engine unstuffs): the data is a message
//    body. A message is a sequence of lines each ending in CRLF (bare CR and LF are data), so
//    the original is the data with CRLF appended unless it is empty or already ends in CRLF.
//    The fuzzer dot-stuffs it as a server does (a line starting with "." gets another "."),
//    appends ".\r\n" and feeds it. The engine must deliver exactly the original in decoded
//    format and exactly the stuffed bytes, terminator included, in wire format, then
//    body_end with that octet count, then nothing more.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "pop3/engine.hpp"
#include "support/dot_stuffing.hpp"
#include "support/engine_driver.hpp"
#include "support/fuzz_target.hpp"
#include "support/input_reader.hpp"

namespace {

using namespace pop3;

// Compares delivered chunks with the expected bytes as they arrive.
struct expected_body {
  std::string_view expected;
  std::size_t delivered = 0;
  bool ended = false;

  void chunk(std::string_view bytes) {
    if (ended || bytes.size() > expected.size() - delivered ||
        std::memcmp(bytes.data(), expected.data() + delivered, bytes.size()) != 0)
      __builtin_trap();
    delivered += bytes.size();
  }
  void end(std::uint64_t octets) {
    if (ended || delivered != expected.size() || octets != delivered) __builtin_trap();
    ended = true;
  }
};

void raw_body(std::string_view data, fuzz::piece_sizes& sizes, body_format format) {
  auto eng = engine::create(fuzz::small_engine_config()).value();
  fuzz::engine_driver driver(eng);
  fuzz::log_in(driver, eng);
  if (!driver.submit(cmd::retr(1, format))) __builtin_trap();
  std::uint64_t handed_out = 0;
  const auto check = [&](const event& ev) {
    if (const auto* c = std::get_if<events::body_chunk>(&ev)) handed_out += c->bytes.size();
    if (const auto* e = std::get_if<events::body_end>(&ev))
      if (e->octets != handed_out) __builtin_trap();
  };
  if (driver.feed(data, sizes, check)) driver.eof(check);
}

void round_trip(std::string_view data, fuzz::piece_sizes& sizes, body_format format) {
  std::string original(data);
  if (!original.empty() && !original.ends_with("\r\n")) original += "\r\n";
  const std::string stuffed = fuzz::dot_stuff(original);
  const std::string wire = "+OK\r\n" + stuffed;

  auto eng = engine::create(fuzz::small_engine_config()).value();
  fuzz::engine_driver driver(eng);
  fuzz::log_in(driver, eng);
  if (!driver.submit(cmd::retr(1, format))) __builtin_trap();
  expected_body body{format == body_format::decoded ? std::string_view(original) : stuffed};
  const auto check = [&](const event& ev) {
    if (const auto* c = std::get_if<events::body_chunk>(&ev)) body.chunk(c->bytes);
    if (const auto* e = std::get_if<events::body_end>(&ev)) body.end(e->octets);
  };
  if (!driver.feed(wire, sizes, check) || !body.ended) __builtin_trap();
  if (eng.in_flight() != 0) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::input_reader in(data, size);
  const auto mode = in.byte();
  fuzz::piece_sizes sizes(in);
  const auto format = mode & 2 ? body_format::wire : body_format::decoded;
  if (mode & 1)
    round_trip(in.rest(), sizes, format);
  else
    raw_body(in.rest(), sizes, format);
  return 0;
}
