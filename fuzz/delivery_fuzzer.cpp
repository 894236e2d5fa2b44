// delivery_fuzzer: the streaming conversions every message passes through on its way from
// the server to disk in `pop3 fetch` (src/agent/delivery/sink_chain.hpp): CRLF to LF
// (pop3::lf_sink) and mboxrd "From " quoting (mboxrd_quoting_sink), alone and chained as
// sink_chain chains them. Both keep state across chunk boundaries (a CR waiting for its LF,
// a line start of '>'s and part of "From " not decided yet), which is where a streaming
// rewrite goes wrong.
//
// Input: byte 0 chooses the conversions (bit 0: CRLF to LF, bit 1: mboxrd quoting), bytes
// 1-4 the chunk sizes (as the other targets' piece sizes), the rest is the message.
// Oracles (besides ASan/UBSan): whatever the chunking, the output equals this file's own
// whole-message conversion (every CRLF becomes LF; every line matching ^>*"From " gets one
// more '>'); unquoting the quoted text (one '>' less on every line matching ^>+"From ")
// gives back exactly what went in; the final sink gets exactly one finish() and nothing
// after it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "delivery/mboxrd_quoting.hpp"
#include "pop3/sink.hpp"
#include "support/engine_driver.hpp"
#include "support/fuzz_target.hpp"
#include "support/input_reader.hpp"

namespace {

using namespace pop3;

constexpr std::string_view from_space = "From ";

/// The end of the pipeline: keeps every byte, counts finish() and writes after it.
class collecting_sink final : public body_sink {
 public:
  result<void> write(std::string_view bytes) override {
    if (finishes_ != 0) __builtin_trap();  // data after the message ended
    text_.append(bytes);
    return {};
  }
  result<void> finish() override {
    ++finishes_;
    return {};
  }
  void abort(const error&) noexcept override { __builtin_trap(); }  // nothing here fails

  const std::string& text() const noexcept { return text_; }
  int finishes() const noexcept { return finishes_; }

 private:
  std::string text_;
  int finishes_ = 0;
};

std::string crlf_to_lf(std::string_view in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i)
    if (!(in[i] == '\r' && i + 1 < in.size() && in[i + 1] == '\n')) out += in[i];
  return out;
}

/// Whether `line` matches ^>{at_least,}"From ".
bool is_from_line(std::string_view line, std::size_t at_least) {
  std::size_t greater_than = 0;
  while (greater_than < line.size() && line[greater_than] == '>')
    ++greater_than;
  return greater_than >= at_least && line.substr(greater_than).starts_with(from_space);
}

/// Applies `change` to every line (a line ends after each LF; the last may have none).
template <class Change>
std::string per_line(std::string_view in, Change&& change) {
  std::string out;
  while (!in.empty()) {
    const std::size_t end = in.find('\n');
    const std::size_t length = end == std::string_view::npos ? in.size() : end + 1;
    change(in.substr(0, length), out);
    in.remove_prefix(length);
  }
  return out;
}

std::string quote(std::string_view in) {
  return per_line(in, [](std::string_view line, std::string& out) {
    if (is_from_line(line, 0)) out += '>';
    out += line;
  });
}

std::string unquote(std::string_view in) {
  return per_line(in, [](std::string_view line, std::string& out) {
    out += is_from_line(line, 1) ? line.substr(1) : line;
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::input_reader in(data, size);
  const std::uint8_t conversions = in.byte();
  fuzz::piece_sizes sizes(in);
  const std::string_view message = in.rest();
  const bool to_lf = conversions & 1;
  const bool quoting = conversions & 2;

  // Built as sink_chain builds it: [CRLF -> LF] -> [mboxrd quoting] -> storage.
  collecting_sink storage;
  agent::detail::mboxrd_quoting_sink quoter(storage);
  body_sink& after_lf = quoting ? static_cast<body_sink&>(quoter) : storage;
  lf_sink lf(after_lf);
  body_sink& head = to_lf ? static_cast<body_sink&>(lf) : after_lf;

  std::string_view rest = message;
  while (!rest.empty()) {
    std::size_t chunk = sizes.next();
    if (chunk == 0 || chunk > rest.size()) chunk = rest.size();
    if (!head.write(rest.substr(0, chunk))) __builtin_trap();
    rest.remove_prefix(chunk);
  }
  if (!head.finish()) __builtin_trap();
  if (storage.finishes() != 1) __builtin_trap();

  const std::string converted = to_lf ? crlf_to_lf(message) : std::string(message);
  const std::string expected = quoting ? quote(converted) : converted;
  if (storage.text() != expected) __builtin_trap();
  if (quoting && unquote(storage.text()) != converted) __builtin_trap();
  return 0;
}
