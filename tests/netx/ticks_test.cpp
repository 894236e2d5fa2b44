// NetX waits in timer ticks, turned into the millisecond durations of pop3::session_options,
// where zero means "no limit": NX_NO_WAIT and sub-millisecond ticks must not become that.
#include "ticks.hpp"

#include <gtest/gtest.h>

namespace pop3::netx {
namespace {

using namespace std::chrono_literals;

TEST(netx_ticks, waits_become_whole_milliseconds_never_zero) {
  EXPECT_EQ(ticks_to_duration(NX_NO_WAIT), 1ms);  // the shortest wait, not "no limit"
  EXPECT_EQ(ticks_to_duration(1),
            std::chrono::milliseconds((1000 + NX_IP_PERIODIC_RATE - 1) / NX_IP_PERIODIC_RATE));
  EXPECT_EQ(ticks_to_duration(NX_IP_PERIODIC_RATE), 1000ms);
  EXPECT_EQ(ticks_to_duration(NX_IP_PERIODIC_RATE / 2), 500ms);
  EXPECT_EQ(ticks_to_duration(60 * NX_IP_PERIODIC_RATE), 60s);
  EXPECT_TRUE(is_forever(NX_WAIT_FOREVER));
  EXPECT_FALSE(is_forever(NX_NO_WAIT));
  EXPECT_GT(ticks_to_duration(NX_WAIT_FOREVER - 1), 24h * 365);  // no overflow
}

}  // namespace
}  // namespace pop3::netx
