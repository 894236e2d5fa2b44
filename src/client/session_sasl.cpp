// The SASL exchange of RFC 5034 on an open session: AUTH, challenges, responses, cancel.
#include "pop3/base64.hpp"
#include "pop3/session.hpp"

namespace pop3 {

result<void> session::sasl(std::string_view mechanism,
                           const std::optional<std::string>& initial_response,
                           const std::function<result<std::string>(std::string_view)>& respond) {
  start_command_clock();
  // RFC 5034 §4: "=" stands for an empty initial response; one that would make the command
  // longer than 255 octets goes after an empty challenge instead.
  std::optional<std::string> deferred;
  if (initial_response) {
    std::string encoded = base64_encode(*initial_response);
    // Refused before anything is sent if even a response line cannot carry it.
    if (encoded.size() + 2 > engine_.config().max_sasl_line_length)
      return unexpected(errc::command_too_long, command_kind::auth);
    if (5 + mechanism.size() + 1 + std::max<std::size_t>(encoded.size(), 1) + 2 <= 255) {
      POP3_TRY(submit(cmd::auth(mechanism, encoded)));
    } else {
      POP3_TRY(submit(cmd::auth(mechanism)));
      deferred = std::move(encoded);
    }
  } else {
    POP3_TRY(submit(cmd::auth(mechanism)));
  }

  std::optional<error> cancelled;  // why the exchange was cancelled, if it was
  for (;;) {
    auto ev = next_event();
    if (!ev) return unexpected(ev.error());
    if (std::holds_alternative<events::ok>(*ev)) {
      // A server that accepts a cancelled exchange is not to be trusted with the session:
      // leave, and report why the exchange was cancelled.
      if (cancelled) {
        close_untrusted();
        return unexpected(*cancelled);
      }
      return {};
    }
    if (const auto* err = std::get_if<events::err>(&*ev)) {
      if (cancelled) return unexpected(*cancelled);
      return unexpected(error(errc::server_error, command_kind::auth, err->code));
    }
    const auto& challenge = std::get<events::sasl_challenge>(*ev);
    if (cancelled) {  // a challenge after "*": the server ignores the cancel
      close_untrusted();
      return unexpected(*cancelled);
    }
    std::string answer;
    if (deferred && challenge.data.empty()) {
      answer = std::move(*deferred);
      deferred.reset();
    } else {
      auto decoded = base64_decode(challenge.data, engine_.config().max_sasl_line_length);
      auto response =
          decoded ? respond(*decoded)
                  : result<std::string>(unexpected(errc::malformed_challenge, command_kind::auth));
      if (!response) {
        cancelled = error(response.error().code, command_kind::auth);
        POP3_TRY(submit(cmd::sasl_cancel()));
        continue;
      }
      answer = base64_encode(*response);
    }
    if (auto sent = submit(cmd::sasl_response(answer)); !sent) {
      // Too long for the engine's SASL line limit: cancel rather than leave the server waiting.
      cancelled = sent.error();
      POP3_TRY(submit(cmd::sasl_cancel()));
    }
  }
}

}  // namespace pop3
