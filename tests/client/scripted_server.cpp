#include "scripted_server.hpp"

#include "event_text.hpp"

namespace pop3::test {

scripted_server::scripted_server(std::unique_ptr<transport> end) : end_(std::move(end)) {}

scripted_server::~scripted_server() {
  if (thread_.joinable()) thread_.join();
}

scripted_server& scripted_server::send(std::string bytes) {
  steps_.push_back({step::send, std::move(bytes)});
  return *this;
}
scripted_server& scripted_server::trickle(std::string bytes, std::chrono::milliseconds gap) {
  steps_.push_back({step::trickle, std::move(bytes), gap});
  return *this;
}
scripted_server& scripted_server::expect(std::string bytes) {
  steps_.push_back({step::expect, std::move(bytes)});
  return *this;
}
scripted_server& scripted_server::expect_close() {
  steps_.push_back({step::expect_close, {}});
  return *this;
}
scripted_server& scripted_server::close() {
  steps_.push_back({step::close, {}});
  return *this;
}

void scripted_server::start() {
  thread_ = std::thread([this] { run(); });
}

std::vector<std::string> scripted_server::finish() {
  if (thread_.joinable()) thread_.join();
  return problems_;
}

void scripted_server::run() {
  const auto patience = std::chrono::seconds(5);
  for (const step& s : steps_) {
    switch (s.what) {
      case step::send:
        if (!end_->write(s.bytes, steady_clock::now() + patience)) return;  // client gone
        break;
      case step::trickle:
        for (char c : s.bytes) {
          if (!end_->write(std::string_view(&c, 1), steady_clock::now() + patience)) return;
          std::this_thread::sleep_for(s.gap);
        }
        break;
      case step::expect: {
        std::string got;
        char buffer[4096];
        while (got.size() < s.bytes.size()) {
          const std::size_t want = std::min(sizeof buffer, s.bytes.size() - got.size());
          auto n = end_->read(std::span<char>(buffer, want), steady_clock::now() + patience);
          if (!n || *n == 0) break;
          got.append(buffer, *n);
        }
        received_ += got;
        if (got != s.bytes) {
          problems_.push_back("expected \"" + escape(s.bytes) + "\", got \"" + escape(got) + "\"");
          return;
        }
        break;
      }
      case step::expect_close: {
        char buffer[4096];
        for (;;) {
          auto n = end_->read(buffer, steady_clock::now() + patience);
          if (!n) {
            problems_.push_back("the client did not close the connection");
            return;
          }
          if (*n == 0) break;
          received_.append(buffer, *n);
        }
        break;
      }
      case step::close:
        end_->close();
        return;
    }
  }
}

}  // namespace pop3::test
