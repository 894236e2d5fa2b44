// The names of session states and response codes, as messages and traces show them.
#include "pop3/protocol.hpp"

#include <gtest/gtest.h>

namespace pop3 {
namespace {

TEST(protocol, every_session_state_has_its_name) {
  EXPECT_EQ(to_string(session_state::greeting), "greeting");
  EXPECT_EQ(to_string(session_state::authorization), "authorization");
  EXPECT_EQ(to_string(session_state::transaction), "transaction");
  EXPECT_EQ(to_string(session_state::update), "update");
  EXPECT_EQ(to_string(session_state::tls_handshake), "tls_handshake");
  EXPECT_EQ(to_string(session_state::closed), "closed");
  // A value outside the enumeration (memory corrupted, a newer peer) still gets a name.
  EXPECT_EQ(to_string(static_cast<session_state>(200)), "unknown");
}

TEST(protocol, every_response_code_is_written_as_inside_the_brackets) {
  EXPECT_EQ(to_string(resp_code::none), "");
  EXPECT_EQ(to_string(resp_code::auth), "AUTH");
  EXPECT_EQ(to_string(resp_code::sys_temp), "SYS/TEMP");
  EXPECT_EQ(to_string(resp_code::sys_perm), "SYS/PERM");
  EXPECT_EQ(to_string(resp_code::in_use), "IN-USE");
  EXPECT_EQ(to_string(resp_code::login_delay), "LOGIN-DELAY");
  EXPECT_EQ(to_string(resp_code::utf8), "UTF8");
  EXPECT_EQ(to_string(resp_code::other), "");
  EXPECT_EQ(to_string(static_cast<resp_code>(200)), "");
}

TEST(protocol, only_the_try_again_later_codes_are_temporary) {
  for (const resp_code code : {resp_code::sys_temp, resp_code::in_use, resp_code::login_delay})
    EXPECT_TRUE(is_temporary(code)) << to_string(code);
  for (const resp_code code :
       {resp_code::none, resp_code::auth, resp_code::sys_perm, resp_code::utf8, resp_code::other})
    EXPECT_FALSE(is_temporary(code)) << to_string(code);
}

}  // namespace
}  // namespace pop3
