#include "pop3/protocol.hpp"

namespace pop3 {

std::string_view to_string(session_state state) noexcept {
  switch (state) {
    case session_state::greeting:
      return "greeting";
    case session_state::authorization:
      return "authorization";
    case session_state::transaction:
      return "transaction";
    case session_state::update:
      return "update";
    case session_state::tls_handshake:
      return "tls_handshake";
    case session_state::closed:
      return "closed";
  }
  return "unknown";
}

std::string_view to_string(resp_code code) noexcept {
  switch (code) {
    case resp_code::none:
      return "";
    case resp_code::auth:
      return "AUTH";
    case resp_code::sys_temp:
      return "SYS/TEMP";
    case resp_code::sys_perm:
      return "SYS/PERM";
    case resp_code::in_use:
      return "IN-USE";
    case resp_code::login_delay:
      return "LOGIN-DELAY";
    case resp_code::utf8:
      return "UTF8";
    case resp_code::other:
      return "";
  }
  return "";
}

}  // namespace pop3
