#include "session_script.hpp"

#include <algorithm>

#include "pop3/memory_transport.hpp"

namespace pop3::fuzz {
namespace {

constexpr auth_mechanism login_choices[] = {
    auth_mechanism::user,          auth_mechanism::apop,      auth_mechanism::plain,
    auth_mechanism::login,         auth_mechanism::cram_md5,  auth_mechanism::scram_sha_1,
    auth_mechanism::scram_sha_256, auth_mechanism::automatic,
};

constexpr pipelining_mode pipelining_choices[] = {pipelining_mode::automatic, pipelining_mode::on,
                                                  pipelining_mode::off, pipelining_mode::on};

constexpr fault_kind fault_choices[] = {fault_kind::none, fault_kind::fail, fault_kind::close,
                                        fault_kind::none};

// The client's end as the session sees it: reads first let the server answer, so that a
// single thread plays both sides and nothing ever waits for a peer.
class server_paced_transport final : public transport {
 public:
  server_paced_transport(std::unique_ptr<transport> inner, scripted_server& server)
      : inner_(std::move(inner)), server_(server) {}

  result<std::size_t> read(std::span<char> buffer, deadline until) override {
    if (server_.unread() == 0) server_.answer();
    auto got = inner_->read(buffer, until);
    if (got) server_.delivered(*got);
    return got;
  }

  result<void> write(std::span<const char> data, deadline until) override {
    auto written = inner_->write(data, until);
    server_.collect();
    return written;
  }

  void close() noexcept override { inner_->close(); }

 private:
  std::unique_ptr<transport> inner_;
  scripted_server& server_;
};

}  // namespace

session_script decode_session_script(std::span<const std::uint8_t> input) {
  const auto byte = [&](std::size_t i) -> std::uint8_t { return i < input.size() ? input[i] : 0; };
  session_script s;
  s.login = login_choices[byte(0) % 8];
  const std::uint8_t bits = byte(1);
  s.pipelining = pipelining_choices[bits & pipelining_bits];
  s.starttls = bits & starttls_bit;
  s.small_limits = bits & small_limits_bit;
  s.delete_all = bits & delete_all_bit;
  s.delete_first = bits & delete_first_bit;
  s.skip_list = bits & skip_list_bit;
  s.stop_early = bits & stop_early_bit;
  s.faults.kind = fault_choices[byte(2) & 0x03];
  s.sink_refuses_even = byte(2) & sink_refuses_even_bit;
  s.faults.at = byte(3);
  const std::size_t splits = byte(4) % 8;
  for (std::size_t i = 0; i < splits; ++i)
    s.faults.read_splits.push_back(byte(5 + i));
  s.faults.repeat_last = true;

  const std::size_t header = std::min(input.size(), 5 + splits);
  std::string_view rest(reinterpret_cast<const char*>(input.data()) + header,
                        input.size() - header);
  for (;;) {
    const std::size_t end = rest.find(segment_separator);
    s.segments.push_back(rest.substr(0, end));
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + segment_separator.size());
  }
  return s;
}

engine_config engine_limits(bool small) {
  engine_config c;
  if (!small) return c;
  // The smallest sizes validate() accepts for a 512-octet status line, and counts a few
  // lines of input can go past.
  c.receive_buffer_size = 1024;
  c.output_buffer_size = 1024;
  c.max_listing_line_length = 512;
  c.max_sasl_line_length = 1024;
  c.max_in_flight = 4;
  c.max_messages = 16;
  c.max_capa_lines = 8;
  c.max_uid_length = 16;
  return c;
}

scripted_server::scripted_server(std::vector<std::string_view> segments)
    : segments_(std::move(segments)) {
  auto [client, server] = make_memory_pair();
  client_end_ = std::move(client);
  server_end_ = std::move(server);
  answer();  // the greeting, segment 0, needs no command
}

std::unique_ptr<transport> scripted_server::client_end() {
  return std::make_unique<server_paced_transport>(std::move(client_end_), *this);
}

void scripted_server::collect() {
  if (closed_) return;
  char buffer[4096];
  for (;;) {
    // A deadline already passed: take what is there, never wait.
    auto got = server_end_->read(buffer, steady_clock::now());
    if (!got || *got == 0) return;
    const std::size_t before = client_bytes_.size();
    client_bytes_.append(buffer, *got);
    for (std::size_t i = before == 0 ? 1 : before; i < client_bytes_.size(); ++i)
      if (client_bytes_[i] == '\n' && client_bytes_[i - 1] == '\r') ++lines_;
  }
}

void scripted_server::answer() {
  collect();
  if (closed_) return;
  bool sent_any = false;
  while (next_segment_ < segments_.size() && next_segment_ <= lines_) {
    const std::string_view segment = segments_[next_segment_++];
    if (segment.empty()) continue;
    if (!server_end_->write(segment, no_deadline)) break;  // the client has gone
    sent_ += segment.size();
    sent_any = true;
  }
  if (!sent_any) {
    // Nothing more for the client: end of stream, never a wait.
    server_end_->close();
    closed_ = true;
  }
}

}  // namespace pop3::fuzz
