// Drives the sans-I/O engine over a plain blocking socket: STAT, then the size of each
// message. Every driver (NetX, lwIP, an event loop) does the same four things.
// usage: engine_over_socket IPV4 PORT USER   (password in POP3_PASSWORD)
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>
#include <pop3/engine.hpp>

#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
  if (argc != 4 || !std::getenv("POP3_PASSWORD")) return 64;
  sockaddr_in addr{AF_INET, htons(static_cast<std::uint16_t>(std::atoi(argv[2]))), {}, {}};
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1 ||
      connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    return 1;
  auto eng = pop3::engine::create().value();
  for (bool done = false; !done;) {
    for (auto out = eng.pending_output(); !out.empty(); out = eng.pending_output())  // 1. send
      eng.consume_output(static_cast<std::size_t>(write(fd, out.data(), out.size())));
    auto ev = eng.next_event();  // 2. take an event
    if (!ev) return std::printf("error: %s\n", pop3::describe(ev.error().code).data()), 1;
    if (!*ev) {  // 3. need input
      const ssize_t n = read(fd, eng.receive_space().data(), eng.receive_space().size());
      if (n <= 0)
        eng.feed_eof();
      else
        (void)eng.commit_received(static_cast<std::size_t>(n));
      continue;
    }
    using namespace pop3;  // 4. react
    if (std::holds_alternative<events::greeting>(**ev)) {
      (void)eng.submit(cmd::user(argv[3])),
          (void)eng.submit(cmd::pass(std::getenv("POP3_PASSWORD")));
      (void)eng.submit(cmd::list()), (void)eng.submit(cmd::quit());  // pipelined
    } else if (auto* item = std::get_if<events::list_item>(&**ev)) {
      std::printf("message %u: %llu octets\n", item->message,
                  static_cast<unsigned long long>(item->octets));
    } else if (auto* e = std::get_if<events::err>(&**ev)) {
      return std::printf("-ERR %.*s\n", static_cast<int>(e->text.size()), e->text.data()), 1;
    } else
      done = std::holds_alternative<events::closed>(**ev);
  }
  return close(fd);
}
