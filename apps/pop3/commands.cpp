#include "commands.hpp"

#include <fmt/core.h>
#include <unistd.h>
#include <algorithm>

#include <nlohmann/json.hpp>

#include "output_file.hpp"
#include "pop3/session.hpp"
#include "report.hpp"
#include "url.hpp"

namespace pop3::cli {
namespace {

using json = nlohmann::json;

void print_json(const json& document) {
  // Server text may not be UTF-8: replace invalid bytes rather than fail.
  fmt::print("{}\n", document.dump(2, ' ', false, json::error_handler_t::replace));
}

/// A connected (and, if asked, logged-in) session, or the exit code of the failure.
class connection {
 public:
  explicit connection(const common_options& options) : options_(options) {}

  /// Connects and reads the greeting; then logs in if `login`. Prints the failure.
  bool open(bool login) {
    std::string why;
    auto url = parse_url(options_.url, why);
    if (!url) return usage(why);
    const std::string user = options_.user ? *options_.user : url->user;
    if (login && user.empty())
      return usage("no user name: give it in the URL (pop3://USER@HOST) or with --user");
    if (options_.auth != "user" && options_.auth != "apop")
      return usage("--auth must be \"user\" or \"apop\"");
    std::string password;
    if (login) {
      auto p = read_password(options_.password, why);
      if (!p) {
        fmt::print(stderr, "pop3: {}\n", why);
        code_ = p.error().code == errc::invalid_argument ? exit_usage : exit_config;
        return false;
      }
      password = std::move(*p);
    }

    session_options o;
    const auto timeout =
        std::chrono::milliseconds(static_cast<std::int64_t>(options_.timeout_seconds * 1000));
    o.connect_timeout = timeout;
    o.idle_timeout = timeout;
    o.command_timeout = 10 * timeout;
    if (options_.verbose) o.engine.trace = &print_trace;
    auto s = session::connect(url->host, url->port, o);
    if (!s) {
      const std::string where = fmt::format("cannot connect to {} port {}", url->host, url->port);
      return failed(where, s.error(), {});
    }
    session_.emplace(std::move(*s));
    if (options_.verbose) fmt::print(stderr, "* connected to {}\n", session_->peer());
    if (!login) return true;
    const login_method method =
        options_.auth == "apop" ? login_method::apop : login_method::user_pass;
    if (auto r = session_->login(user, password, method); !r)
      return failed(method == login_method::apop ? "APOP login failed" : "login failed", r.error());
    return true;
  }

  session& operator*() { return *session_; }
  session* operator->() { return &*session_; }

  /// Reports a failure of `what` and remembers its exit code; returns false.
  bool failed(std::string_view what, const error& e) {
    return failed(what, e, session_ ? session_->last_reply() : server_reply{});
  }

  /// Ends the session with QUIT (reporting a failure) and returns the exit code.
  int finish() {
    if (code_ == exit_ok && session_) {
      if (auto q = session_->quit(); !q) failed("QUIT failed", q.error());
    }
    return code_;
  }

  int code() const { return code_; }

 private:
  bool failed(std::string_view what, const error& e, const server_reply& reply) {
    fmt::print(stderr, "{}\n", failure_line(what, e, reply));
    code_ = exit_code_for(e);
    return false;
  }
  bool usage(const std::string& why) {
    fmt::print(stderr, "pop3: {}\n", why);
    code_ = exit_usage;
    return false;
  }

  const common_options& options_;
  std::optional<session> session_;
  int code_ = exit_ok;
};

std::string message_label(std::uint32_t message) {
  return fmt::format("message {}", message);
}

/// retr and top: stream one message to a file (atomically) or to standard output.
int write_message(const common_options& options, const message_output& output,
                  std::uint32_t message, std::optional<std::uint32_t> top_lines) {
  connection c(options);
  if (!c.open(true)) return c.code();
  atomic_output_file file;
  fd_sink standard_output(STDOUT_FILENO);
  body_sink* target = &standard_output;
  if (output.file) {
    if (auto opened = atomic_output_file::open(file, *output.file); !opened) {
      c.failed("cannot create " + *output.file, opened.error());
      return c.finish();
    }
    target = &file;
  }
  lf_sink converted(*target);
  body_sink& sink = output.lf ? static_cast<body_sink&>(converted) : *target;
  auto r = top_lines ? c->top(message, *top_lines, sink) : c->retr(message, sink);
  if (!r) {
    const std::string what = (top_lines ? "TOP of " : "retrieving ") + message_label(message) +
                             (output.file ? "" : " failed (output incomplete)");
    c.failed(output.file ? what + " failed; " + *output.file + " not written" : what, r.error());
  }
  return c.finish();
}

template <class T>
result<std::vector<T>> as_vector(result<T> one) {
  if (!one) return unexpected(one.error());
  return std::vector<T>{std::move(*one)};
}

/// list and uidl: every entry, or the one of message N, as "N VALUE" lines or JSON.
template <class All, class One, class Field>
int show_listing(const common_options& options, std::string_view command,
                 std::optional<std::uint32_t> message, All all, One one, Field field) {
  connection c(options);
  if (!c.open(true)) return c.code();
  auto entries = message ? as_vector(one(*c, *message)) : all(*c);
  if (!entries) {
    c.failed(std::string(command) + (message ? " " + std::to_string(*message) : "") + " failed",
             entries.error());
    return c.finish();
  }
  if (options.json) {
    json items = json::array();
    for (const auto& e : *entries) {
      const auto [key, value] = field(e);
      items.push_back({{"message", e.message}, {key, value}});
    }
    print_json(message ? items.at(0) : json{{"messages", items}});
  } else {
    for (const auto& e : *entries) {
      const auto [key, value] = field(e);
      fmt::print("{} {}\n", e.message,
                 value.is_string() ? value.template get<std::string>() : value.dump());
    }
  }
  return c.finish();
}

}  // namespace

int run_capa(const common_options& options) {
  connection c(options);
  if (!c.open(false)) return c.code();
  auto lines = c->capa();
  if (!lines) {
    c.failed("CAPA failed", lines.error());
    return c.finish();
  }
  if (options.json) {
    json caps = json::array();
    for (const auto& l : *lines)
      caps.push_back({{"name", l.name}, {"arguments", l.arguments}});
    print_json({{"greeting", c->greeting()}, {"capabilities", caps}});
  } else {
    for (const auto& l : *lines)
      fmt::print("{}\n", printable(l.arguments.empty() ? l.name : l.name + " " + l.arguments));
  }
  return c.finish();
}

int run_stat(const common_options& options) {
  connection c(options);
  if (!c.open(true)) return c.code();
  auto st = c->stat();
  if (!st) {
    c.failed("STAT failed", st.error());
    return c.finish();
  }
  if (options.json)
    print_json({{"messages", st->count}, {"octets", st->octets}});
  else
    fmt::print("{} messages, {} octets\n", st->count, st->octets);
  return c.finish();
}

int run_list(const common_options& options, std::optional<std::uint32_t> message) {
  return show_listing(
      options, "LIST", message, [](session& s) { return s.list(); },
      [](session& s, std::uint32_t n) { return s.list(n); },
      [](const list_entry& e) {
        return std::pair{"octets", json(e.octets)};
      });
}

int run_uidl(const common_options& options, std::optional<std::uint32_t> message) {
  return show_listing(
      options, "UIDL", message, [](session& s) { return s.uidl(); },
      [](session& s, std::uint32_t n) { return s.uidl(n); },
      [](const uidl_entry& e) {
        return std::pair{"uid", json(e.uid)};
      });
}

int run_top(const common_options& options, std::uint32_t message, std::uint32_t lines,
            const message_output& output) {
  return write_message(options, output, message, lines);
}

int run_retr(const common_options& options, std::uint32_t message, const message_output& output) {
  return write_message(options, output, message, std::nullopt);
}

int run_dele(const common_options& options, const std::vector<std::uint32_t>& requested) {
  std::vector<std::uint32_t> messages;  // each once, in the order given
  for (std::uint32_t m : requested)
    if (std::find(messages.begin(), messages.end(), m) == messages.end()) messages.push_back(m);
  connection c(options);
  if (!c.open(true)) return c.code();
  if (auto caps = c->capa(); !caps && caps.error().fatal()) {  // for PIPELINING; -ERR is fine
    c.failed("CAPA failed", caps.error());
    return c.finish();
  }
  auto items = c->dele_many(messages);
  if (!items) {
    c.failed("DELE failed; nothing was deleted", items.error());
    return c.finish();
  }
  for (const batch_item& item : *items) {
    if (item.outcome) continue;
    // All or nothing: undo the marks so that QUIT deletes none of them.
    const server_reply reply = item.reply;
    if (auto undone = c->rset(); !undone) {
      c.failed("RSET failed", undone.error());
      return c.finish();
    }
    fmt::print(
        stderr, "{}\n",
        failure_line("cannot delete " + message_label(item.message) + "; nothing was deleted",
                     item.outcome.error(), reply));
    c.finish();
    return exit_code_for(item.outcome.error());
  }
  if (const int code = c.finish(); code != exit_ok) {
    fmt::print(stderr, "pop3: the server may not have deleted the messages\n");
    return code;
  }
  std::string list;
  for (std::size_t i = 0; i < messages.size(); ++i)
    list += (i ? ", " : "") + std::to_string(messages[i]);
  fmt::print("deleted {} {}\n", messages.size() == 1 ? "message" : "messages", list);
  return exit_ok;
}

}  // namespace pop3::cli
