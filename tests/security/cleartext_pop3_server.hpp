// A small cleartext POP3 server for what the TLS test server does not do: closing the
// connection in the middle of a reply (missing terminators), and sending a reply one byte per
// segment (line ends split across reads). One connection on its own thread, on 127.0.0.1 and
// an ephemeral port; every wait for the client is bounded by 5 s, so a broken client never
// hangs a test.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace pop3::test {

struct cleartext_step {
  // The received line without CRLF; a trailing '*' makes the rest a prefix.
  std::string expect;
  // Sent as is (include the CRLFs).
  std::string reply;
  bool close_after = false;  // close the connection right after the reply
  bool trickle = false;      // one send() per byte, so that the client reads it in pieces
};

struct cleartext_server_options {
  std::string greeting = "+OK ready\r\n";
  // Consumed in order. A line that does not match the next step gets "-ERR unexpected
  // command", except QUIT, which gets "+OK bye" and ends the connection.
  std::vector<cleartext_step> script;
};

class cleartext_pop3_server {
 public:
  // Listening when this returns; throws std::system_error on socket failures.
  explicit cleartext_pop3_server(cleartext_server_options options);
  // Stops waiting and joins the thread.
  ~cleartext_pop3_server();
  cleartext_pop3_server(const cleartext_pop3_server&) = delete;
  cleartext_pop3_server& operator=(const cleartext_pop3_server&) = delete;

  std::uint16_t port() const { return port_; }
  // Waits until the connection has ended; false if that did not happen within TIMEOUT.
  bool wait_until_done(std::chrono::milliseconds timeout = std::chrono::seconds(15));
  std::size_t connections_accepted() const;
  // Every byte the client sent.
  std::string received() const;

 private:
  void run();
  void serve(int fd);
  bool send_all(int fd, const std::string& bytes, bool trickle);

  cleartext_server_options options_;
  int listener_ = -1;
  int stop_pipe_[2] = {-1, -1};
  std::uint16_t port_ = 0;
  mutable std::mutex mutex_;
  std::condition_variable done_changed_;
  bool done_ = false;
  std::size_t accepted_ = 0;
  std::string received_;
  std::thread thread_;
};

}  // namespace pop3::test
