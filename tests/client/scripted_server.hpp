// A POP3 server played from a script on the far end of an in-memory pair, on its own thread:
// for faults and attacks that a real server will not produce.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "pop3/transport.hpp"

namespace pop3::test {

class scripted_server {
 public:
  /// The server end of the pair; the script runs once start() is called.
  explicit scripted_server(std::unique_ptr<transport> end);
  ~scripted_server();  // waits for the script to finish

  /// Sends bytes as they are.
  scripted_server& send(std::string bytes);
  /// Sends bytes one at a time with a pause between them (a slow server).
  scripted_server& trickle(std::string bytes, std::chrono::milliseconds gap);
  /// Reads exactly bytes.size() bytes and records a mismatch if they differ.
  scripted_server& expect(std::string bytes);
  /// Reads until the client closes (or 5 s pass) and records everything.
  scripted_server& expect_close();
  /// Closes the connection.
  scripted_server& close();

  void start();
  /// Waits for the script to finish and returns what went wrong (empty if nothing).
  std::vector<std::string> finish();
  /// Everything the client sent.
  const std::string& received() const { return received_; }

 private:
  struct step {
    enum kind { send, trickle, expect, expect_close, close } what;
    std::string bytes;
    std::chrono::milliseconds gap{0};
  };
  void run();

  std::unique_ptr<transport> end_;
  std::vector<step> steps_;
  std::thread thread_;
  std::string received_;
  std::vector<std::string> problems_;
};

}  // namespace pop3::test
