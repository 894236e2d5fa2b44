// Lists the maildrop and prints each message's size and Subject line: pop3::open_session (TLS
// from the first byte, certificate verified), pop3::authenticate (the strongest method the
// server offers), then the blocking pop3::session.
// usage: blocking_client HOST PORT USER   (password in POP3_PASSWORD; POP3_CAFILE: a CA file
//                                           to trust instead of the system's trust store)
#include <pop3/auth.hpp>
#include <pop3/connect.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
  if (argc != 4 || !std::getenv("POP3_PASSWORD")) return 64;
  pop3::connect_options options;  // tls_mode::implicit, verification on
  if (const char* ca = std::getenv("POP3_CAFILE")) options.tls_settings.ca_file = ca;
  auto s = pop3::open_session(argv[1], static_cast<std::uint16_t>(std::atoi(argv[2])), options);
  if (!s) return std::printf("connect: %s\n", pop3::explain(s.error()).c_str()), 1;
  if (auto r = pop3::authenticate(*s, {argv[3], std::getenv("POP3_PASSWORD"), ""}, {}); !r)
    return std::printf("login: %s\n", s->last_reply().text.c_str()), 1;
  auto st = s->stat();
  for (std::uint32_t n = 1; st && n <= st->count; ++n) {
    pop3::string_sink message;
    if (!s->retr(n, message)) return 1;
    const auto& m = message.data();
    const auto at = m.find("\r\nSubject:");
    std::printf(
        "%u %zu%s\n", n, m.size(),
        at == std::string::npos ? "" : m.substr(at + 10, m.find('\r', at + 2) - at - 10).c_str());
  }
  return s->quit() ? 0 : 1;
}
