// Checks many mailboxes at once on ONE thread with the Asio driver (STAT, then QUIT, over
// verified POP3S), then the same mailboxes one by one, and compares the answers and the time.
// usage: async_many_mailboxes HOST PORT USER_PREFIX COUNT
//   mailboxes USER_PREFIX1 .. USER_PREFIX<COUNT>, all with the password in POP3_PASSWORD;
//   PORT speaks POP3S; the server's CA is read from POP3_CAFILE (else the system's store).
#include <pop3/asio.hpp>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/this_coro.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string>
#include <vector>

namespace {

struct job {
  const char* host;
  std::uint16_t port;
  std::string user;
  const char* password;
  std::optional<pop3::events::stat_info> answer;  // empty: the check failed (and said why)
};

// One mailbox: connect (TLS verified), log in, STAT, QUIT. Each check owns its session.
asio::awaitable<void> check(asio::ssl::context& tls, job& j) {
  pop3::asio_tls_session s({}, co_await asio::this_coro::executor, tls);
  auto report = [&](const char* step, const pop3::error& e) {
    const auto text = s.last_reply().text;  // the server's words, if it said something
    std::fprintf(stderr, "%s: %s failed: %s (%.*s)\n", j.user.c_str(), step,
                 pop3::describe(e.code).data(), static_cast<int>(text.size()), text.data());
  };
  if (auto r = co_await s.connect(j.host, j.port); !r) co_return report("connect", r.error());
  if (auto r = co_await s.login(j.user, j.password); !r) co_return report("login", r.error());
  auto st = co_await s.stat();
  if (!st) co_return report("STAT", st.error());
  if (auto r = co_await s.quit(); !r) co_return report("QUIT", r.error());
  j.answer = *st;
}

asio::awaitable<void> check_one_by_one(asio::ssl::context& tls, std::vector<job>& jobs) {
  for (job& j : jobs)
    co_await check(tls, j);
}

// Any exception (only std::bad_alloc is possible) ends the program: this is an example.
void rethrow(std::exception_ptr e) {
  if (e) std::rethrow_exception(e);
}

// Runs everything spawned on `io` until it is all done; returns the seconds it took.
double timed_run(asio::io_context& io) {
  const auto start = std::chrono::steady_clock::now();
  io.run();
  io.restart();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  const char* password = std::getenv("POP3_PASSWORD");
  const int count = argc == 5 ? std::atoi(argv[4]) : 0;
  if (!password || count <= 0) {
    std::fprintf(stderr, "usage: %s HOST PORT USER_PREFIX COUNT (password in POP3_PASSWORD)\n",
                 argv[0]);
    return 64;
  }
  const char* ca_file = std::getenv("POP3_CAFILE");
  auto tls = pop3::make_asio_tls_context(ca_file ? ca_file : "");
  if (!tls) return std::fprintf(stderr, "cannot load the CA file %s\n", ca_file), 1;

  std::vector<job> together, one_by_one;
  for (int k = 1; k <= count; ++k) {
    const job j{argv[1], static_cast<std::uint16_t>(std::atoi(argv[2])),
                argv[3] + std::to_string(k), password, std::nullopt};
    together.push_back(j);
    one_by_one.push_back(j);
  }

  asio::io_context io(1);  // one thread: this one
  for (job& j : together)  // every check starts now; they interleave on their I/O waits
    asio::co_spawn(io, check(*tls, j), rethrow);
  const double concurrent = timed_run(io);
  asio::co_spawn(io, check_one_by_one(*tls, one_by_one), rethrow);
  const double sequential = timed_run(io);

  int failed = 0;
  for (std::size_t i = 0; i < together.size(); ++i) {
    const auto& a = together[i].answer;
    const auto& b = one_by_one[i].answer;
    if (!a || !b) {
      ++failed;
      continue;
    }
    std::printf("%s: %u messages, %llu octets\n", together[i].user.c_str(), a->count,
                static_cast<unsigned long long>(a->octets));
    if (a->count != b->count || a->octets != b->octets) {
      std::fprintf(stderr, "%s: the sequential pass saw %u messages, %llu octets\n",
                   together[i].user.c_str(), b->count, static_cast<unsigned long long>(b->octets));
      ++failed;
    }
  }
  if (failed) return std::fprintf(stderr, "%d of %d mailboxes failed\n", failed, count), 1;
  std::printf("sequential pass: the same answers for all %d mailboxes\n", count);
  std::printf("concurrent: %.2f s, sequential: %.2f s, %.1fx\n", concurrent, sequential,
              sequential / concurrent);
}
