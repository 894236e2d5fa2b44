#include "event_text.hpp"

#include <cstdio>
#include <string>

namespace pop3::test {

std::string escape(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (char c : bytes) {
    switch (c) {
      case '\r':
        out += "\\r";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      default: {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u > 0x7e) {
          char hex[5];
          std::snprintf(hex, sizeof hex, "\\x%02X", u);
          out += hex;
        } else {
          out += c;
        }
      }
    }
  }
  return out;
}

std::string unescape(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\' || i + 1 == text.size()) {
      out += text[i];
      continue;
    }
    const char c = text[++i];
    switch (c) {
      case 'r':
        out += '\r';
        break;
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case '0':
        out += '\0';
        break;
      case 'x':
        out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
        i += 2;
        break;
      default:
        out += c;
    }
  }
  return out;
}

namespace {

std::string quoted(std::string_view s) {
  return "\"" + escape(s) + "\"";
}

std::string reply_text(const char* what, const events::reply& r) {
  std::string out = std::string(what) + " " + std::string(keyword(r.command));
  if (r.message) out += " " + std::to_string(r.message);
  out += " " + quoted(r.text);
  if (r.code != resp_code::none) out += " code=" + std::string(r.code_text);
  return out;
}

struct describer {
  std::string operator()(const events::greeting& g) const {
    std::string out = "greeting " + quoted(g.text);
    if (!g.apop_timestamp.empty()) out += " apop=" + std::string(g.apop_timestamp);
    if (g.code != resp_code::none) out += " code=" + std::string(g.code_text);
    return out;
  }
  std::string operator()(const events::ok& r) const { return reply_text("ok", r); }
  std::string operator()(const events::err& r) const { return reply_text("err", r); }
  std::string operator()(const events::stat_info& s) const {
    return "stat " + std::to_string(s.count) + " " + std::to_string(s.octets);
  }
  std::string operator()(const events::list_item& l) const {
    return "list " + std::to_string(l.message) + " " + std::to_string(l.octets);
  }
  std::string operator()(const events::uidl_item& u) const {
    return "uidl " + std::to_string(u.message) + " " + escape(u.uid);
  }
  std::string operator()(const events::capa_item& c) const {
    return "capa " + escape(c.name) + " " + quoted(c.arguments);
  }
  std::string operator()(const events::lang_item& l) const {
    return "lang " + escape(l.tag) + " " + quoted(l.description);
  }
  std::string operator()(const events::listing_end& e) const {
    return "end " + std::string(keyword(e.command));
  }
  std::string operator()(const events::body_chunk& b) const {
    return "body " + std::string(keyword(b.command)) + " " + std::to_string(b.message) + " " +
           quoted(b.bytes);
  }
  std::string operator()(const events::body_end& b) const {
    return "body_end " + std::string(keyword(b.command)) + " " + std::to_string(b.message) + " " +
           std::to_string(b.octets);
  }
  std::string operator()(const events::start_tls&) const { return "start_tls"; }
  std::string operator()(const events::sasl_challenge& c) const {
    return "challenge " + quoted(c.data);
  }
  std::string operator()(const events::closed&) const { return "closed"; }
};

}  // namespace

std::string describe(const event& ev) {
  return std::visit(describer{}, ev);
}

void event_log::add(const event& ev) {
  if (const auto* chunk = std::get_if<events::body_chunk>(&ev)) {
    const std::string prefix =
        "body " + std::string(keyword(chunk->command)) + " " + std::to_string(chunk->message);
    if (last_was_body_ && prefix == body_prefix_) {
      body_ += chunk->bytes;
      lines_.back() = prefix + " " + quoted(body_);
      return;
    }
    last_was_body_ = true;
    body_prefix_ = prefix;
    body_.assign(chunk->bytes);
    lines_.push_back(prefix + " " + quoted(body_));
    return;
  }
  last_was_body_ = false;
  lines_.push_back(describe(ev));
}

void event_log::add_error(const error& e) {
  last_was_body_ = false;
  lines_.push_back("error " + std::string(name(e.code)));
}

}  // namespace pop3::test
