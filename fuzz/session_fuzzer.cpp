// Whole sessions of the real client against a scripted server (security-cases.md §7, 68):
// open_session() (cleartext or STLS required), authenticate() with the input's method, STAT,
// LIST, UIDL, then retrieve_and_delete() over the listed messages as `pop3 fetch` runs it,
// then QUIT. The input is decoded by session_script.hpp. Nothing sleeps or blocks: the
// scripted server answers in-process and closes as soon as it has nothing more to say.
//
// Oracles beyond ASan/UBSan (each a __builtin_trap()):
//   - DELE n is sent only after retrieved() saw message n complete and returned true;
//   - a sink gets exactly one finish() or abort(), and a successful RETR is a finished sink
//     holding exactly the octets reported;
//   - with STLS required (the server never really negotiates TLS), open_session() fails and
//     neither the credentials nor USER/PASS/APOP/AUTH are ever sent;
//   - the raw password is only ever sent by USER/PASS;
//   - listings respect the engine limits (count, UID length, uniqueness);
//   - the heap's peak during a run stays within a bound fixed by the engine limits and the
//     input's size (counted by sanitizer malloc/free hooks, so checked only under a
//     sanitizer), so no server claim ("+OK 1000000 messages") makes the client allocate
//     ahead of data.
#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "pop3/auth.hpp"
#include "pop3/connect.hpp"
#include "pop3/session.hpp"
#include "session_script.hpp"
#include "support/fuzz_target.hpp"
#include "support/sanitizer_hooks.hpp"

namespace pop3::fuzz {
namespace {

constexpr std::string_view user_name = "fuzzuser";
constexpr std::string_view password = "Pa55-fuzz-secret";
// Retrievals per run: enough for pipelining windows to fill, few enough to stay fast.
constexpr std::size_t max_retrievals = 64;

// Live heap bytes, counted only while a run is being measured.
struct heap_meter {
  bool on = false;
  std::int64_t live = 0;
  std::int64_t peak = 0;
};
heap_meter meter;

void on_malloc(const volatile void*, std::size_t size) {
  if (!meter.on) return;
  meter.live += static_cast<std::int64_t>(size);
  meter.peak = std::max(meter.peak, meter.live);
}

void on_free(const volatile void* p) {
  if (!meter.on || p == nullptr) return;
  meter.live -= static_cast<std::int64_t>(allocated_size(p));
}

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// What happened to each message's sink. `pop3 fetch` reuses one sink for every message, so a
// sink must be finished or aborted before the next one is asked for.
class checking_sink final : public body_sink {
 public:
  struct record {
    std::uint64_t octets = 0;
    int finishes = 0;
    int aborts = 0;
  };

  body_sink& open(std::uint32_t message) {
    if (open_) __builtin_trap();  // a second message began before the first one ended
    if (records_.count(message) != 0) __builtin_trap();  // one sink per message and batch
    open_ = true;
    current_ = message;
    records_[message];
    return *this;
  }

  result<void> write(std::string_view bytes) override {
    if (!open_) __builtin_trap();  // data outside a message
    if (refuse_even_ && current_ % 2 == 0) return unexpected(errc::sink_failed);
    records_[current_].octets += bytes.size();
    return {};
  }
  result<void> finish() override {
    if (!open_) __builtin_trap();
    ++records_[current_].finishes;
    open_ = false;
    return {};
  }
  void abort(const error&) noexcept override {
    if (!open_) __builtin_trap();
    ++records_[current_].aborts;
    open_ = false;
  }

  void refuse_even(bool on) { refuse_even_ = on; }
  const record* find(std::uint32_t message) const {
    auto it = records_.find(message);
    return it == records_.end() ? nullptr : &it->second;
  }
  void check_all_ended() const {
    if (open_) __builtin_trap();  // a sink left neither finished nor aborted
    for (const auto& [message, r] : records_)
      if (r.finishes + r.aborts != 1) __builtin_trap();
  }

 private:
  std::map<std::uint32_t, record> records_;
  std::uint32_t current_ = 0;
  bool open_ = false;
  bool refuse_even_ = false;
};

// The message numbers of every "DELE n" line the client sent.
std::vector<std::uint32_t> deletions_sent(std::string_view bytes) {
  std::vector<std::uint32_t> found;
  for (std::size_t at = 0; (at = bytes.find("DELE ", at)) != std::string_view::npos; at += 5) {
    if (at != 0 && bytes[at - 1] != '\n') continue;
    std::uint64_t n = 0;
    std::size_t i = at + 5;
    while (i < bytes.size() && bytes[i] >= '0' && bytes[i] <= '9' && n <= UINT32_MAX)
      n = n * 10 + static_cast<std::uint64_t>(bytes[i++] - '0');
    found.push_back(static_cast<std::uint32_t>(std::min<std::uint64_t>(n, UINT32_MAX)));
  }
  return found;
}

bool sent_line_starting(std::string_view bytes, std::string_view command) {
  for (std::size_t at = 0; (at = bytes.find(command, at)) != std::string_view::npos; ++at)
    if (at == 0 || bytes[at - 1] == '\n') return true;
  return false;
}

void check_listing_limits(const std::vector<list_entry>& entries, const engine_config& limits) {
  if (entries.size() > limits.max_messages) __builtin_trap();
  std::set<std::uint32_t> seen;
  for (const list_entry& e : entries)
    if (e.message == 0 || e.message > limits.max_messages || !seen.insert(e.message).second)
      __builtin_trap();
}

void check_uid_limits(const std::vector<uidl_entry>& entries, const engine_config& limits) {
  if (entries.size() > limits.max_messages) __builtin_trap();
  std::set<std::string_view> uids;
  for (const uidl_entry& e : entries)
    if (e.uid.empty() || e.uid.size() > limits.max_uid_length || !uids.insert(e.uid).second)
      __builtin_trap();
}

// The mail-agent part: what `pop3 fetch` does once logged in. Returns false after a fatal
// error (no QUIT then, as fetch).
bool fetch(session& s, const session_script& script, const engine_config& limits,
           checking_sink& sink, std::set<std::uint32_t>& may_delete,
           const scripted_server& server) {
  auto status = s.stat();
  if (!status && status.error().fatal()) return false;

  std::vector<std::uint32_t> messages;
  if (!script.skip_list) {
    auto sizes = s.list();
    if (!sizes && sizes.error().fatal()) return false;
    if (sizes) {
      check_listing_limits(*sizes, limits);
      for (const list_entry& e : *sizes)
        if (messages.size() < max_retrievals) messages.push_back(e.message);
    }
    auto uids = s.uidl();
    if (!uids && uids.error().fatal()) return false;
    if (uids) check_uid_limits(*uids, limits);
  } else if (status) {
    for (std::uint32_t n = 1; n <= status->count && n <= max_retrievals; ++n)
      messages.push_back(n);
  }

  std::vector<std::uint32_t> remove;
  if (script.delete_first && !messages.empty()) {
    remove.push_back(messages.back());
    may_delete.insert(messages.back());
    messages.pop_back();
  }

  sink.refuse_even(script.sink_refuses_even);
  std::size_t retr_asked = 0;
  batch_steps steps;
  steps.sink_for = [&](std::uint32_t n) -> body_sink& {
    if (std::find(messages.begin(), messages.end(), n) == messages.end()) __builtin_trap();
    return sink.open(n);
  };
  steps.retrieved = [&](const batch_item& item) {
    const checking_sink::record* r = sink.find(item.message);
    if (item.outcome) {
      // Success means the terminator arrived: the sink was finished, with all the octets.
      if (r == nullptr || r->finishes != 1 || r->aborts != 0 || r->octets != item.octets)
        __builtin_trap();
    } else if (r != nullptr && r->finishes != 0) {
      __builtin_trap();  // a failed retrieval must not have finished its sink
    }
    // The DELE must not already be on its way before the message is known to be complete.
    for (std::uint32_t n : deletions_sent(server.client_bytes()))
      if (n == item.message && !may_delete.count(n)) __builtin_trap();
    const bool remove_it = item.outcome && (script.delete_all || item.message % 2 == 1);
    if (remove_it) may_delete.insert(item.message);
    return remove_it;
  };
  steps.deleted = [&](const batch_item& item) {
    if (!may_delete.count(item.message)) __builtin_trap();
  };
  steps.go_on = [&] { return !script.stop_early || retr_asked++ == 0; };

  auto batch = s.retrieve_and_delete(messages, remove, steps);
  return batch || !batch.error().fatal();
}

void run(const session_script& script) {
  scripted_server server(script.segments);
  checking_sink sink;
  std::set<std::uint32_t> may_delete;
  const engine_config limits = engine_limits(script.small_limits);
  {
    connect_options options;
    options.tls = script.starttls ? tls_mode::starttls : tls_mode::none;
    // The handshake cannot succeed (no TLS server); without verification it needs no trust
    // store, which would cost milliseconds per run to load.
    options.tls_settings.verify = false;
    options.session.pipelining = script.pipelining;
    options.session.engine = limits;
    auto connection = std::make_unique<fault_transport>(server.client_end(), script.faults);

    auto opened = open_session(std::move(connection), "pop.example.org", options);
    // STLS required and no TLS server: the session must never open in cleartext.
    if (opened && script.starttls) __builtin_trap();
    if (opened) {
      session& s = *opened;
      auth_options how;
      how.mechanism = script.login;
      const credentials who{std::string(user_name), std::string(password), {}};
      if (authenticate(s, who, how) && fetch(s, script, limits, sink, may_delete, server))
        (void)s.quit();
    }
  }  // the session and its transports are gone: the client's end is closed
  server.collect();
  const std::string& sent = server.client_bytes();

  sink.check_all_ended();
  for (std::uint32_t n : deletions_sent(sent))
    if (!may_delete.count(n)) __builtin_trap();  // DELE for a message not held

  if (script.starttls) {
    // Before TLS nothing but CAPA and STLS: no credential, no login command.
    if (contains(sent, user_name) || contains(sent, password)) __builtin_trap();
    for (std::string_view login : {"USER", "PASS", "APOP", "AUTH"})
      if (sent_line_starting(sent, login)) __builtin_trap();
  }
  // Only USER/PASS puts the password itself on the wire; every other method hides it
  // (base64 at least), and automatic never chooses USER/PASS outside TLS.
  if (script.login != auth_mechanism::user && contains(sent, password)) __builtin_trap();
}

}  // namespace
}  // namespace pop3::fuzz

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  using namespace pop3::fuzz;
  install_allocation_hooks(on_malloc, on_free);  // no hooks (no sanitizer): no meter
  // OpenSSL initialises itself once, on the first handshake (providers, error strings,
  // about 1 MiB kept for good): do that here, so that the meter sees what one session costs.
  using namespace std::string_view_literals;
  constexpr std::string_view first_handshake =
      "\0\x04\0\0\0+OK\r\n\n--\n+OK\r\nSTLS\r\n.\r\n\n--\n+OK\r\n"sv;
  run(decode_session_script(
      {reinterpret_cast<const std::uint8_t*>(first_handshake.data()), first_handshake.size()}));
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace pop3::fuzz;
  const session_script script = decode_session_script({data, size});
  const pop3::engine_config limits = engine_limits(script.small_limits);
  meter = {true, 0, 0};
  run(script);
  meter.on = false;
  // The engine's buffers and its duplicate-number bitmap are fixed by the limits; everything
  // else the client keeps (listings, replies, the transports' copies) grows with what the
  // server sent, which is at most the input. A failed STLS handshake's SSL_CTX and SSL peak
  // at about 1 MiB (measured); 4 MiB covers them and still catches any allocation sized by
  // a server's claim (a million listing entries is 16 MiB).
  const std::int64_t bound =
      static_cast<std::int64_t>(limits.receive_buffer_size + limits.output_buffer_size +
                                limits.max_messages / 8 + (4u << 20) + 256 * size);
  if (meter.peak > bound) __builtin_trap();  // memory grew beyond the limits
  return 0;
}
