#include "support/sample_mail.hpp"

#include <fcntl.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <string_view>
#include <system_error>

namespace pop3::test {
namespace {

namespace fs = std::filesystem;

// splitmix64: tiny and fully specified, unlike the std:: distributions whose output differs
// between standard libraries; the sample bytes must be the same everywhere.
class splitmix64 {
 public:
  explicit splitmix64(std::uint64_t seed) : state_(seed) {}

  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

  // The modulo bias is irrelevant for test data.
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
  std::size_t between(std::size_t lo, std::size_t hi) { return lo + below(hi - lo + 1); }
  bool one_in(std::size_t n) { return below(n) == 0; }

 private:
  std::uint64_t state_;
};

// Each message gets its own generator, so a smaller count yields a prefix of a larger set.
splitmix64 message_rng(std::uint32_t seed, std::uint64_t set_tag, std::size_t index) {
  splitmix64 mix(set_tag ^ (std::uint64_t{seed} << 32) ^ index);
  return splitmix64(mix.next());
}

constexpr std::uint64_t sample_set_tag = 0x53414D504C45ull;  // "SAMPLE"
constexpr std::uint64_t small_set_tag = 0x534D414C4Cull;     // "SMALL"

constexpr std::size_t line_width = 76;

constexpr std::array<std::string_view, 64> words = {
    "the",     "mail",     "server",   "message",  "client",  "protocol", "delivery", "queue",
    "report",  "meeting",  "schedule", "invoice",  "project", "status",   "update",   "please",
    "review",  "attached", "document", "before",   "after",   "friday",   "morning",  "thanks",
    "regards", "budget",   "quarter",  "numbers",  "draft",   "final",    "version",  "change",
    "request", "approve",  "deadline", "tomorrow", "office",  "travel",   "network",  "backup",
    "storage", "account",  "password", "security", "policy",  "customer", "support",  "ticket",
    "release", "notes",    "feature",  "testing",  "results", "summary",  "question", "answer",
    "weekend", "coffee",   "lunch",    "kitchen",  "printer", "paper",    "agenda",   "minutes"};

struct person {
  std::string_view name;
  std::string_view address;
};

constexpr std::array<person, 8> senders = {{{"Ada Lovelace", "ada@example.org"},
                                            {"Alan Turing", "alan@example.net"},
                                            {"Grace Hopper", "grace@example.com"},
                                            {"Edsger Dijkstra", "edsger@example.org"},
                                            {"Barbara Liskov", "barbara@example.net"},
                                            {"Donald Knuth", "don@example.com"},
                                            {"Frances Allen", "fran@example.org"},
                                            {"Ken Thompson", "ken@example.net"}}};

std::string zero_padded(std::size_t value, int width) {
  std::array<char, 32> buffer{};
  std::snprintf(buffer.data(), buffer.size(), "%0*zu", width, value);
  return buffer.data();
}

std::string rfc5322_date(std::int64_t unix_seconds) {
  using namespace std::chrono;
  static constexpr std::array<const char*, 7> day_names = {"Sun", "Mon", "Tue", "Wed",
                                                           "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> month_names = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const sys_seconds time{seconds{unix_seconds}};
  const sys_days day = floor<days>(time);
  const year_month_day date{day};
  const hh_mm_ss clock{time - day};
  std::array<char, 64> buffer{};
  std::snprintf(buffer.data(), buffer.size(), "%s, %u %s %d %02ld:%02ld:%02ld +0000",
                day_names[weekday{day}.c_encoding()], static_cast<unsigned>(date.day()),
                month_names[static_cast<unsigned>(date.month()) - 1], static_cast<int>(date.year()),
                static_cast<long>(clock.hours().count()),
                static_cast<long>(clock.minutes().count()),
                static_cast<long>(clock.seconds().count()));
  return buffer.data();
}

std::string base64(std::string_view bytes) {
  static constexpr std::string_view alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const auto n = static_cast<unsigned>(static_cast<unsigned char>(bytes[i])) << 16 |
                   static_cast<unsigned>(static_cast<unsigned char>(bytes[i + 1])) << 8 |
                   static_cast<unsigned>(static_cast<unsigned char>(bytes[i + 2]));
    out += alphabet[n >> 18 & 63];
    out += alphabet[n >> 12 & 63];
    out += alphabet[n >> 6 & 63];
    out += alphabet[n & 63];
  }
  if (const std::size_t rest = bytes.size() - i; rest > 0) {
    unsigned n = static_cast<unsigned>(static_cast<unsigned char>(bytes[i])) << 16;
    if (rest == 2) n |= static_cast<unsigned>(static_cast<unsigned char>(bytes[i + 1])) << 8;
    out += alphabet[n >> 18 & 63];
    out += alphabet[n >> 12 & 63];
    out += rest == 2 ? alphabet[n >> 6 & 63] : '=';
    out += '=';
  }
  return out;
}

// Words up to `width` characters; the last line of a paragraph ends with a full stop.
std::string text_line(splitmix64& rng, std::size_t width = line_width) {
  std::string line;
  for (;;) {
    const std::string_view word = words[rng.below(words.size())];
    const std::size_t needed = line.empty() ? word.size() : word.size() + 1;
    if (line.size() + needed > width) break;
    if (!line.empty()) line += ' ';
    line += word;
  }
  if (!line.empty()) line[0] = static_cast<char>(line[0] - 'a' + 'A');
  return line;
}

// A line of exactly `length` octets of words without any line break.
std::string long_line(splitmix64& rng, std::size_t length) {
  std::string line;
  while (line.size() < length) {
    if (!line.empty()) line += ' ';
    line += words[rng.below(words.size())];
  }
  line.resize(length);
  return line;
}

// Lines that start with "." as they occur in real mail (ellipses, dotfiles, quoted commands).
constexpr std::array<std::string_view, 6> dotted_lines = {"...and that is why the release slipped.",
                                                          ".profile and .bashrc were not backed up",
                                                          "..",
                                                          ".",
                                                          ". (a dot followed by a space)",
                                                          ".signature"};

// Appends paragraphs until the body reaches `target` bytes. With dot_odds > 0 about one line in
// dot_odds starts with a dot.
void append_paragraphs(std::string& body, splitmix64& rng, std::size_t target,
                       std::size_t dot_odds) {
  while (body.size() < target) {
    const std::size_t lines = rng.between(2, 8);
    for (std::size_t i = 0; i < lines && body.size() < target; ++i) {
      if (dot_odds > 0 && rng.one_in(dot_odds)) {
        body += dotted_lines[rng.below(dotted_lines.size())];
      } else {
        body += text_line(rng);
      }
      body += '\n';
    }
    if (body.size() < target) body += '\n';
  }
}

constexpr std::string_view plain_text = "text/plain; charset=us-ascii";

// `extra` holds complete additional header lines, each ending with LF.
std::string standard_headers(const std::string& id, std::size_t index, splitmix64& rng,
                             std::string_view subject, std::string_view content_type = plain_text,
                             std::string_view transfer_encoding = "7bit",
                             std::string_view extra = "") {
  const person& from = senders[rng.below(senders.size())];
  const std::string date = rfc5322_date(1700000000 + static_cast<std::int64_t>(index) * 3607 +
                                        static_cast<std::int64_t>(rng.below(3600)));
  const std::string queue_id = zero_padded(rng.next() % 1000000000000ull, 12);
  std::string h;
  h += "Return-Path: <" + std::string(from.address) + ">\n";
  h += "Received: from mail.example.org (mail.example.org [192.0.2." +
       std::to_string(rng.between(1, 254)) + "])\n";
  h += "\tby mx.pop3.test (Postfix) with ESMTPS id " + queue_id + "\n";
  h += "\tfor <alice@pop3.test>; " + date + "\n";
  h += "From: " + std::string(from.name) + " <" + std::string(from.address) + ">\n";
  h += "To: Alice Example <alice@pop3.test>\n";
  h += "Subject: " + std::string(subject) + "\n";
  h += "Date: " + date + "\n";
  h += "Message-ID: <" + id + "." + queue_id + "@example.org>\n";
  h += "X-Sample-Id: " + id + "\n";
  h += "MIME-Version: 1.0\n";
  h += "Content-Type: " + std::string(content_type) + "\n";
  h += "Content-Transfer-Encoding: " + std::string(transfer_encoding) + "\n";
  h += extra;
  h += "\n";
  return h;
}

enum class kind {
  plain,
  tiny,
  dot_lines,
  empty_body,
  long_lines,
  eight_bit,
  multipart,
  big,
  lone_dot
};

constexpr std::array edge_case_order = {kind::plain,      kind::tiny,       kind::dot_lines,
                                        kind::empty_body, kind::long_lines, kind::eight_bit,
                                        kind::multipart,  kind::big,        kind::lone_dot};

std::string_view kind_name(kind k) {
  switch (k) {
    case kind::plain:
      return "plain";
    case kind::tiny:
      return "tiny";
    case kind::dot_lines:
      return "dot-lines";
    case kind::empty_body:
      return "empty-body";
    case kind::long_lines:
      return "long-lines";
    case kind::eight_bit:
      return "8bit";
    case kind::multipart:
      return "multipart";
    case kind::big:
      return "big";
    case kind::lone_dot:
      return "lone-dot";
  }
  return "unknown";
}

std::string plain_message(const std::string& id, std::size_t index, splitmix64& rng,
                          std::size_t body_target, std::size_t dot_odds) {
  std::string m = standard_headers(id, index, rng, text_line(rng, 50));
  std::string body = "Hello Alice,\n\n";
  append_paragraphs(body, rng, body_target, dot_odds);
  body += "Regards\n";
  return m + body;
}

std::string tiny_message(const std::string& id) {
  return "From: ada@example.org\nTo: alice@pop3.test\nSubject: tiny\n"
         "Date: Tue, 14 Nov 2023 22:13:20 +0000\nMessage-ID: <" +
         id + "@example.org>\nX-Sample-Id: " + id + "\n\nok\n";
}

std::string dot_lines_message(const std::string& id, std::size_t index, splitmix64& rng) {
  std::string m = standard_headers(id, index, rng, "Lines that start with a dot");
  // The first body line starts with a dot; "." and ".." alone must be stuffed by the server.
  m += ".hidden starts the body\n";
  m += text_line(rng) + "\n";
  m += "..\n";
  m += ".\n";
  m += "...\n";
  m += ". a dot and a space\n";
  m += ".\ta dot and a tab\n";
  m += "..two dots and text\n";
  m += text_line(rng) + "\n";
  m += ".\n";
  m += "\n";
  m += ".\n";
  m += text_line(rng) + "\n";
  // The last line is ".." so the terminator follows a stuffed line directly.
  m += "..\n";
  return m;
}

std::string long_lines_message(const std::string& id, std::size_t index, splitmix64& rng) {
  std::string m = standard_headers(id, index, rng, "Lines longer than 998 octets");
  m += text_line(rng) + "\n";
  for (const std::size_t length : {998u, 999u, 1500u, 10000u}) {
    m += long_line(rng, length) + "\n";
    m += text_line(rng) + "\n";
  }
  m += "." + long_line(rng, 4999) + "\n";
  m += text_line(rng) + "\n";
  return m;
}

std::string eight_bit_message(const std::string& id, std::size_t index, splitmix64& rng) {
  const std::string subject_utf8 =
      "Gr\xC3\xBC\xC3\x9F"
      "e aus K\xC3\xB6ln";
  std::string m = standard_headers(
      id, index, rng, "=?UTF-8?B?" + base64(subject_utf8) + "?=", "text/plain; charset=utf-8",
      "8bit", "X-Raw-Utf8: " + subject_utf8 + "\n");
  m += "Gr\xC3\xBC\xC3\x9F"
       "e, \xC3\xA7"
       "a va? \xC2\xA1Hola! \xCE\x9A\xCE\xB1\xCE\xBB"
       "\xCE\xB7\xCE\xBC\xCE\xAD\xCF\x81\xCE\xB1\n";
  m += "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E\xE3\x81\xAE\xE3\x83\x86\xE3\x82\xAD\xE3\x82\xB9"
       "\xE3\x83\x88 \xF0\x9F\x93\xA7 \xF0\x9F\x8E\x89\n";
  m += text_line(rng) + "\n";
  // Every byte value 0x80-0xFF, 32 per line: not UTF-8, must pass untouched.
  for (unsigned start = 0x80; start <= 0xE0; start += 0x20) {
    std::string line;
    for (unsigned b = start; b < start + 0x20; ++b)
      line += static_cast<char>(b);
    m += line + "\n";
  }
  // Control characters other than NUL, LF and CR.
  std::string controls;
  for (unsigned b = 0x01; b < 0x20; ++b) {
    if (b != '\n' && b != '\r') controls += static_cast<char>(b);
  }
  m += controls + "\x7F\n";
  m += ".\xE2\x80\xA6 a dot line with UTF-8\n";
  m += text_line(rng) + "\n";
  return m;
}

std::string multipart_message(const std::string& id, std::size_t index, splitmix64& rng) {
  const std::string boundary = "=_sample_" + id;
  std::string m = standard_headers(id, index, rng, "Quarterly report (with attachment)",
                                   "multipart/mixed;\n boundary=\"" + boundary + "\"");
  m += "This is a multi-part message in MIME format.\n\n";
  m += "--" + boundary + "\n";
  m += "Content-Type: text/plain; charset=us-ascii\nContent-Transfer-Encoding: 7bit\n\n";
  std::string text;
  append_paragraphs(text, rng, 1200, 0);
  m += text;
  m += "--" + boundary + "\n";
  m += "Content-Type: text/html; charset=us-ascii\nContent-Transfer-Encoding: 7bit\n\n";
  // One draw per statement: the evaluation order of operands of + is unspecified.
  m += "<html><body>\n<p>" + text_line(rng, 60) + "</p>\n";
  m += "<p>" + text_line(rng, 60) + "</p>\n</body></html>\n";
  m += "--" + boundary + "\n";
  m += "Content-Type: application/octet-stream; name=\"report.bin\"\n";
  m += "Content-Disposition: attachment; filename=\"report.bin\"\n";
  m += "Content-Transfer-Encoding: base64\n\n";
  std::string attachment(3000, '\0');
  for (char& c : attachment)
    c = static_cast<char>(rng.next() & 0xFF);
  const std::string encoded = base64(attachment);
  for (std::size_t i = 0; i < encoded.size(); i += line_width) {
    m += encoded.substr(i, line_width) + "\n";
  }
  m += "--" + boundary + "--\n";
  return m;
}

// Exactly `size` octets (unless the headers alone are larger), with dot lines scattered
// through it so that stuffing is exercised deep inside a long transfer.
std::string big_message(const std::string& id, std::size_t index, splitmix64& rng,
                        std::size_t size) {
  std::string m = standard_headers(id, index, rng, "Big message");
  m.reserve(std::max(size, m.size() + 2));
  std::size_t line_number = 0;
  while (m.size() + line_width + 1 < size) {
    if (++line_number % 997 == 0) {
      m += dotted_lines[(line_number / 997) % dotted_lines.size()];
    } else {
      m += long_line(rng, line_width);
    }
    m += '\n';
  }
  if (m.size() < size) {
    m += long_line(rng, size - m.size() - 1);
    m += '\n';
  } else {
    m += "x\n";
  }
  return m;
}

std::string sample_id(std::string_view prefix, std::uint32_t seed, std::size_t index,
                      std::string_view suffix) {
  std::string id(prefix);
  id += '-' + std::to_string(seed) + '-' + zero_padded(index + 1, 4);
  if (!suffix.empty()) id += '-' + std::string(suffix);
  return id;
}

// Dovecot orders new files by the leading number of their name; new names continue after the
// highest one already present so that a second delivery comes after the first.
std::uint64_t first_free_timestamp(const fs::path& maildir) {
  std::uint64_t next = 1600000000;
  for (const char* sub : {"cur", "new"}) {
    for (const auto& entry : fs::directory_iterator(maildir / sub)) {
      const std::string name = entry.path().filename().string();
      std::uint64_t stamp = 0;
      const auto [end, error] = std::from_chars(name.data(), name.data() + name.size(), stamp);
      if (error == std::errc{} && end != name.data()) next = std::max(next, stamp + 1);
    }
  }
  return next;
}

std::string unique_file_name(std::uint64_t stamp) {
  static std::atomic<std::uint64_t> counter{0};
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return std::to_string(stamp) + ".M0P" + std::to_string(::getpid()) + "Q" +
         std::to_string(counter++) + "R" +
         std::to_string(std::chrono::duration_cast<std::chrono::nanoseconds>(now).count()) +
         ".pop3-sample";
}

void change_owner(const fs::path& path, const std::pair<unsigned, unsigned>& owner) {
  if (::chown(path.c_str(), owner.first, owner.second) != 0) {
    throw std::system_error(errno, std::generic_category(), "chown " + path.string());
  }
}

void ensure_directory(const fs::path& path,
                      const std::optional<std::pair<unsigned, unsigned>>& owner) {
  if (fs::is_directory(path)) return;
  fs::create_directories(path);
  if (owner) change_owner(path, *owner);
}

void write_new_file(const fs::path& path, std::string_view bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "open " + path.string());
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int saved = errno;
      ::close(fd);
      throw std::system_error(saved, std::generic_category(), "write " + path.string());
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  if (::close(fd) != 0) {
    throw std::system_error(errno, std::generic_category(), "close " + path.string());
  }
}

}  // namespace

std::string sample_message::wire() const {
  std::string out;
  out.reserve(stored.size() +
              static_cast<std::size_t>(std::count(stored.begin(), stored.end(), '\n')));
  for (const char c : stored) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

std::vector<sample_message> generate_sample_mail(const sample_options& options) {
  std::vector<sample_message> messages;
  messages.reserve(options.count);
  for (std::size_t i = 0; i < options.count; ++i) {
    splitmix64 rng = message_rng(options.seed, sample_set_tag, i);
    kind k = i < edge_case_order.size() ? edge_case_order[i] : kind::plain;
    if (k == kind::big && options.big_message_bytes == 0) k = kind::plain;
    const std::string id = sample_id("sample", options.seed, i, kind_name(k));
    std::string stored;
    switch (k) {
      case kind::plain: {
        const std::size_t target =
            rng.one_in(5) ? rng.between(8 * 1024, 40 * 1024) : rng.between(300, 8 * 1024);
        stored = plain_message(id, i, rng, target, i == 0 ? 0 : 40);
        break;
      }
      case kind::tiny:
        stored = tiny_message(id);
        break;
      case kind::dot_lines:
        stored = dot_lines_message(id, i, rng);
        break;
      case kind::empty_body:
        stored = standard_headers(id, i, rng, "Empty body");
        break;
      case kind::long_lines:
        stored = long_lines_message(id, i, rng);
        break;
      case kind::eight_bit:
        stored = eight_bit_message(id, i, rng);
        break;
      case kind::multipart:
        stored = multipart_message(id, i, rng);
        break;
      case kind::big:
        stored = big_message(id, i, rng, options.big_message_bytes);
        break;
      case kind::lone_dot:
        stored = standard_headers(id, i, rng, "A body that is a lone dot") + ".\n";
        break;
    }
    messages.push_back({id, std::move(stored)});
  }
  return messages;
}

std::vector<sample_message> generate_small_mail(std::size_t count, std::uint32_t seed) {
  constexpr std::size_t min_size = 2 * 1024;
  constexpr std::size_t max_size = 6 * 1024;
  std::vector<sample_message> messages;
  messages.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    splitmix64 rng = message_rng(seed, small_set_tag, i);
    const std::string id = sample_id("small", seed, i, "");
    std::string m = standard_headers(id, i, rng, text_line(rng, 50));
    // Lines are added only while they fit, so the size stays within [target - 77, target].
    const std::size_t target = rng.between(min_size + line_width + 1, max_size);
    while (m.size() < target) {
      std::string line = rng.one_in(25) ? std::string(dotted_lines[rng.below(dotted_lines.size())])
                                        : text_line(rng);
      if (m.size() + line.size() + 1 > target) break;
      m += line + "\n";
    }
    messages.push_back({id, std::move(m)});
  }
  return messages;
}

void write_maildir(const fs::path& maildir, const std::vector<sample_message>& messages,
                   std::optional<std::pair<unsigned, unsigned>> owner) {
  ensure_directory(maildir, owner);
  for (const char* sub : {"cur", "new", "tmp"})
    ensure_directory(maildir / sub, owner);
  const std::uint64_t first_stamp = first_free_timestamp(maildir);
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const std::string name = unique_file_name(first_stamp + i);
    const fs::path staged = maildir / "tmp" / name;
    write_new_file(staged, messages[i].stored);
    if (owner) change_owner(staged, *owner);
    // Through tmp/ so that Dovecot never sees a half-written message in new/.
    fs::rename(staged, maildir / "new" / name);
  }
}

}  // namespace pop3::test
