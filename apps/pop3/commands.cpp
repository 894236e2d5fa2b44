#include "commands.hpp"

#include <fmt/core.h>
#include <unistd.h>
#include <algorithm>

#include <nlohmann/json.hpp>

#include "connection.hpp"
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

std::string message_label(std::uint32_t message) {
  return fmt::format("message {}", message);
}

/// retr and top: stream one message to a file (atomically) or to standard output.
int write_message(const common_options& options, const message_output& output,
                  std::uint32_t message, std::optional<std::uint32_t> top_lines) {
  // The output file first: a mistake in its name costs no connection and no login.
  atomic_output_file file;
  fd_sink standard_output(STDOUT_FILENO);
  body_sink* target = &standard_output;
  if (output.file) {
    std::string why;
    if (auto opened = atomic_output_file::open(file, *output.file, why); !opened) {
      fmt::print(stderr, "pop3: {}\n", printable(why, 600));
      return opened.error().code == errc::invalid_argument ? exit_usage : exit_io;
    }
    target = &file;
  }
  connection c(options);
  if (!c.open(true)) return c.code();
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
  // open() asked CAPA already (after STLS too): show that answer rather than ask again.
  const std::vector<capa_line>* lines = c->last_capa();
  if (!lines) {
    // open() lets a server without CAPA (RFC 1939 only) answer -ERR and fails on any other
    // error, so that -ERR is the last reply (failed() quotes it).
    c.failed("CAPA failed", error(errc::server_error, command_kind::capa, c->last_reply().code));
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
  // open_session() asked CAPA already: dele_many() pipelines if the server has PIPELINING.
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
