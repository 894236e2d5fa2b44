// PLAIN (RFC 4616), LOGIN (draft-murchison-sasl-login) and EXTERNAL (RFC 4422 appendix A).
#include "sasl_client.hpp"

namespace pop3::detail {
namespace {

class plain_client final : public sasl_client {
 public:
  explicit plain_client(const credentials& who) : who_(who) {}
  std::string_view name() const override { return "PLAIN"; }
  std::optional<std::string> initial_response() override { return message(); }
  // Everything is in the initial response (the session sends it after an empty challenge if
  // it does not fit the AUTH command): any challenge is one too many.
  result<std::string> respond(std::string_view) override {
    return unexpected(errc::malformed_challenge);
  }

 private:
  std::string message() const {
    std::string m = who_.authzid;
    m += '\0';
    m += who_.user;
    m += '\0';
    m += who_.secret;
    return m;
  }
  const credentials& who_;
};

// LOGIN's prompts are free text ("Username:", "User Name"...): the answers go by order.
class login_client final : public sasl_client {
 public:
  explicit login_client(const credentials& who) : who_(who) {}
  std::string_view name() const override { return "LOGIN"; }
  result<std::string> respond(std::string_view) override {
    switch (step_++) {
      case 0:
        return who_.user;
      case 1:
        return who_.secret;
      default:
        return unexpected(errc::malformed_challenge);
    }
  }

 private:
  const credentials& who_;
  int step_ = 0;
};

class external_client final : public sasl_client {
 public:
  explicit external_client(const credentials& who) : who_(who) {}
  std::string_view name() const override { return "EXTERNAL"; }
  std::optional<std::string> initial_response() override { return who_.authzid; }
  result<std::string> respond(std::string_view) override {
    return unexpected(errc::malformed_challenge);
  }

 private:
  const credentials& who_;
};

}  // namespace

std::unique_ptr<sasl_client> make_plain(const credentials& who) {
  return std::make_unique<plain_client>(who);
}
std::unique_ptr<sasl_client> make_login(const credentials& who) {
  return std::make_unique<login_client>(who);
}
std::unique_ptr<sasl_client> make_external(const credentials& who) {
  return std::make_unique<external_client>(who);
}

}  // namespace pop3::detail
