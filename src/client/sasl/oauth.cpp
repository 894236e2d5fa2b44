// XOAUTH2 (Google's and Microsoft's) and OAUTHBEARER (RFC 7628). On failure the server sends
// an error challenge (JSON) that the client acknowledges; the -ERR follows.
#include "sasl_client.hpp"

namespace pop3::detail {
namespace {

class xoauth2_client final : public sasl_client {
 public:
  xoauth2_client(const credentials& who, bool one_step) : who_(who), one_step_(one_step) {}
  std::string_view name() const override { return "XOAUTH2"; }
  std::optional<std::string> initial_response() override {
    if (!one_step_) return std::nullopt;
    sent_ = true;
    return message();
  }
  result<std::string> respond(std::string_view) override {
    if (!sent_) {  // two-step: the empty challenge asks for the token
      sent_ = true;
      return message();
    }
    return std::string();  // the error details: acknowledge, the -ERR comes next
  }

 private:
  std::string message() const {
    return "user=" + who_.user + "\x01" + "auth=Bearer " + who_.secret + "\x01\x01";
  }
  const credentials& who_;
  bool one_step_;
  bool sent_ = false;
};

class oauthbearer_client final : public sasl_client {
 public:
  oauthbearer_client(const credentials& who, std::string_view host, std::uint16_t port)
      : who_(who), host_(host), port_(port) {}
  std::string_view name() const override { return "OAUTHBEARER"; }
  std::optional<std::string> initial_response() override {
    sent_ = true;
    return message();
  }
  result<std::string> respond(std::string_view) override {
    if (!sent_) {
      sent_ = true;
      return message();
    }
    return std::string("\x01");  // RFC 7628 §3.2.3: acknowledge the error
  }

 private:
  std::string message() const {
    // gs2-header without channel binding, then the key/value pairs, each ended by ^A.
    std::string m = "n,a=" + gs2_escape(who_.user) + ",\x01";
    if (!host_.empty()) m += "host=" + host_ + "\x01";
    if (port_) m += "port=" + std::to_string(port_) + "\x01";
    m += "auth=Bearer " + who_.secret + "\x01\x01";
    return m;
  }
  static std::string gs2_escape(std::string_view s) {
    std::string out;
    for (char c : s) {
      if (c == ',')
        out += "=2C";
      else if (c == '=')
        out += "=3D";
      else
        out += c;
    }
    return out;
  }
  const credentials& who_;
  std::string host_;
  std::uint16_t port_;
  bool sent_ = false;
};

}  // namespace

std::unique_ptr<sasl_client> make_xoauth2(const credentials& who, bool one_step) {
  return std::make_unique<xoauth2_client>(who, one_step);
}
std::unique_ptr<sasl_client> make_oauthbearer(const credentials& who, std::string_view host,
                                              std::uint16_t port) {
  return std::make_unique<oauthbearer_client>(who, host, port);
}

}  // namespace pop3::detail
