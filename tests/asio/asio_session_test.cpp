// The Asio driver against scripted peers on loopback: the exact errc of every failure path,
// the login policy, the deadlines, and sessions that really interleave on one thread.
#include <gtest/gtest.h>
#include <openssl/x509_vfy.h>
#include <pop3/asio.hpp>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <chrono>
#include <exception>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "scripted_peer.hpp"

namespace pop3::test {
namespace {

using namespace std::chrono_literals;

// ASSERT_* leaves with `return`, which a coroutine cannot: this one ends the coroutine.
#define POP3_CO_ASSERT(condition)                \
  do {                                           \
    if (!(condition)) {                          \
      ADD_FAILURE() << "failed: " << #condition; \
      co_return;                                 \
    }                                            \
  } while (false)

/// Runs `client` (a coroutine function) and everything else on `io` until all is done, on
/// this thread only. Bounded, so that a driver that hangs fails the test instead.
template <class Client>
void run(asio::io_context& io, Client client) {
  asio::co_spawn(io, std::move(client), [](const std::exception_ptr& e) {
    if (e) std::rethrow_exception(e);
  });
  io.run_for(20s);
  EXPECT_TRUE(io.stopped()) << "operations were still pending after 20 s";
}

asio_options cleartext_allowed() {
  asio_options o;
  o.allow_cleartext_login = true;
  return o;
}

const std::string greeting = "+OK ready <1.2@example>\r\n";

TEST(asio_session, logs_in_and_reads_stat_list_and_uidl) {
  asio::io_context io;
  scripted_peer peer(io);
  peer.start({greeting,
              {{"USER alice", "+OK\r\n"},
               {"PASS secret", "+OK logged in\r\n"},
               {"STAT", "+OK 2 320\r\n"},
               {"LIST", "+OK\r\n1 120\r\n2 200\r\n.\r\n"},
               {"UIDL", "+OK\r\n1 a1\r\n2 b2\r\n.\r\n"},
               {"QUIT", "+OK bye\r\n"}},
              ending::close_now});
  asio_tcp_session s(cleartext_allowed(), io);
  run(io, [&]() -> asio::awaitable<void> {
    auto connected = co_await s.connect("127.0.0.1", peer.port());
    POP3_CO_ASSERT(connected);
    EXPECT_EQ(s.greeting(), "ready <1.2@example>");
    POP3_CO_ASSERT(co_await s.login("alice", "secret"));
    EXPECT_EQ(s.last_reply().text, "logged in");
    auto st = co_await s.stat();
    POP3_CO_ASSERT(st);
    EXPECT_EQ(st->count, 2u);
    EXPECT_EQ(st->octets, 320u);
    auto listed = co_await s.list();
    POP3_CO_ASSERT(listed);
    POP3_CO_ASSERT(listed->size() == 2u);
    EXPECT_EQ((*listed)[1].message, 2u);
    EXPECT_EQ((*listed)[1].octets, 200u);
    auto uids = co_await s.uidl();
    POP3_CO_ASSERT(uids);
    EXPECT_EQ(*uids, (std::vector<asio_uidl_entry>{{1, "a1"}, {2, "b2"}}));
    EXPECT_TRUE(co_await s.quit());
    auto after = co_await s.stat();  // the session is over
    POP3_CO_ASSERT(!after);
    EXPECT_EQ(after.error().code, errc::connection_closed);
  });
  EXPECT_TRUE(peer.problems().empty()) << peer.problems().front();
  EXPECT_EQ(peer.received(), "USER alice\r\nPASS secret\r\nSTAT\r\nLIST\r\nUIDL\r\nQUIT\r\n");
}

// The general primitive hands out every event of one reply, in order, and the message data
// dot-unstuffed.
TEST(asio_session, execute_hands_out_the_events_of_one_reply) {
  asio::io_context io;
  scripted_peer peer(io);
  peer.start({greeting,
              {{"USER alice", "+OK\r\n"},
               {"PASS pw", "+OK\r\n"},
               {"TOP 1 0", "+OK top\r\nSubject: x\r\n..dot\r\n.\r\n"},
               {"RETR 9", "-ERR no such message\r\n"}}});
  asio_tcp_session s(cleartext_allowed(), io);
  std::vector<std::size_t> kinds;
  std::string body;
  run(io, [&]() -> asio::awaitable<void> {
    POP3_CO_ASSERT(co_await s.connect("127.0.0.1", peer.port()));
    POP3_CO_ASSERT(co_await s.login("alice", "pw"));
    auto top = co_await s.execute(cmd::top(1, 0), [&](const event& ev) {
      kinds.push_back(ev.index());
      if (const auto* c = std::get_if<events::body_chunk>(&ev)) body += c->bytes;
    });
    EXPECT_TRUE(top);
    auto retr = co_await s.execute(cmd::retr(9), [](const event&) {});
    POP3_CO_ASSERT(!retr);
    EXPECT_EQ(retr.error().code, errc::server_error);
    EXPECT_EQ(retr.error().command, command_kind::retr);
    EXPECT_FALSE(s.failure());  // a -ERR leaves the session usable
    s.close();
  });
  ASSERT_GE(kinds.size(), 3u);
  EXPECT_EQ(kinds.front(), event(events::ok{}).index());
  EXPECT_EQ(kinds.back(), event(events::body_end{}).index());
  EXPECT_EQ(body, "Subject: x\r\n.dot\r\n");
  EXPECT_TRUE(peer.problems().empty()) << peer.problems().front();
}

TEST(asio_session, server_closing_inside_a_status_line_is_connection_closed) {
  asio::io_context io;
  scripted_peer peer(io);
  peer.start({greeting,
              {{"USER alice", "+OK\r\n"}, {"PASS pw", "+OK\r\n"}, {"STAT", "+OK 2 3"}},
              ending::close_now});
  asio_tcp_session s(cleartext_allowed(), io);
  run(io, [&]() -> asio::awaitable<void> {
    POP3_CO_ASSERT(co_await s.connect("127.0.0.1", peer.port()));
    POP3_CO_ASSERT(co_await s.login("alice", "pw"));
    auto st = co_await s.stat();
    POP3_CO_ASSERT(!st);
    EXPECT_EQ(st.error().code, errc::connection_closed);
    EXPECT_EQ(st.error().command, command_kind::stat);
    auto again = co_await s.stat();  // fatal errors are sticky
    POP3_CO_ASSERT(!again);
    EXPECT_EQ(again.error().code, errc::connection_closed);
  });
}

TEST(asio_session, server_closing_inside_a_listing_is_connection_closed) {
  asio::io_context io;
  scripted_peer peer(io);
  peer.start({greeting,
              {{"USER alice", "+OK\r\n"}, {"PASS pw", "+OK\r\n"}, {"LIST", "+OK\r\n1 120\r\n"}},
              ending::close_now});
  asio_tcp_session s(cleartext_allowed(), io);
  run(io, [&]() -> asio::awaitable<void> {
    POP3_CO_ASSERT(co_await s.connect("127.0.0.1", peer.port()));
    POP3_CO_ASSERT(co_await s.login("alice", "pw"));
    auto listed = co_await s.list();
    POP3_CO_ASSERT(!listed);
    EXPECT_EQ(listed.error().code, errc::connection_closed);
    EXPECT_EQ(s.failure(), error(errc::connection_closed, command_kind::list));
  });
}

TEST(asio_session, err_to_pass_is_server_error_with_the_auth_code) {
  asio::io_context io;
  scripted_peer peer(io);
  peer.start({greeting,
              {{"USER alice", "+OK\r\n"},
               {"PASS wrong", "-ERR [AUTH] invalid credentials\r\n"},
               {"QUIT", "+OK bye\r\n"}},
              ending::close_now});
  asio_tcp_session s(cleartext_allowed(), io);
  run(io, [&]() -> asio::awaitable<void> {
    POP3_CO_ASSERT(co_await s.connect("127.0.0.1", peer.port()));
    auto login = co_await s.login("alice", "wrong");
    POP3_CO_ASSERT(!login);
    EXPECT_EQ(login.error(), error(errc::server_error, command_kind::pass, resp_code::auth));
    EXPECT_EQ(s.last_reply().text, "invalid credentials");
    EXPECT_FALSE(s.failure());
    EXPECT_TRUE(co_await s.quit());  // still usable
  });
  EXPECT_TRUE(peer.problems().empty()) << peer.problems().front();
}

TEST(asio_session, malformed_greeting_is_bad_status_indicator) {
  asio::io_context io;
  scripted_peer peer(io);
  peer.start({"HELLO there\r\n", {}});
  asio_tcp_session s(cleartext_allowed(), io);
  run(io, [&]() -> asio::awaitable<void> {
    auto connected = co_await s.connect("127.0.0.1", peer.port());
    POP3_CO_ASSERT(!connected);
    EXPECT_EQ(connected.error(), error(errc::bad_status_indicator, command_kind::greeting));
  });
  EXPECT_EQ(peer.received(), "");  // closed without a word
}

TEST(asio_session, err_greeting_refuses_the_session_for_good) {
  asio::io_context io;
  scripted_peer peer(io);
  peer.start({"-ERR [SYS/TEMP] too busy\r\n", {}});
  asio_tcp_session s(cleartext_allowed(), io);
  run(io, [&]() -> asio::awaitable<void> {
    const error refused(errc::server_error, command_kind::greeting, resp_code::sys_temp);
    auto connected = co_await s.connect("127.0.0.1", peer.port());
    POP3_CO_ASSERT(!connected);
    EXPECT_EQ(connected.error(), refused);
    EXPECT_EQ(s.last_reply().text, "too busy");
    auto login = co_await s.login("alice", "pw");
    POP3_CO_ASSERT(!login);
    EXPECT_EQ(login.error(), refused);
  });
}

TEST(asio_session, silent_server_hits_the_command_deadline) {
  asio::io_context io;
  scripted_peer peer(io);
  peer.start({});  // accepts, then says nothing
  asio_options o = cleartext_allowed();
  o.command_timeout = 200ms;
  asio_tcp_session s(o, io);
  const auto start = std::chrono::steady_clock::now();
  run(io, [&]() -> asio::awaitable<void> {
    auto connected = co_await s.connect("127.0.0.1", peer.port());
    POP3_CO_ASSERT(!connected);
    EXPECT_EQ(connected.error(), error(errc::deadline_exceeded));
    auto again = co_await s.stat();
    POP3_CO_ASSERT(!again);
    EXPECT_EQ(again.error().code, errc::deadline_exceeded);
  });
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, 200ms);
  EXPECT_LT(took, 5s);
  EXPECT_TRUE(peer.finished());  // the driver closed the connection
}

TEST(asio_session, stalled_tls_handshake_hits_the_connect_timeout) {
  asio::io_context io;
  scripted_peer peer(io);
  peer.start({});  // a TCP peer that never answers the ClientHello
  auto tls = make_asio_tls_context();
  ASSERT_TRUE(tls);
  asio_options o;
  o.connect_timeout = 200ms;
  asio_tls_session s(o, io, *tls);
  run(io, [&]() -> asio::awaitable<void> {
    auto connected = co_await s.connect("127.0.0.1", peer.port());
    POP3_CO_ASSERT(!connected);
    EXPECT_EQ(connected.error(), error(errc::timeout));
  });
  EXPECT_TRUE(peer.finished());
}

TEST(asio_session, cleartext_login_is_refused_without_permission) {
  asio::io_context io;
  scripted_peer peer(io);
  peer.start({greeting, {}});
  asio_tcp_session s({}, io);
  run(io, [&]() -> asio::awaitable<void> {
    POP3_CO_ASSERT(co_await s.connect("127.0.0.1", peer.port()));
    auto login = co_await s.login("alice", "secret");
    POP3_CO_ASSERT(!login);
    EXPECT_EQ(login.error(), error(errc::no_acceptable_mechanism, command_kind::user));
    EXPECT_FALSE(s.failure());
    s.close();
  });
  EXPECT_EQ(peer.received(), "");  // neither the name nor the password left this process
}

TEST(asio_session, line_breaks_in_a_user_name_are_refused_before_sending) {
  asio::io_context io;
  scripted_peer peer(io);
  peer.start({greeting, {{"QUIT", "+OK\r\n"}}, ending::close_now});
  asio_tcp_session s(cleartext_allowed(), io);
  run(io, [&]() -> asio::awaitable<void> {
    POP3_CO_ASSERT(co_await s.connect("127.0.0.1", peer.port()));
    auto login = co_await s.login("alice\r\nDELE 1", "pw");
    POP3_CO_ASSERT(!login);
    EXPECT_EQ(login.error().code, errc::invalid_argument);
    EXPECT_TRUE(co_await s.quit());
  });
  EXPECT_EQ(peer.received(), "QUIT\r\n");
}

TEST(asio_session, a_second_operation_while_one_runs_is_refused) {
  asio::io_context io;
  scripted_peer peer(io);
  peer.start({greeting, {{"QUIT", "+OK\r\n"}}, ending::close_now});
  asio_tcp_session s(cleartext_allowed(), io);
  std::optional<error> refused;
  run(io, [&]() -> asio::awaitable<void> {
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          // co_spawn may start this at once; the post lets connect() below begin first.
          co_await asio::post(io, asio::use_awaitable);
          auto st = co_await s.stat();
          if (!st) refused = st.error();
        },
        [](const std::exception_ptr&) {});
    POP3_CO_ASSERT(co_await s.connect("127.0.0.1", peer.port()));
    EXPECT_TRUE(co_await s.quit());
  });
  EXPECT_EQ(refused, error(errc::command_not_allowed));
}

TEST(asio_session, invalid_engine_config_makes_every_operation_invalid_argument) {
  asio::io_context io;
  asio_options o = cleartext_allowed();
  o.engine.receive_buffer_size = 0;
  asio_tcp_session s(o, io);
  run(io, [&]() -> asio::awaitable<void> {
    auto connected = co_await s.connect("127.0.0.1", 9);  // refused before any I/O
    POP3_CO_ASSERT(!connected);
    EXPECT_EQ(connected.error().code, errc::invalid_argument);
    auto st = co_await s.stat();
    POP3_CO_ASSERT(!st);
    EXPECT_EQ(st.error().code, errc::invalid_argument);
  });
}

// N servers that each greet only once all N clients have connected: if the driver ran the
// sessions one after the other (or blocked the thread), the first would wait for its greeting
// forever and hit its deadline.
TEST(asio_session, sessions_interleave_on_one_thread) {
  constexpr std::size_t n = 12;
  asio::io_context io(1);
  arrival_gate gate(io, n);
  std::vector<std::unique_ptr<scripted_peer>> peers;
  std::vector<std::unique_ptr<asio_tcp_session>> sessions;
  asio_options o = cleartext_allowed();
  o.command_timeout = 5s;
  for (std::size_t i = 0; i < n; ++i) {
    peers.push_back(std::make_unique<scripted_peer>(io, &gate));
    const std::string count = std::to_string(i);
    peers.back()->start({greeting,
                         {{"USER user" + count, "+OK\r\n"},
                          {"PASS pw", "+OK\r\n"},
                          {"STAT", "+OK " + count + " " + count + "00\r\n"},
                          {"QUIT", "+OK\r\n"}},
                         ending::close_now});
    sessions.push_back(std::make_unique<asio_tcp_session>(o, io));
  }
  const auto test_thread = std::this_thread::get_id();
  std::vector<std::optional<events::stat_info>> answers(n);
  for (std::size_t i = 0; i < n; ++i) {
    asio::co_spawn(
        io,
        [&, i]() -> asio::awaitable<void> {
          asio_tcp_session& s = *sessions[i];
          const std::string user = "user" + std::to_string(i);
          if (!co_await s.connect("127.0.0.1", peers[i]->port())) co_return;
          if (!co_await s.login(user, "pw")) co_return;
          auto st = co_await s.stat();
          if (st && co_await s.quit()) answers[i] = *st;
          EXPECT_EQ(std::this_thread::get_id(), test_thread);
        },
        [](const std::exception_ptr& e) {
          if (e) std::rethrow_exception(e);
        });
  }
  io.run_for(20s);
  for (std::size_t i = 0; i < n; ++i) {
    SCOPED_TRACE("session " + std::to_string(i));
    ASSERT_TRUE(answers[i]) << (sessions[i]->failure() ? name(sessions[i]->failure()->code) : "");
    EXPECT_EQ(answers[i]->count, i);
    EXPECT_EQ(answers[i]->octets, i * 100);
    EXPECT_EQ(peers[i]->arrived_before_greeting(), n);
    EXPECT_TRUE(peers[i]->problems().empty()) << peers[i]->problems().front();
  }
}

}  // namespace
}  // namespace pop3::test
