#include "pop3/memory_transport.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <string>
#include <string_view>
#include <thread>

namespace pop3 {
namespace {

using namespace std::chrono_literals;
using namespace std::string_view_literals;

deadline in(steady_clock::duration span) {
  return steady_clock::now() + span;
}

// Reads until end of stream; a failure fails the test.
std::string read_to_end(transport& stream) {
  std::string data;
  char buffer[7];  // small and odd, so reads cut writes at every kind of boundary
  for (;;) {
    auto got = stream.read(buffer, in(10s));
    if (!got) {
      ADD_FAILURE() << "read failed: " << name(got.error().code);
      return data;
    }
    if (*got == 0) return data;
    data.append(buffer, *got);
  }
}

TEST(memory_pair, round_trip_in_both_directions) {
  auto [client, server] = make_memory_pair();
  ASSERT_TRUE(client->write("USER alice\r\n"sv, no_deadline));
  char buffer[64];
  auto got = server->read(buffer, in(10s));
  ASSERT_TRUE(got);
  EXPECT_EQ(std::string_view(buffer, *got), "USER alice\r\n");

  const auto reply = "+OK \0\xff\r\n"sv;
  ASSERT_TRUE(server->write(reply, no_deadline));
  got = client->read(buffer, in(10s));
  ASSERT_TRUE(got);
  EXPECT_EQ(std::string_view(buffer, *got), reply);
}

TEST(memory_pair, read_returns_what_fits_and_keeps_the_rest) {
  auto [client, server] = make_memory_pair();
  ASSERT_TRUE(server->write("+OK"sv, no_deadline));
  ASSERT_TRUE(server->write(" hello\r\n"sv, no_deadline));
  char small[4];
  auto got = client->read(small, in(10s));
  ASSERT_TRUE(got);
  EXPECT_EQ(std::string_view(small, *got), "+OK ");
  char rest[64];
  got = client->read(rest, in(10s));
  ASSERT_TRUE(got);
  EXPECT_EQ(std::string_view(rest, *got), "hello\r\n");
}

TEST(memory_pair, end_of_stream_after_close_comes_after_the_data) {
  auto [client, server] = make_memory_pair();
  ASSERT_TRUE(server->write("+OK bye\r\n"sv, no_deadline));
  server->close();
  EXPECT_EQ(read_to_end(*client), "+OK bye\r\n");
  char buffer[8];
  for (int i = 0; i < 3; ++i) {
    auto got = client->read(buffer, in(10s));
    ASSERT_TRUE(got);
    EXPECT_EQ(*got, 0u);
  }
}

TEST(memory_pair, destroying_an_end_closes_it_and_keeps_its_data) {
  auto [client, server] = make_memory_pair();
  ASSERT_TRUE(server->write("last words"sv, no_deadline));
  server.reset();
  EXPECT_EQ(read_to_end(*client), "last words");
}

TEST(memory_pair, read_times_out_when_nothing_arrives) {
  auto [client, server] = make_memory_pair();
  char buffer[8];
  const deadline until = in(50ms);
  auto got = client->read(buffer, until);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, errc::timeout);
  EXPECT_EQ(got.error().system_error, 0);
  EXPECT_GE(steady_clock::now(), until);
}

TEST(memory_pair, read_with_a_passed_deadline_still_returns_buffered_data_and_end_of_stream) {
  auto [client, server] = make_memory_pair();
  ASSERT_TRUE(server->write("+OK\r\n"sv, no_deadline));
  char buffer[8];
  auto got = client->read(buffer, steady_clock::now() - 1s);
  ASSERT_TRUE(got);
  EXPECT_EQ(std::string_view(buffer, *got), "+OK\r\n");
  got = client->read(buffer, steady_clock::now() - 1s);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, errc::timeout);
  // End of stream is there to read too, however late.
  server->close();
  got = client->read(buffer, steady_clock::now() - 1s);
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, 0U);
}

TEST(memory_pair, read_waits_for_a_writer_on_another_thread) {
  auto [client, server] = make_memory_pair();
  std::thread writer([&server = server] {
    std::this_thread::sleep_for(20ms);
    ASSERT_TRUE(server->write("+OK late\r\n"sv, no_deadline));
  });
  char buffer[64];
  auto got = client->read(buffer, no_deadline);
  writer.join();
  ASSERT_TRUE(got);
  EXPECT_EQ(std::string_view(buffer, *got), "+OK late\r\n");
}

TEST(memory_pair, close_wakes_a_reader_blocked_on_another_thread) {
  auto [client, server] = make_memory_pair();
  std::thread closer([&server = server] {
    std::this_thread::sleep_for(20ms);
    server->close();
  });
  char buffer[8];
  auto got = client->read(buffer, no_deadline);
  closer.join();
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, 0u);
}

TEST(memory_pair, write_after_the_peer_closed_is_epipe) {
  auto [client, server] = make_memory_pair();
  server->close();
  auto written = client->write("QUIT\r\n"sv, no_deadline);
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().code, errc::io_error);
  EXPECT_EQ(written.error().system_error, EPIPE);
}

TEST(memory_pair, operations_after_own_close_are_ebadf) {
  auto [client, server] = make_memory_pair();
  ASSERT_TRUE(server->write("unread"sv, no_deadline));
  client->close();
  client->close();
  char buffer[8];
  auto got = client->read(buffer, in(10s));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, errc::io_error);
  EXPECT_EQ(got.error().system_error, EBADF);
  auto written = client->write("x"sv, no_deadline);
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().code, errc::io_error);
  EXPECT_EQ(written.error().system_error, EBADF);
}

TEST(memory_pair, the_other_end_outlives_a_destroyed_end) {
  auto [client, server] = make_memory_pair();
  client.reset();
  auto written = server->write("anyone?"sv, no_deadline);
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().system_error, EPIPE);
  char buffer[8];
  auto got = server->read(buffer, in(10s));
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, 0u);
}

// A concurrent stream in both directions, for ThreadSanitizer as much as for the bytes: the
// main thread writes in growing pieces, an echo thread sends everything back and closes, and
// a reader thread collects the echo until end of stream.
TEST(memory_pair, concurrent_streams_arrive_intact) {
  auto [client, server] = make_memory_pair();
  std::string message;
  for (int i = 0; i < 200000; ++i)
    message.push_back(static_cast<char>(i * 7 + i / 251));

  std::thread echo([&server = server, expected = message.size()] {
    char buffer[509];
    std::size_t echoed = 0;
    while (echoed < expected) {
      auto got = server->read(buffer, in(30s));
      ASSERT_TRUE(got);
      ASSERT_NE(*got, 0u);
      ASSERT_TRUE(server->write(std::string_view(buffer, *got), no_deadline));
      echoed += *got;
    }
    server->close();
  });
  std::string echoed;
  std::thread reader([&client = client, &echoed] { echoed = read_to_end(*client); });
  for (std::size_t offset = 0, piece = 1; offset < message.size(); offset += piece, ++piece) {
    // Not ASSERT: returning here would leave the threads joinable.
    if (!client->write(std::string_view(message).substr(offset, piece), no_deadline)) {
      ADD_FAILURE() << "write failed at offset " << offset;
      break;
    }
  }
  echo.join();
  reader.join();
  EXPECT_EQ(echoed, message);
}

}  // namespace
}  // namespace pop3
