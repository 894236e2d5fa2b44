// A POP3 server played from a script on loopback, as a coroutine on the test's own
// io_context: the driver under test and its peer share one thread, so a test that needs both
// to make progress at once also proves that the driver never blocks the thread.
#pragma once

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read_until.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <vector>

namespace pop3::test {

/// Waits for the client line `expect` (without CRLF; empty: waits for nothing), then sends
/// `reply` as it is.
struct exchange {
  std::string expect;
  std::string reply;
};

/// What the peer does after the last exchange.
enum class ending {
  wait_for_close,  ///< reads (and records) until the client closes
  close_now,       ///< closes the connection at once
};

struct peer_script {
  std::string greeting;  ///< sent first, as it is (empty: nothing, a silent server)
  std::vector<exchange> exchanges;
  ending end = ending::wait_for_close;
};

/// Holds every peer of a test back until `expected` of them have accepted a connection.
struct arrival_gate {
  arrival_gate(asio::io_context& io, std::size_t expected_peers)
      : expected(expected_peers), all_arrived(io, asio::steady_timer::time_point::max()) {}
  std::size_t expected;
  std::size_t arrived = 0;
  asio::steady_timer all_arrived;  ///< cancelled when the last peer arrives: wakes the others
};

class scripted_peer {
 public:
  /// Listens on 127.0.0.1, on a free port; serves one connection once start() is called.
  explicit scripted_peer(asio::io_context& io, arrival_gate* gate = nullptr)
      : acceptor_(io, {asio::ip::address_v4::loopback(), 0}), gate_(gate) {}

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

  void start(peer_script script) {
    asio::co_spawn(acceptor_.get_executor(), serve(std::move(script)),
                   [this](const std::exception_ptr& e) {
                     if (e) problems_.push_back("the peer threw");
                   });
  }

  /// Everything the client sent, CRLFs included.
  const std::string& received() const { return received_; }
  /// Lines that differed from the script, and I/O failures; empty if all went as scripted.
  const std::vector<std::string>& problems() const { return problems_; }
  /// With a gate: how many peers had a connection when this one went on (the greeting).
  std::size_t arrived_before_greeting() const { return arrived_before_greeting_; }
  /// True once the script ran to its end.
  bool finished() const { return finished_; }

 private:
  asio::awaitable<void> serve(peer_script script) {
    using asio::redirect_error;
    using asio::use_awaitable;
    std::error_code ec;
    asio::ip::tcp::socket s = co_await acceptor_.async_accept(redirect_error(use_awaitable, ec));
    if (ec) co_return problems_.push_back("accept: " + ec.message());
    if (gate_) {
      if (++gate_->arrived == gate_->expected)
        gate_->all_arrived.cancel();
      else
        co_await gate_->all_arrived.async_wait(redirect_error(use_awaitable, ec));
      arrived_before_greeting_ = gate_->arrived;
    }
    co_await asio::async_write(s, asio::buffer(script.greeting), redirect_error(use_awaitable, ec));
    for (const exchange& x : script.exchanges) {
      if (!x.expect.empty()) {
        const std::size_t n = co_await asio::async_read_until(
            s, asio::dynamic_buffer(pending_), "\r\n", redirect_error(use_awaitable, ec));
        if (ec) co_return problems_.push_back("waiting for '" + x.expect + "': " + ec.message());
        const std::string line = pending_.substr(0, n - 2);
        received_ += pending_.substr(0, n);
        pending_.erase(0, n);
        if (line != x.expect)
          problems_.push_back("expected '" + x.expect + "', got '" + line + "'");
      }
      co_await asio::async_write(s, asio::buffer(x.reply), redirect_error(use_awaitable, ec));
      if (ec) co_return problems_.push_back("sending '" + x.reply + "': " + ec.message());
    }
    received_ += pending_;
    if (script.end == ending::wait_for_close) {
      char chunk[512];
      while (!ec) {
        const std::size_t n =
            co_await s.async_read_some(asio::buffer(chunk), redirect_error(use_awaitable, ec));
        received_.append(chunk, n);
      }
    }
    finished_ = true;
  }

  asio::ip::tcp::acceptor acceptor_;
  arrival_gate* gate_;
  std::string pending_;
  std::string received_;
  std::vector<std::string> problems_;
  std::size_t arrived_before_greeting_ = 0;
  bool finished_ = false;
};

}  // namespace pop3::test
