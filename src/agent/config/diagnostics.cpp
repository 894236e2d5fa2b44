// Messages must stay on one line whatever the file holds (a name or value may contain any
// character, escapes included), so every piece taken from the file is escaped here.
#include "config/diagnostics.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace pop3::agent::detail {
namespace {

bool is_key_character(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

bool is_bare_key(std::string_view key) {
  if (key.empty()) return false;
  for (char c : key)
    if (!is_key_character(c)) return false;
  return true;
}

// Control characters always become escapes (a message is one line); quotes and backslashes
// only where the text is put between quotes.
void append_escaped(std::string& out, std::string_view text, bool in_quotes) {
  static constexpr char hex[] = "0123456789ABCDEF";
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (in_quotes && (c == '"' || c == '\\')) {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (byte < 0x20 || byte == 0x7F) {
      out += "\\x";
      out += hex[byte >> 4];
      out += hex[byte & 0xF];
    } else {
      out += c;
    }
  }
}

// Whether `text` names a `password` key: the word alone, not part of password_command and
// the like, in any case. A mention in a comment or a value also counts: hiding too much is
// harmless.
bool mentions_password(std::string_view original) {
  std::string text(original);
  for (char& c : text)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  constexpr std::string_view word = "password";
  for (auto at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) {
    bool starts = at == 0 || !is_key_character(text[at - 1]);
    bool ends = at + word.size() == text.size() || !is_key_character(text[at + word.size()]);
    if (starts && ends) return true;
  }
  return false;
}

std::string without_quoted_parts(std::string_view description) {
  std::string out;
  for (std::size_t at = 0; at < description.size();) {
    char c = description[at];
    if (c != '\'' && c != '"') {
      out += c;
      ++at;
      continue;
    }
    out += "(hidden)";
    auto close = description.find(c, at + 1);
    at = close == std::string_view::npos ? description.size() : close + 1;
  }
  return out;
}

}  // namespace

std::string syntax_message(std::string_view text, std::string_view file,
                           const toml::parse_error& error) {
  const auto& at = error.source().begin;
  // The text up to the end of the error's line: a multi-line string may have started above.
  std::size_t end = 0;
  for (toml::source_index line = 1; line < at.line && end != std::string_view::npos; ++line) {
    end = text.find('\n', end);
    if (end != std::string_view::npos) ++end;
  }
  if (end != std::string_view::npos) end = text.find('\n', end);
  std::string_view before = text.substr(0, end);
  std::string description(error.description());
  if (mentions_password(before)) description = without_quoted_parts(description);
  std::string one_line;
  append_escaped(one_line, description, false);
  return message_at(file, at, "TOML syntax", one_line);
}

std::string message_at(std::string_view file, const toml::source_position& at, std::string_view key,
                       std::string_view what) {
  std::string out(file);
  out += ':';
  out += std::to_string(at.line);
  out += ':';
  out += std::to_string(at.column);
  out += ": ";
  out += key;
  out += ": ";
  out += what;
  return out;
}

std::string key_path(std::string_view parent, std::string_view key) {
  std::string out(parent);
  if (!out.empty()) out += '.';
  if (is_bare_key(key)) {
    out += key;
  } else {
    out += '"';
    append_escaped(out, key, true);
    out += '"';
  }
  return out;
}

std::string quote_value(std::string_view value) {
  constexpr std::size_t shown = 64;
  std::string out = "\"";
  append_escaped(out, value.substr(0, shown), true);
  out += '"';
  if (value.size() > shown) out += "...";
  return out;
}

std::string_view type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

}  // namespace pop3::agent::detail
