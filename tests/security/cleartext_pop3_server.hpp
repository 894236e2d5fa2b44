// A small cleartext POP3 server for what the TLS test server does not do: closing the
// connection in the middle of a reply (missing terminators), sending a reply one byte per
// segment (line ends split across reads), and misbehaving only when the client pipelines. One
// connection at a time on its own thread (serve_again() for the next), on 127.0.0.1 and an
// ephemeral port; every wait for the client is bounded (idle_timeout, 5 s by default), so a
// broken client never hangs a test.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace pop3::test {

struct cleartext_step {
  // The received line without CRLF; a trailing '*' makes the rest a prefix.
  std::string expect;
  // Sent as is (include the CRLFs).
  std::string reply;
  // Close the connection right after the reply. The server stops sending (shutdown) and then
  // reads, and records, what the client still sends until the client closes, so that the
  // client sees an orderly end of the stream, never a reset caused by commands it pipelined
  // and the server did not read.
  bool close_after = false;
  bool trickle = false;  // one send() per byte, so that the client reads it in pieces
  // Sent instead of `reply` once the client has pipelined on this connection (some command
  // line ended while more of the client's bytes were already waiting): a server that
  // mishandles pipelining. An empty string drops the reply.
  std::optional<std::string> reply_once_pipelined = std::nullopt;
};

struct cleartext_server_options {
  std::string greeting = "+OK ready\r\n";
  bool close_after_greeting = false;  // as cleartext_step::close_after, after the greeting
  // Consumed in order. A line that does not match the next step gets "-ERR unexpected
  // command", except QUIT, which gets "+OK bye" and ends the connection.
  std::vector<cleartext_step> script;
  // A line may match any step not used yet (the first that matches), not only the next one:
  // one script then serves a client that pipelines and one that does not, whose commands
  // come in different orders.
  bool any_order = false;
  // How long the server waits for the client's next bytes before it ends the connection; a
  // test whose client is expected to wait for a reply that never comes lowers it to stay fast.
  std::chrono::milliseconds idle_timeout = std::chrono::seconds(5);
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
  // Serves one more connection on the same port with OPTIONS (a client's next run, whose
  // state is tied to the port). Call it only after wait_until_done() returned true;
  // received() and saw_pipelining() then describe the new connection.
  void serve_again(cleartext_server_options options);
  std::size_t connections_accepted() const;
  // Every byte the client sent (after a close_after step: until the client closed).
  std::string received() const;
  // Whether the client pipelined on the connection (see cleartext_step::reply_once_pipelined).
  bool saw_pipelining() const;

 private:
  void run();
  void serve(int fd);
  bool send_all(int fd, const std::string& bytes, bool trickle);
  void record(char byte);
  void read_until_client_closes(int fd);
  const cleartext_step* take_step(const std::string& line);
  int idle_ms() const;

  cleartext_server_options options_;
  int listener_ = -1;
  int stop_pipe_[2] = {-1, -1};
  std::uint16_t port_ = 0;
  mutable std::mutex mutex_;
  std::condition_variable done_changed_;
  bool done_ = false;
  std::size_t accepted_ = 0;
  std::string received_;
  bool pipelined_ = false;
  std::vector<bool> used_;  // per step of the script, only touched by the server's thread
  std::thread thread_;
};

}  // namespace pop3::test
