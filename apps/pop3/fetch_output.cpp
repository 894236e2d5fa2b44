#include "fetch_output.hpp"

#include <fmt/core.h>

#include <nlohmann/json.hpp>

#include "report.hpp"

namespace pop3::cli {

using agent::account_config;
using agent::account_counts;
using agent::account_outcome;
using agent::listed_message;
using json = nlohmann::json;

// --- fan-out ------------------------------------------------------------------------------

void observer_fanout::account_started(const account_config& a) {
  for (auto* o : observers_)
    o->account_started(a);
}
void observer_fanout::planned(const account_config& a, const account_counts& c) {
  for (auto* o : observers_)
    o->planned(a, c);
}
void observer_fanout::message_delivered(const account_config& a, const listed_message& m,
                                        std::uint64_t octets) {
  for (auto* o : observers_)
    o->message_delivered(a, m, octets);
}
void observer_fanout::message_skipped(const account_config& a, const listed_message& m,
                                      std::string_view why) {
  for (auto* o : observers_)
    o->message_skipped(a, m, why);
}
void observer_fanout::message_deleted(const account_config& a, const listed_message& m) {
  for (auto* o : observers_)
    o->message_deleted(a, m);
}
void observer_fanout::message_failed(const account_config& a, const listed_message& m,
                                     std::string_view why) {
  for (auto* o : observers_)
    o->message_failed(a, m, why);
}
void observer_fanout::bytes_received(const account_config& a, std::uint64_t octets) {
  for (auto* o : observers_)
    o->bytes_received(a, octets);
}
void observer_fanout::warning(const account_config& a, std::string_view text) {
  for (auto* o : observers_)
    o->warning(a, text);
}
void observer_fanout::account_finished(const account_config& a, const account_outcome& out) {
  for (auto* o : observers_)
    o->account_finished(a, out);
}

// --- words --------------------------------------------------------------------------------

std::string human_size(double octets) {
  static const char* const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  std::size_t u = 0;
  while (octets >= 1024 && u + 1 < std::size(units)) {
    octets /= 1024;
    ++u;
  }
  return u == 0 ? fmt::format("{:.0f} B", octets) : fmt::format("{:.1f} {}", octets, units[u]);
}

std::string summary_line(const std::string& account, const account_outcome& o) {
  const account_counts& c = o.counts;
  std::string line = fmt::format("{}: {} delivered ({})", printable(account, 80), c.delivered,
                                 human_size(static_cast<double>(c.bytes_delivered)));
  if (c.skipped) line += fmt::format(", {} skipped", c.skipped);
  line += fmt::format(", {} deleted", c.deleted);
  if (c.not_deleted)
    line += fmt::format(", {} deletion{} left for the next run", c.not_deleted,
                        c.not_deleted == 1 ? "" : "s");
  if (c.failed) line += fmt::format(", {} failed", c.failed);
  if (o.exit_code != 0) line += fmt::format("; failed (exit {}): {}", o.exit_code, o.failure);
  return line;
}

// --- JSON ---------------------------------------------------------------------------------

namespace {

json message_json(const char* event, const account_config& a, const listed_message& m) {
  json j = {{"event", event}, {"account", a.name}, {"message", m.number}, {"size", m.size}};
  if (!m.uid.empty()) j["uid"] = m.uid;  // 0x21-0x7E only: the engine checked
  return j;
}

json counts_json(const account_counts& c) {
  return {{"on_server", c.on_server},
          {"to_fetch", c.to_fetch},
          {"bytes_to_fetch", c.bytes_to_fetch},
          {"delivered", c.delivered},
          {"bytes_delivered", c.bytes_delivered},
          {"skipped", c.skipped},
          {"deleted", c.deleted},
          {"not_deleted", c.not_deleted},
          {"failed", c.failed}};
}

}  // namespace

void json_events::emit(const json& event) {
  // Names, paths and server texts need not be UTF-8: such bytes become U+FFFD rather than
  // an exception that would end the run.
  const std::string line = event.dump(-1, ' ', false, json::error_handler_t::replace);
  std::lock_guard lock(mutex_);
  std::fputs(line.c_str(), out_);
  std::fputc('\n', out_);
  std::fflush(out_);  // a monitor reading the pipe sees each event as it happens
}

void json_events::account_started(const account_config& a) {
  emit(json{{"event", "account_started"},
            {"account", a.name},
            {"host", a.host},
            {"port", a.port},
            {"tls", to_string(a.tls)}});
}
void json_events::planned(const account_config& a, const account_counts& c) {
  json j = counts_json(c);
  j["event"] = "planned";
  j["account"] = a.name;
  emit(j);
}
void json_events::message_delivered(const account_config& a, const listed_message& m,
                                    std::uint64_t octets) {
  json j = message_json("delivered", a, m);
  j["octets"] = octets;
  emit(j);
}
void json_events::message_skipped(const account_config& a, const listed_message& m,
                                  std::string_view why) {
  json j = message_json("skipped", a, m);
  j["reason"] = why;
  emit(j);
}
void json_events::message_deleted(const account_config& a, const listed_message& m) {
  emit(message_json("deleted", a, m));
}
void json_events::message_failed(const account_config& a, const listed_message& m,
                                 std::string_view why) {
  json j = message_json("failed", a, m);
  j["error"] = why;
  emit(j);
}
void json_events::warning(const account_config& a, std::string_view text) {
  emit(json{{"event", "warning"}, {"account", a.name}, {"text", text}});
}
void json_events::account_finished(const account_config& a, const account_outcome& o) {
  json j = {{"event", "account_finished"},  {"account", a.name},
            {"ok", o.exit_code == 0},       {"exit_code", o.exit_code},
            {"interrupted", o.interrupted}, {"counts", counts_json(o.counts)}};
  j["error"] = o.exit_code == 0 ? json(nullptr) : json(o.failure);
  emit(j);
}
void json_events::summary(int exit_code, std::span<const account_outcome> outcomes) {
  std::size_t failed = 0;
  for (const auto& o : outcomes)
    failed += o.exit_code != 0;
  emit(json{{"event", "summary"},
            {"exit_code", exit_code},
            {"accounts", outcomes.size()},
            {"failed", failed}});
}

// --- the live display -----------------------------------------------------------------------

progress_display::line& progress_display::find(const account_config& a) {
  for (line& l : lines_)
    if (l.name == a.name) return l;
  lines_.push_back({a.name, std::chrono::steady_clock::now(), {}, 0, {}, false});
  return lines_.back();
}

void progress_display::account_started(const account_config& a) {
  std::lock_guard lock(mutex_);
  find(a);
  redraw(true);
}
void progress_display::planned(const account_config& a, const account_counts& c) {
  std::lock_guard lock(mutex_);
  line& l = find(a);
  l.counts = c;
  l.planned = true;
  l.started = std::chrono::steady_clock::now();  // the rate counts from the first RETR
  redraw(true);
}
void progress_display::message_delivered(const account_config& a, const listed_message&,
                                         std::uint64_t) {
  std::lock_guard lock(mutex_);
  ++find(a).counts.delivered;
  redraw(false);
}
void progress_display::message_failed(const account_config& a, const listed_message&,
                                      std::string_view) {
  std::lock_guard lock(mutex_);
  ++find(a).counts.failed;
  redraw(false);
}
void progress_display::bytes_received(const account_config& a, std::uint64_t octets) {
  std::lock_guard lock(mutex_);
  find(a).bytes += octets;
  redraw(false);
}
void progress_display::account_finished(const account_config& a, const account_outcome& o) {
  std::lock_guard lock(mutex_);
  line& l = find(a);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - l.started).count();
  l.final_text = summary_line(a.name, o) + fmt::format(" in {:.1f} s", seconds);
  redraw(true);
}

void progress_display::redraw(bool force) {
  const auto now = std::chrono::steady_clock::now();
  if (!force && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  std::string screen;
  if (drawn_ > 0) screen += fmt::format("\x1b[{}A", drawn_);  // back to the first line
  for (const line& l : lines_) {
    screen += "\r\x1b[K";  // start of line, erase it
    if (!l.final_text.empty()) {
      screen += l.final_text;
    } else if (!l.planned) {
      screen += fmt::format("{}: connecting", printable(l.name, 40));
    } else {
      const account_counts& c = l.counts;
      const double seconds = std::chrono::duration<double>(now - l.started).count();
      const double rate = seconds > 0.2 ? static_cast<double>(l.bytes) / seconds : 0;
      screen +=
          fmt::format("{}: {}/{} messages, {} of {}", printable(l.name, 40), c.delivered + c.failed,
                      c.to_fetch, human_size(static_cast<double>(l.bytes)),
                      human_size(static_cast<double>(c.bytes_to_fetch)));
      if (rate > 0) {
        screen += fmt::format(", {}/s", human_size(rate));
        if (c.bytes_to_fetch > l.bytes) {
          const auto eta =
              static_cast<long long>(static_cast<double>(c.bytes_to_fetch - l.bytes) / rate + 0.5);
          screen += fmt::format(", ETA {}:{:02}", eta / 60, eta % 60);
        }
      }
    }
    screen += "\n";
  }
  drawn_ = lines_.size();
  std::fputs(screen.c_str(), out_);
  std::fflush(out_);
}

// --- stderr ---------------------------------------------------------------------------------

void text_report::message_failed(const account_config& a, const listed_message&,
                                 std::string_view why) {
  if (quiet_) return;  // the account's failure line says it too
  std::lock_guard lock(mutex_);
  fmt::print(stderr, "pop3: {}: {}\n", printable(a.name, 80), why);
}
void text_report::warning(const account_config& a, std::string_view text) {
  if (quiet_) return;
  std::lock_guard lock(mutex_);
  fmt::print(stderr, "pop3: {}: warning: {}\n", printable(a.name, 80), text);
}
void text_report::account_finished(const account_config& a, const account_outcome& o) {
  if (o.exit_code == 0) return;
  std::lock_guard lock(mutex_);
  fmt::print(stderr, "pop3: {}: {}\n", printable(a.name, 80), o.failure);
}

}  // namespace pop3::cli
