// Faults through the fault-injecting transport and hostile scripted servers: every failure
// is a clean, exact error; an interrupted message is never reported complete.
#include <gtest/gtest.h>

#include "pop3/fault_transport.hpp"
#include "pop3/memory_transport.hpp"
#include "pop3/session.hpp"
#include "scripted_server.hpp"

namespace pop3::test {
namespace {

using namespace std::chrono_literals;

/// The greeting and a USER/PASS login, each reply only after its command (a server that
/// answers early is caught as sending data nobody asked for).
scripted_server& log_in(scripted_server& s) {
  return s.send("+OK ready\r\n")
      .expect("USER a\r\n")
      .send("+OK\r\n")
      .expect("PASS b\r\n")
      .send("+OK\r\n");
}
const std::string retr_reply =
    "+OK 52 octets\r\nSubject: faults\r\n\r\n..dot line\r\n..\r\nlast line\r\n.\r\n";
const std::string message = "Subject: faults\r\n\r\n.dot line\r\n.\r\nlast line\r\n";

struct outcome {
  enum { before_retr, retr_failed, retr_done } stage = before_retr;
  error failure{};
  string_sink sink;
};

/// Runs greeting, login and RETR 1 over a fault_transport that delivers one byte per read.
outcome run_retr(const fault_plan& plan, std::size_t* operations = nullptr) {
  auto [client, server_end] = make_memory_pair();
  scripted_server server(std::move(server_end));
  log_in(server).expect("RETR 1\r\n").send(retr_reply).expect_close();
  server.start();
  auto faulty = std::make_unique<fault_transport>(std::move(client), plan);
  fault_transport* probe = faulty.get();
  session_options o;
  o.idle_timeout = 2s;
  o.command_timeout = 5s;
  outcome out;
  {
    auto s = session::start(std::move(faulty), o);
    if (!s) {
      out.failure = s.error();
      server.finish();
      return out;
    }
    if (auto l = s->login("a", "b"); !l) {
      out.failure = l.error();
    } else if (auto r = s->retr(1, out.sink); !r) {
      out.stage = outcome::retr_failed;
      out.failure = r.error();
    } else {
      out.stage = outcome::retr_done;
    }
    if (operations) *operations = probe->operations();
  }
  server.finish();
  return out;
}

TEST(session_faults, clean_run_delivers_the_message) {
  std::size_t ops = 0;
  const outcome clean = run_retr({.read_splits = {1}, .repeat_last = true}, &ops);
  ASSERT_EQ(clean.stage, outcome::retr_done);
  EXPECT_EQ(clean.sink.data(), message);
  EXPECT_GT(ops, retr_reply.size());  // one read per byte, plus writes
}

// The connection closes at every operation, so at every byte offset of the RETR reply: the
// retrieval fails with connection_closed and the sink is told the message is incomplete.
TEST(session_faults, close_at_every_offset_of_a_retr_reply) {
  std::size_t ops = 0;
  ASSERT_EQ(run_retr({.read_splits = {1}, .repeat_last = true}, &ops).stage, outcome::retr_done);
  std::size_t retr_failures = 0;
  for (std::size_t n = 0; n < ops; ++n) {
    const outcome o =
        run_retr({.kind = fault_kind::close, .at = n, .read_splits = {1}, .repeat_last = true});
    if (o.stage == outcome::retr_done) {
      EXPECT_EQ(o.sink.data(), message) << "operation " << n;  // the close came after the end
      continue;
    }
    // Writes after the close fail with EPIPE (io_error); reads see end of stream.
    EXPECT_TRUE(o.failure.code == errc::connection_closed || o.failure.code == errc::io_error)
        << "operation " << n << ": " << name(o.failure.code);
    if (o.stage == outcome::retr_failed) {
      ++retr_failures;
      EXPECT_TRUE(o.sink.aborted()) << "operation " << n;
      EXPECT_FALSE(o.sink.finished()) << "operation " << n;
      EXPECT_EQ(o.sink.abort_reason(), o.failure) << "operation " << n;
    }
  }
  EXPECT_GE(retr_failures, retr_reply.size());  // every offset of the reply was hit
}

TEST(session_faults, failure_and_stall_at_every_operation) {
  std::size_t ops = 0;
  ASSERT_EQ(run_retr({.read_splits = {3}, .repeat_last = true}, &ops).stage, outcome::retr_done);
  for (std::size_t n = 0; n < ops; ++n) {
    const outcome failed =
        run_retr({.kind = fault_kind::fail, .at = n, .read_splits = {3}, .repeat_last = true});
    EXPECT_NE(failed.stage, outcome::retr_done) << n;
    EXPECT_EQ(failed.failure.code, errc::io_error) << n;
    EXPECT_EQ(failed.failure.system_error, ECONNRESET) << n;
    if (failed.stage == outcome::retr_failed) {
      EXPECT_TRUE(failed.sink.aborted()) << n;
    }
  }
  // A stall lasts until the operation's deadline (idle_timeout): timeout, at a few points.
  for (std::size_t n : {std::size_t{0}, ops / 2, ops - 1}) {
    const outcome stalled =
        run_retr({.kind = fault_kind::stall, .at = n, .read_splits = {3}, .repeat_last = true});
    EXPECT_NE(stalled.stage, outcome::retr_done) << n;
    EXPECT_EQ(stalled.failure.code, errc::timeout) << n;
  }
}

struct hostile {
  std::unique_ptr<scripted_server> server;
  result<session> s = unexpected(errc::io_error);
  hostile(const std::function<void(scripted_server&)>& script, session_options o) {
    auto [client, server_end] = make_memory_pair();
    server = std::make_unique<scripted_server>(std::move(server_end));
    log_in(*server);
    script(*server);
    server->start();
    s = session::start(std::move(client), o);
    EXPECT_TRUE(s);
    EXPECT_TRUE(s->login("a", "b"));
  }
  ~hostile() {
    s = unexpected(errc::io_error);  // closes the connection, so the server thread ends
    server->finish();
  }
};

session_options patient() {
  session_options o;
  o.idle_timeout = 2s;
  o.command_timeout = 5s;
  return o;
}

// security-cases.md 32: 1 MiB without CRLF.
TEST(session_faults, megabyte_status_line_without_crlf) {
  hostile h(
      [](scripted_server& s) {
        s.expect("NOOP\r\n").send(std::string(1 << 20, 'A')).expect_close();
      },
      patient());
  auto r = h.s->noop();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::line_too_long);
  EXPECT_EQ(r.error().command, command_kind::noop);
  EXPECT_EQ(h.s->noop().error().code, errc::line_too_long);  // the session stays broken
}

// security-cases.md 52: a multi-line reply that never ends stops at a limit ...
TEST(session_faults, endless_uidl_listing_hits_the_message_limit) {
  std::string endless = "+OK\r\n";
  for (int i = 1; i <= 2000; ++i)
    endless += std::to_string(i) + " uid" + std::to_string(i) + "\r\n";
  session_options o = patient();
  o.engine.max_messages = 1000;
  hostile h([&](scripted_server& s) { s.expect("UIDL\r\n").send(endless).expect_close(); }, o);
  auto r = h.s->uidl();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::message_number_out_of_range);
}

// ... or at the command deadline (a body has no size limit of its own).
TEST(session_faults, endless_message_hits_the_command_deadline) {
  session_options o = patient();
  o.command_timeout = 300ms;
  std::string lines;
  for (int i = 0; i < 2000; ++i)
    lines += "more data\r\n";
  hostile h([&](scripted_server& s) { s.expect("RETR 1\r\n").send("+OK\r\n").trickle(lines, 2ms); },
            o);
  string_sink sink;
  auto r = h.s->retr(1, sink);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::deadline_exceeded);
  EXPECT_TRUE(sink.aborted());
  EXPECT_EQ(sink.abort_reason().code, errc::deadline_exceeded);
}

// security-cases.md 50: one byte every 20 ms never lets the idle timeout fire; the command
// deadline does.
TEST(session_faults, slow_server_hits_the_command_deadline) {
  session_options o = patient();
  o.command_timeout = 200ms;
  hostile h(
      [](scripted_server& s) {
        s.expect("STAT\r\n").trickle("+OK 1 1000 slowly but surely\r\n", 20ms);
      },
      o);
  auto r = h.s->stat();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::deadline_exceeded);
  EXPECT_EQ(r.error().command, command_kind::none);
}

// security-cases.md 51: silence after a command.
TEST(session_faults, silent_server_hits_the_idle_timeout) {
  session_options o = patient();
  o.idle_timeout = 100ms;
  hostile h([](scripted_server& s) { s.expect("STAT\r\n").expect_close(); }, o);
  auto r = h.s->stat();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::timeout);
}

// security-cases.md 39 through the session: fatal, and the connection is closed.
TEST(session_faults, malformed_listings) {
  struct row {
    std::string command;
    std::string reply;
    errc code;
    std::function<error(session&)> call;
  };
  const std::vector<row> rows = {
      {"STAT\r\n", "+OK -1 0\r\n", errc::malformed_reply,
       [](session& s) { return s.stat().error(); }},
      {"STAT\r\n", "+OK 3 99999999999999999999\r\n", errc::number_overflow,
       [](session& s) { return s.stat().error(); }},
      {"LIST\r\n", "+OK\r\n1 10\r\n1 10\r\n.\r\n", errc::duplicate_entry,
       [](session& s) { return s.list().error(); }},
      {"LIST\r\n", "+OK\r\n0 10\r\n.\r\n", errc::message_number_out_of_range,
       [](session& s) { return s.list().error(); }},
      {"LIST 3\r\n", "+OK 4 10\r\n", errc::wrong_message_number,
       [](session& s) { return s.list(3).error(); }},
      {"UIDL\r\n", "+OK\r\n1 bad\x01uid\r\n.\r\n", errc::invalid_uid,
       [](session& s) { return s.uidl().error(); }},
      {"UIDL\r\n", "+OK\r\n1 same\r\n2 same\r\n.\r\n", errc::duplicate_entry,
       [](session& s) { return s.uidl().error(); }},
  };
  for (const row& r : rows) {
    hostile h([&](scripted_server& s) { s.expect(r.command).send(r.reply).expect_close(); },
              patient());
    EXPECT_EQ(r.call(*h.s).code, r.code) << r.reply;
    EXPECT_EQ(h.s->noop().error().code, r.code) << "sticky: " << r.reply;
  }
}

}  // namespace
}  // namespace pop3::test
