#include "transcript.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "event_text.hpp"

namespace pop3::test {
namespace {

std::uint32_t to_u32(const std::string& s) {
  return static_cast<std::uint32_t>(std::stoul(s));
}

std::vector<std::string> words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string w; in >> w;)
    out.push_back(w);
  return out;
}

}  // namespace

transcript load_transcript(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) {
    ADD_FAILURE() << "cannot open transcript " << file;
    return {};
  }
  transcript t;
  t.name = file.stem().string();
  bool next_wire = false;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    if (line.rfind("S: ", 0) == 0 || line == "S:") {
      t.server_bytes += unescape(line.size() > 3 ? line.substr(3) : "") + "\r\n";
      t.gates.push_back({t.server_bytes.size(), t.commands.size()});
    } else if (line.rfind("S-: ", 0) == 0) {
      t.server_bytes += unescape(line.substr(4));
      t.gates.push_back({t.server_bytes.size(), t.commands.size()});
    } else if (line.rfind("C: ", 0) == 0) {
      t.commands.push_back({unescape(line.substr(3)), t.expected_events.size(), next_wire});
      next_wire = false;
    } else if (line.rfind("E: ", 0) == 0) {
      t.expected_events.push_back(line.substr(3));
    } else if (line.rfind("@password ", 0) == 0) {
      t.password = line.substr(10);
    } else if (line == "@wire") {
      next_wire = true;
    } else if (line == "EOF") {
      t.eof = true;
    } else {
      ADD_FAILURE() << file << ": cannot parse line: " << line;
    }
  }
  return t;
}

command command_from_line(const transcript_command& c, const std::string& password) {
  const std::vector<std::string> w = words(c.line);
  const std::string verb = w.empty() ? "" : w[0];
  const std::string_view line(c.line);
  const auto rest = [&](std::size_t skip) { return line.size() > skip ? line.substr(skip) : ""; };
  const body_format format = c.wire_format ? body_format::wire : body_format::decoded;
  if (verb == "USER") return cmd::user(rest(5));
  if (verb == "PASS") return cmd::pass(rest(5));
  if (verb == "APOP") return cmd::apop(rest(5).substr(0, w[1].size()), password);
  if (verb == "AUTH")
    return w.size() > 2 ? cmd::auth(rest(5).substr(0, w[1].size()), rest(6 + w[1].size()))
                        : cmd::auth(rest(5));
  if (verb == "STLS") return cmd::stls();
  if (verb == "CAPA") return cmd::capa();
  if (verb == "STAT") return cmd::stat();
  if (verb == "LIST") return w.size() > 1 ? cmd::list(to_u32(w[1])) : cmd::list();
  if (verb == "UIDL") return w.size() > 1 ? cmd::uidl(to_u32(w[1])) : cmd::uidl();
  if (verb == "RETR") return cmd::retr(to_u32(w[1]), format);
  if (verb == "TOP") return cmd::top(to_u32(w[1]), to_u32(w[2]), format);
  if (verb == "DELE") return cmd::dele(to_u32(w[1]));
  if (verb == "RSET") return cmd::rset();
  if (verb == "NOOP") return cmd::noop();
  if (verb == "QUIT") return cmd::quit();
  if (verb == "UTF8") return cmd::utf8();
  if (verb == "LANG") return w.size() > 1 ? cmd::lang(rest(5)) : cmd::lang();
  return cmd::sasl_response(line);
}

std::string expected_client_bytes(const transcript& t) {
  std::string out;
  for (const auto& c : t.commands)
    out += c.line + "\r\n";
  return out;
}

namespace {

class replayer {
 public:
  replayer(const transcript& t, const engine_config& config)
      : t_(t), engine_(engine::create(config).value()) {}

  replay_result run(const std::vector<std::string_view>& pieces) {
    for (std::string_view piece : pieces) {
      while (!piece.empty() && !stopped_) {
        pump();
        if (stopped_) break;
        const std::size_t allowed = std::min(piece.size(), released() - fed_);
        if (allowed == 0) {
          ADD_FAILURE() << t_.name << ": the server would wait for a command that never came";
          stopped_ = true;
          break;
        }
        auto taken = engine_.feed(std::span<const char>(piece.data(), allowed));
        if (!taken) {
          stop(taken.error());
          break;
        }
        if (*taken == 0) {
          // The buffer is full and pump() could not drain it: report instead of looping.
          ADD_FAILURE() << t_.name << ": engine took no input";
          stopped_ = true;
          break;
        }
        piece.remove_prefix(*taken);
        fed_ += *taken;
      }
      pump();
    }
    if (t_.eof && !stopped_) {
      engine_.feed_eof();
      pump();
    }
    return {log_.lines(), client_bytes_, next_command_};
  }

 private:
  void stop(const error& e) {
    log_.add_error(e);
    stopped_ = true;
  }

  void submit_due() {
    while (next_command_ < t_.commands.size() &&
           t_.commands[next_command_].after_events <= log_.lines().size()) {
      const command c = command_from_line(t_.commands[next_command_], t_.password);
      ++next_command_;
      if (auto submitted = engine_.submit(c); !submitted) {
        log_.add_error(submitted.error());  // refused locally: recorded, not fatal
        continue;
      }
      const auto out = engine_.pending_output();
      client_bytes_.append(out.data(), out.size());
      engine_.consume_output(out.size());
    }
  }

  void pump() {
    while (!stopped_) {
      submit_due();
      auto ev = engine_.next_event();
      if (!ev) return stop(ev.error());
      if (!*ev) return;
      log_.add(**ev);
    }
  }

  /// How many server bytes the commands submitted so far allow.
  std::size_t released() const {
    std::size_t end = 0;
    for (const auto& g : t_.gates)
      if (g.commands_before <= next_command_) end = g.end;
    return end;
  }

  const transcript& t_;
  engine engine_;
  std::size_t fed_ = 0;
  event_log log_;
  std::string client_bytes_;
  std::size_t next_command_ = 0;
  bool stopped_ = false;
};

}  // namespace

replay_result replay(const transcript& t, const std::vector<std::size_t>& piece_sizes,
                     const engine_config& config) {
  std::vector<std::string_view> pieces;
  std::string_view rest = t.server_bytes;
  std::size_t i = 0;
  while (!rest.empty()) {
    const std::size_t size =
        piece_sizes.empty() ? rest.size() : piece_sizes[std::min(i++, piece_sizes.size() - 1)];
    pieces.push_back(rest.substr(0, size));
    rest.remove_prefix(std::min(size, rest.size()));
  }
  return replayer(t, config).run(pieces);
}

replay_result replay_split_at(const transcript& t, std::size_t offset,
                              const engine_config& config) {
  const std::string_view all = t.server_bytes;
  return replayer(t, config).run({all.substr(0, offset), all.substr(offset)});
}

}  // namespace pop3::test
