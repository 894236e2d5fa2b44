// The transport fault matrix (issue 6): a whole session (greeting, login, STAT, UIDL, 20 RETRs
// each followed by its DELE as `pop3 fetch` does it, QUIT) fails at every transport operation
// in turn, in every fault mode, with pipelining on and off, for each login method with its own
// exchange: USER/PASS, APOP, and the SASL mechanisms PLAIN (initial response), LOGIN (two
// challenges) and CRAM-MD5 (one challenge). Each run must end with the exact error of the
// fault, at once, with no message reported complete that was cut and no DELE sent for a
// message that was not finished.
//
// The server is a synchronous transport in this file rather than a thread: its replies are
// queued the moment a command is written, so reads see the same bytes in every run and the
// operations of a faulty run are, up to the fault, exactly those of the clean run.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "pop3/auth.hpp"
#include "pop3/fault_transport.hpp"
#include "pop3/session.hpp"

namespace pop3::test {
namespace {

using namespace std::chrono_literals;

constexpr std::uint32_t message_count = 20;
constexpr std::uint32_t large_message = 7;  // the one of about 100 KiB

// A stall sleeps until the operation's deadline, which is the idle timeout: short, so that
// hundreds of stalls take about a second. No other operation can time out, because neither
// transport below the session ever waits.
constexpr std::chrono::milliseconds stall_time = 1ms;

// ---------------------------------------------------------------------------------------------
// The mail

/// A fixed-seed generator, so that every run of the test sees the same mail.
class lcg {
 public:
  explicit lcg(std::uint64_t seed) : state_(seed) {}
  std::uint32_t below(std::uint32_t bound) {
    state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<std::uint32_t>(state_ >> 33) % bound;
  }

 private:
  std::uint64_t state_;
};

/// Text lines up to `target` octets, a sixth of them beginning with a dot (".", "..", ".x")
/// so that the server has to dot-stuff them.
std::string body_lines(lcg& random, std::size_t target) {
  static constexpr std::array<std::string_view, 4> dotted = {".", "..", ".hidden", "..."};
  std::string text;
  while (text.size() < target) {
    if (random.below(6) == 0) text += dotted[random.below(dotted.size())];
    const std::uint32_t length = random.below(120);
    for (std::uint32_t i = 0; i < length; ++i)
      text += static_cast<char>('a' + random.below(26));
    text += "\r\n";
  }
  return text;
}

/// The 20 messages as the user sees them. Edge cases sit at fixed numbers: 1 is empty, 2 is
/// a single "." line, 7 is about 100 KiB, 13 is one 5000-octet line beginning with a dot.
std::vector<std::string> make_messages() {
  lcg random(20240606);
  std::vector<std::string> mail;
  for (std::uint32_t n = 1; n <= message_count; ++n) {
    std::string m;
    if (n == 1) {
      m = "";
    } else if (n == 2) {
      m = "Subject: just a dot\r\n\r\n.\r\n";
    } else if (n == 13) {
      m = "Subject: long line\r\n\r\n." + std::string(5000, 'L') + "\r\n";
    } else {
      m = "Subject: message " + std::to_string(n) + "\r\n\r\n";
      const std::size_t target = n == large_message ? 100 * 1024 : 100 + random.below(6000);
      m += body_lines(random, target);
    }
    mail.push_back(std::move(m));
  }
  return mail;
}

/// RFC 1939 §3: a line beginning with "." gets another one.
std::string dot_stuff(std::string_view message) {
  std::string out;
  bool line_start = true;
  for (char c : message) {
    if (line_start && c == '.') out += '.';
    out += c;
    line_start = c == '\n';
  }
  return out;
}

/// The messages and the server's replies that carry them, built once: stuffing 130 KiB
/// again in every one of the thousands of runs would be most of the matrix's time.
struct mailbox {
  std::vector<std::string> messages;
  std::string stat_reply;
  std::string uidl_reply;
  std::vector<std::string> retr_replies;
};

mailbox make_mailbox() {
  mailbox box;
  box.messages = make_messages();
  std::size_t octets = 0;
  box.uidl_reply = "+OK\r\n";
  for (std::size_t n = 1; n <= box.messages.size(); ++n) {
    const std::string& m = box.messages[n - 1];
    octets += m.size();
    box.uidl_reply += std::to_string(n) + " uid-" + std::to_string(n) + "\r\n";
    box.retr_replies.push_back("+OK " + std::to_string(m.size()) + " octets\r\n" + dot_stuff(m) +
                               ".\r\n");
  }
  box.uidl_reply += ".\r\n";
  box.stat_reply =
      "+OK " + std::to_string(box.messages.size()) + " " + std::to_string(octets) + "\r\n";
  return box;
}

// ---------------------------------------------------------------------------------------------
// The login exchanges

/// One line the client must send during login, and the server's reply to it.
struct login_step {
  std::string_view line;
  std::string_view reply;
  /// The command the engine waits on for that reply. A SASL exchange is one command: the
  /// lines answering challenges are not queued, so every reply in it is AUTH's.
  command_kind answers;
};

/// The greeting carries RFC 1939 §7's timestamp, so that APOP is possible.
constexpr std::string_view greeting_line =
    "+OK fault matrix ready <1896.697170952@dbc.mtview.ca.us>\r\n";

/// Each method's credentials and exchange, from the RFCs' own examples, so that the digests
/// are known answers: RFC 1939 §7 (APOP: mrose, tanstaaf) and RFC 2195 §2 (CRAM-MD5: tim,
/// tanstaaftanstaaf). PLAIN's line is base64("\0mrose\0tanstaaf"); LOGIN's answers are
/// base64("mrose") and base64("tanstaaf") to the prompts "Username:" and "Password:".
struct login_script {
  credentials who;
  std::vector<login_step> steps;
};

/// The methods the matrix runs, each through authenticate() as `pop3 fetch` logs in.
constexpr std::array<auth_mechanism, 5> login_methods = {
    auth_mechanism::user, auth_mechanism::apop, auth_mechanism::plain, auth_mechanism::login,
    auth_mechanism::cram_md5};

login_script script_for(auth_mechanism method) {
  const credentials mrose{"mrose", "tanstaaf", {}};
  switch (method) {
    case auth_mechanism::user:
      return {mrose,
              {{"USER mrose", "+OK\r\n", command_kind::user},
               {"PASS tanstaaf", "+OK logged in\r\n", command_kind::pass}}};
    case auth_mechanism::apop:
      return {mrose,
              {{"APOP mrose c4c9334bac560ecc979e58001b3e22fb", "+OK maildrop locked\r\n",
                command_kind::apop}}};
    case auth_mechanism::plain:
      return {mrose,
              {{"AUTH PLAIN AG1yb3NlAHRhbnN0YWFm", "+OK logged in\r\n", command_kind::auth}}};
    case auth_mechanism::login:
      return {mrose,
              {{"AUTH LOGIN", "+ VXNlcm5hbWU6\r\n", command_kind::auth},
               {"bXJvc2U=", "+ UGFzc3dvcmQ6\r\n", command_kind::auth},
               {"dGFuc3RhYWY=", "+OK logged in\r\n", command_kind::auth}}};
    case auth_mechanism::cram_md5:
      return {{"tim", "tanstaaftanstaaf", {}},
              {{"AUTH CRAM-MD5", "+ PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n",
                command_kind::auth},
               {"dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw", "+OK logged in\r\n",
                command_kind::auth}}};
    default:
      return {};  // not one of login_methods
  }
}

// ---------------------------------------------------------------------------------------------
// The server

/// What the server saw and said; kept outside the transport so that it outlives the session.
struct server_record {
  struct reply {
    std::size_t end;  ///< where the reply ends in `sent`
    command_kind command;
  };
  std::string received;  ///< every byte the client wrote
  std::string sent;      ///< every reply, in order (the greeting first)
  std::vector<reply> replies;
  std::vector<std::string> problems;
  bool closed = false;

  /// The reply the client is waiting for once it has read `offset` octets of `sent`.
  command_kind reply_due(std::size_t offset) const {
    for (const reply& r : replies)
      if (offset < r.end) return r.command;
    return command_kind::none;
  }
};

/// A POP3 server as a transport: each complete command line written to it queues its reply
/// at once, and reads hand the queued replies out.
class mailbox_server final : public transport {
 public:
  mailbox_server(const mailbox& mail, const login_script& login, server_record& record)
      : mail_(mail), login_(login), record_(record) {
    queue(command_kind::greeting, greeting_line);
  }

  result<std::size_t> read(std::span<char> buffer, deadline) override {
    if (record_.closed) return unexpected(error(errc::io_error, {}, {}, EBADF));
    const std::size_t left = record_.sent.size() - delivered_;
    if (left == 0) {
      if (quit_) return std::size_t{0};
      // Nothing is owed: the client would wait for ever on a real server.
      record_.problems.push_back("read with no reply due");
      return unexpected(errc::timeout);
    }
    const std::size_t count = std::min(left, buffer.size());
    record_.sent.copy(buffer.data(), count, delivered_);
    delivered_ += count;
    return count;
  }

  result<void> write(std::span<const char> data, deadline) override {
    if (record_.closed) return unexpected(error(errc::io_error, {}, {}, EBADF));
    if (quit_) return unexpected(error(errc::io_error, {}, {}, EPIPE));
    record_.received.append(data.data(), data.size());
    pending_.append(data.data(), data.size());
    for (std::size_t end; (end = pending_.find("\r\n")) != std::string::npos;) {
      answer(pending_.substr(0, end));
      pending_.erase(0, end + 2);
    }
    return {};
  }

  void close() noexcept override { record_.closed = true; }

 private:
  void queue(command_kind command, std::string_view bytes) {
    record_.sent += bytes;
    record_.replies.push_back({record_.sent.size(), command});
  }

  /// The message number after a command keyword, or 0 if there is none in range.
  std::uint32_t message_number(std::string_view line, std::string_view keyword) const {
    if (line.substr(0, keyword.size()) != keyword) return 0;
    const std::string digits(line.substr(keyword.size()));
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) return 0;
    const unsigned long n = std::stoul(digits);
    return n >= 1 && n <= mail_.messages.size() ? static_cast<std::uint32_t>(n) : 0;
  }

  void answer(std::string_view line) {
    if (login_done_ < login_.steps.size()) {
      const login_step& step = login_.steps[login_done_];
      if (line == step.line) {
        ++login_done_;
        return queue(step.answers, step.reply);
      }
    }
    if (line == "STAT") return queue(command_kind::stat, mail_.stat_reply);
    if (line == "UIDL") return queue(command_kind::uidl, mail_.uidl_reply);
    if (const std::uint32_t n = message_number(line, "RETR "))
      return queue(command_kind::retr, mail_.retr_replies[n - 1]);
    if (const std::uint32_t n = message_number(line, "DELE ")) {
      return queue(command_kind::dele, "+OK message " + std::to_string(n) + " deleted\r\n");
    }
    if (line == "QUIT") {
      quit_ = true;
      return queue(command_kind::quit, "+OK bye\r\n");
    }
    record_.problems.push_back("unexpected command: " + std::string(line));
    queue(command_kind::none, "-ERR unexpected\r\n");
  }

  const mailbox& mail_;
  const login_script& login_;
  std::size_t login_done_ = 0;  // steps of the login exchange seen so far
  server_record& record_;
  std::string pending_;
  std::size_t delivered_ = 0;
  bool quit_ = false;
};

// ---------------------------------------------------------------------------------------------
// The client side: which session call each transport operation belongs to

enum class phase : std::uint8_t { greeting, login, stat, uidl, batch, quit, done };

std::string_view phase_name(phase p) {
  static constexpr std::array<std::string_view, 7> names = {"greeting", "login", "stat", "uidl",
                                                            "batch",    "quit",  "done"};
  return names[static_cast<std::size_t>(p)];
}

struct operation {
  bool write;
  phase during;
  std::size_t received_before;  ///< octets the session had read before this operation
  std::size_t written_before;   ///< octets the server had accepted before this operation
  std::size_t command_lines;    ///< for a write: how many commands it carried
};

/// Sits between the session and the fault_transport and logs every operation.
class operation_recorder final : public transport {
 public:
  operation_recorder(std::unique_ptr<fault_transport> inner, const phase& current,
                     std::vector<operation>& log)
      : inner_(std::move(inner)), current_(current), log_(log) {}

  result<std::size_t> read(std::span<char> buffer, deadline until) override {
    log_.push_back({false, current_, inner_->received().size(), inner_->written().size(), 0});
    return inner_->read(buffer, until);
  }

  result<void> write(std::span<const char> data, deadline until) override {
    std::size_t lines = 0;
    for (char c : data)
      lines += c == '\n' ? 1 : 0;
    log_.push_back({true, current_, inner_->received().size(), inner_->written().size(), lines});
    return inner_->write(data, until);
  }

  void close() noexcept override { inner_->close(); }

 private:
  std::unique_ptr<fault_transport> inner_;
  const phase& current_;
  std::vector<operation>& log_;
};

/// A sink that records every call it gets and how many operations had been made by then.
class recording_sink final : public body_sink {
 public:
  void attach(const std::vector<operation>& log) { log_ = &log; }
  void open() { opened_at = log_->size(); }

  result<void> write(std::string_view bytes) override {
    if (finishes > 0 || aborts > 0) ++late_writes;
    data.append(bytes);
    return {};
  }
  result<void> finish() override {
    ++finishes;
    finished_at = log_->size();
    return {};
  }
  void abort(const error& why) noexcept override {
    ++aborts;
    reason = why;
  }

  std::string data;
  std::optional<std::size_t> opened_at;    ///< operations made when sink_for() returned it
  std::optional<std::size_t> finished_at;  ///< operations made when finish() was called
  int finishes = 0;
  int aborts = 0;
  int late_writes = 0;
  error reason{};

 private:
  const std::vector<operation>* log_ = nullptr;
};

struct run_result {
  phase failed_in = phase::done;  ///< `done`: nothing failed
  error failure{};
  std::optional<error> sticky;  ///< what a call after the failure returned
  std::vector<operation> operations;
  std::array<recording_sink, message_count> sinks;
  std::vector<std::uint32_t> retrieved;  ///< retrieved() with success, in order
  std::vector<std::uint32_t> deleted;    ///< deleted() with success, in order
  server_record server;
  maildrop_stat stat;
  std::vector<uidl_entry> uids;
};

/// Runs the whole session through the fault plan; stops at the first failing call.
void run_session(const mailbox& mail, auth_mechanism method, fault_plan plan, pipelining_mode mode,
                 run_result& out) {
  const login_script login = script_for(method);
  for (recording_sink& sink : out.sinks)
    sink.attach(out.operations);
  phase current = phase::greeting;
  auto faulty = std::make_unique<fault_transport>(
      std::make_unique<mailbox_server>(mail, login, out.server), std::move(plan));
  auto recorder = std::make_unique<operation_recorder>(std::move(faulty), current, out.operations);

  session_options options;
  options.idle_timeout = stall_time;
  options.command_timeout = 60s;  // never reached: only the idle timeout may fire
  options.pipelining = mode;
  const auto failed = [&](const error& e) {
    out.failed_in = current;
    out.failure = e;
  };

  auto s = session::start(std::move(recorder), options);
  if (!s) return failed(s.error());
  const auto check = [&](const auto& r) {
    if (r) return true;
    failed(r.error());
    out.sticky = s->noop().error();
    return false;
  };

  current = phase::login;
  auth_options how;
  how.mechanism = method;
  if (!check(authenticate(*s, login.who, how))) return;
  current = phase::stat;
  auto stat = s->stat();
  if (!check(stat)) return;
  out.stat = *stat;
  current = phase::uidl;
  auto uids = s->uidl();
  if (!check(uids)) return;
  out.uids = *uids;

  current = phase::batch;
  std::vector<std::uint32_t> all;
  for (std::uint32_t n = 1; n <= message_count; ++n)
    all.push_back(n);
  batch_steps steps;
  steps.sink_for = [&](std::uint32_t n) -> body_sink& {
    recording_sink& sink = out.sinks[n - 1];
    sink.open();
    return sink;
  };
  // As `pop3 fetch` does: DELE a message only once it was delivered whole.
  steps.retrieved = [&](const batch_item& item) {
    if (item.outcome) out.retrieved.push_back(item.message);
    return item.outcome.has_value();
  };
  steps.deleted = [&](const batch_item& item) {
    if (item.outcome) out.deleted.push_back(item.message);
  };
  if (!check(s->retrieve_and_delete(all, {}, steps))) return;

  current = phase::quit;
  if (!check(s->quit())) return;
  current = phase::done;
}

/// Read caps for the fault_transport: a fixed cycle from 1 octet to 2000, so that operations
/// end inside status lines, inside bodies and inside the CRLF.CRLF terminator.
fault_plan plan(fault_kind kind, std::size_t at) {
  static constexpr std::array<std::size_t, 9> cycle = {1, 2, 3, 7, 61, 200, 509, 1400, 2000};
  fault_plan p{.kind = kind, .at = at};
  for (std::size_t i = 0; i < 4000; ++i)
    p.read_splits.push_back(cycle[i % cycle.size()]);
  return p;
}

std::string show(const error& e) {
  return std::string(name(e.code)) + " (command '" + std::string(keyword(e.command)) + "', errno " +
         std::to_string(e.system_error) + ")";
}

/// The message numbers of the DELE commands in what the client wrote.
std::vector<std::uint32_t> deles_sent(std::string_view written) {
  std::vector<std::uint32_t> numbers;
  for (std::size_t at = written.find("DELE "); at != std::string_view::npos;
       at = written.find("DELE ", at + 1)) {
    const std::size_t end = written.find("\r\n", at);
    if (end == std::string_view::npos) continue;  // a cut command is not a command
    numbers.push_back(
        static_cast<std::uint32_t>(std::stoul(std::string(written.substr(at + 5, end - at - 5)))));
  }
  return numbers;
}

/// The exact error a fault at operation `op` must produce.
error expected_failure(fault_kind kind, const operation& op, const server_record& clean) {
  switch (kind) {
    case fault_kind::fail:
      return error(errc::io_error, {}, {}, ECONNRESET);
    case fault_kind::stall:
      return error(errc::timeout);
    case fault_kind::close:
      // A write to a closed peer is EPIPE; a read sees end of stream, which the engine
      // reports against the reply it was waiting for.
      if (op.write) return error(errc::io_error, {}, {}, EPIPE);
      return error(errc::connection_closed, clean.reply_due(op.received_before));
    case fault_kind::none:
      break;
  }
  return error{};
}

// ---------------------------------------------------------------------------------------------
// The matrix

struct matrix_case {
  fault_kind kind;
  pipelining_mode mode;
  auth_mechanism method;
};

std::string case_name(const matrix_case& c) {
  static constexpr std::array<std::string_view, 4> kinds = {"none", "fail", "close", "stall"};
  std::string method(to_string(c.method));  // "cram-md5": test names take no '-'
  std::replace(method.begin(), method.end(), '-', '_');
  return method + "_" + std::string(kinds[static_cast<std::size_t>(c.kind)]) +
         (c.mode == pipelining_mode::on ? "_pipelined" : "_one_at_a_time");
}

std::string test_name(const testing::TestParamInfo<matrix_case>& info) {
  return case_name(info.param);
}

// Found by gtest through argument-dependent lookup: ctest lists the case by name instead of
// as "2-byte object <03-02>".
void PrintTo(const matrix_case& c, std::ostream* out) {
  *out << case_name(c);
}

class fault_matrix : public testing::TestWithParam<matrix_case> {
 protected:
  static const mailbox& box() {
    static const mailbox b = make_mailbox();
    return b;
  }
  static const std::string& message(std::uint32_t n) { return box().messages[n - 1]; }

  /// The clean run, checked in full: it is the reference for every faulty run.
  static std::unique_ptr<run_result> clean_run(auth_mechanism method, pipelining_mode mode) {
    auto clean = std::make_unique<run_result>();
    run_session(box(), method, plan(fault_kind::none, 0), mode, *clean);
    const run_result& r = *clean;
    EXPECT_EQ(r.failed_in, phase::done) << show(r.failure);
    EXPECT_TRUE(r.server.problems.empty()) << r.server.problems.front();
    EXPECT_TRUE(r.server.closed);
    std::uint64_t octets = 0;
    std::vector<uidl_entry> uids;
    std::vector<std::uint32_t> all;
    for (std::uint32_t n = 1; n <= message_count; ++n) {
      octets += message(n).size();
      uids.push_back({n, "uid-" + std::to_string(n)});
      all.push_back(n);
      const recording_sink& sink = r.sinks[n - 1];
      EXPECT_EQ(sink.finishes, 1) << n;
      EXPECT_EQ(sink.aborts, 0) << n;
      EXPECT_TRUE(sink.data == message(n)) << "message " << n << " differs";
    }
    EXPECT_EQ(r.stat.count, message_count);
    EXPECT_EQ(r.stat.octets, octets);
    EXPECT_TRUE(r.uids == uids);
    EXPECT_EQ(r.retrieved, all);
    EXPECT_EQ(r.deleted, all);
    // Pipelining really is on or off: some write carries several commands, or none does.
    std::size_t most_lines = 0;
    for (const operation& op : r.operations)
      most_lines = std::max(most_lines, op.command_lines);
    if (mode == pipelining_mode::on)
      EXPECT_GT(most_lines, 1U);
    else
      EXPECT_EQ(most_lines, 1U);
    return clean;
  }
};

// Each faulty run is compared with the clean run: up to operation N it is the same session, at
// N it must stop with exactly the fault's error, having delivered exactly the messages the
// clean run had finished by then.
TEST_P(fault_matrix, every_operation) {
  const auto [kind, mode, method] = GetParam();
  const auto clean = clean_run(method, mode);
  ASSERT_FALSE(HasFailure());
  const std::vector<operation>& ops = clean->operations;

  // The matrix reaches every phase, and the inside of message bodies.
  std::array<int, 7> per_phase{};
  std::size_t inside_bodies = 0;
  for (const operation& op : ops) {
    ++per_phase[static_cast<std::size_t>(op.during)];
    inside_bodies += !op.write && clean->server.reply_due(op.received_before) == command_kind::retr;
  }
  for (phase p :
       {phase::greeting, phase::login, phase::stat, phase::uidl, phase::batch, phase::quit})
    EXPECT_GT(per_phase[static_cast<std::size_t>(p)], 0) << phase_name(p);
  EXPECT_GT(inside_bodies, 100U);

  const auto started = steady_clock::now();
  for (std::size_t n = 0; n < ops.size(); ++n) {
    SCOPED_TRACE("fault at operation " + std::to_string(n) + " (" +
                 (ops[n].write ? "write" : "read") + " during " +
                 std::string(phase_name(ops[n].during)) + ")");
    auto run = std::make_unique<run_result>();
    run_session(box(), method, plan(kind, n), mode, *run);
    const run_result& r = *run;
    const error expected = expected_failure(kind, ops[n], clean->server);

    // A clean error, at once, by the call that made operation N, and sticky.
    ASSERT_EQ(r.failed_in, ops[n].during) << show(r.failure);
    ASSERT_EQ(show(r.failure), show(expected));
    EXPECT_TRUE(r.failure == expected);
    if (r.failed_in != phase::greeting) {
      ASSERT_TRUE(r.sticky.has_value());
      EXPECT_TRUE(*r.sticky == expected) << show(*r.sticky);
    }
    EXPECT_EQ(r.operations.size(), n + 1) << "operations after the fault";
    EXPECT_TRUE(r.server.closed) << "the connection was left open";
    EXPECT_TRUE(r.server.problems.empty()) << r.server.problems.front();

    // The server got exactly what the clean run had sent before operation N.
    EXPECT_TRUE(r.server.received == clean->server.received.substr(0, ops[n].written_before))
        << "sent " << r.server.received.size() << " octets, clean run " << ops[n].written_before;

    // Messages: finished (whole) exactly if the clean run had finished them before N;
    // otherwise aborted with the fault's error if begun, untouched if not.
    std::vector<std::uint32_t> finished;
    for (std::uint32_t m = 1; m <= message_count; ++m) {
      const recording_sink& sink = r.sinks[m - 1];
      const recording_sink& reference = clean->sinks[m - 1];
      EXPECT_EQ(sink.late_writes, 0) << "message " << m;
      const bool opened = reference.opened_at && *reference.opened_at <= n;
      const bool complete = reference.finished_at && *reference.finished_at <= n;
      EXPECT_EQ(sink.opened_at.has_value(), opened) << "message " << m;
      if (complete) {
        finished.push_back(m);
        EXPECT_EQ(sink.finishes, 1) << "message " << m;
        EXPECT_EQ(sink.aborts, 0) << "message " << m;
        EXPECT_TRUE(sink.data == message(m)) << "message " << m << " differs";
      } else {
        EXPECT_EQ(sink.finishes, 0) << "message " << m << " was cut but reported complete";
        EXPECT_EQ(sink.aborts, opened ? 1 : 0) << "message " << m;
        if (opened) {
          EXPECT_TRUE(sink.reason == expected) << show(sink.reason);
        }
      }
    }
    EXPECT_EQ(r.retrieved, finished);

    // No DELE for a message that was not finished.
    for (std::uint32_t m : deles_sent(r.server.received))
      EXPECT_TRUE(r.sinks[m - 1].finishes == 1) << "DELE " << m << " for an unfinished message";
    for (std::uint32_t m : r.deleted)
      EXPECT_EQ(r.sinks[m - 1].finishes, 1) << "message " << m;
  }

  // Past the last operation the fault never strikes: the session completes.
  run_result beyond;
  run_session(box(), method, plan(kind, ops.size()), mode, beyond);
  EXPECT_EQ(beyond.failed_in, phase::done) << show(beyond.failure);

  const auto elapsed =
      std::chrono::duration_cast<std::chrono::milliseconds>(steady_clock::now() - started);
  std::printf("[ matrix   ] %zu operations (%zu writes), %lld ms\n", ops.size(),
              static_cast<std::size_t>(std::count_if(ops.begin(), ops.end(),
                                                     [](const operation& op) { return op.write; })),
              static_cast<long long>(elapsed.count()));
}

/// Every fault kind, with pipelining off and on, for every login method.
std::vector<matrix_case> all_cases() {
  std::vector<matrix_case> cases;
  for (auth_mechanism method : login_methods)
    for (fault_kind kind : {fault_kind::fail, fault_kind::close, fault_kind::stall})
      for (pipelining_mode mode : {pipelining_mode::off, pipelining_mode::on})
        cases.push_back({kind, mode, method});
  return cases;
}

INSTANTIATE_TEST_SUITE_P(modes, fault_matrix, testing::ValuesIn(all_cases()), test_name);

}  // namespace
}  // namespace pop3::test
