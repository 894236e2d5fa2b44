// The public facade (engine.cpp): creation, feed() when the buffer is full, moving.
#include "pop3/engine.hpp"

#include <gtest/gtest.h>

#include "engine_fixture.hpp"

namespace pop3::test {
namespace {

TEST(engine, feed_takes_what_fits_and_the_rest_after_draining) {
  engine_config config;
  config.receive_buffer_size = 600;
  config.max_sasl_line_length = 600;
  config.max_listing_line_length = 600;
  auto eng = engine::create(config).value();
  const std::string greeting = "+OK ready\r\n";
  const std::string replies = greeting + std::string(1000, 'x');  // more than the buffer
  auto taken = eng.feed(std::span<const char>(replies.data(), replies.size()));
  ASSERT_TRUE(taken);
  EXPECT_EQ(*taken, 600u);
  EXPECT_EQ(*eng.feed(std::span<const char>(replies.data() + 600, 10)), 0u);  // full
  auto greeting_event = eng.next_event();
  ASSERT_TRUE(greeting_event && *greeting_event);
  EXPECT_TRUE(std::holds_alternative<events::greeting>(**greeting_event));
  // The rest is unsolicited: the next event is the protocol error, and it is sticky.
  EXPECT_EQ(eng.next_event().error().code, errc::unexpected_data);
  EXPECT_EQ(eng.feed(std::span<const char>("x", 1)).error().code, errc::unexpected_data);
}

TEST(engine, moved_engine_keeps_its_state) {
  auto a = engine::create().value();
  ASSERT_TRUE(a.feed(std::span<const char>("+OK hi <a@b>\r\n", 14)));
  ASSERT_TRUE(a.next_event().value());
  engine b = std::move(a);
  EXPECT_EQ(b.state(), session_state::authorization);
  EXPECT_EQ(b.apop_timestamp(), "<a@b>");
  EXPECT_EQ(b.last_reply().text, "hi <a@b>");
  EXPECT_TRUE(b.submit(cmd::user("u")));
  EXPECT_EQ(std::string_view(b.pending_output().data(), b.pending_output().size()), "USER u\r\n");
}

TEST(engine, invalid_configuration_is_refused) {
  engine_config config;
  config.max_line_length = 8;
  EXPECT_EQ(engine::create(config).error().code, errc::invalid_argument);
}

}  // namespace
}  // namespace pop3::test
