// The TCP transport against sockets on loopback addresses only: 127.0.0.1 and ::1. Both must
// work; a machine without ::1 fails the IPv6 cases instead of skipping them.
#include "pop3/tcp_transport.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <string>
#include <string_view>
#include <thread>

#include "loopback.hpp"

namespace pop3 {
namespace {

using namespace std::chrono_literals;
using namespace std::string_view_literals;
using test::closed_port;
using test::loopback_listener;
using test::test_socket;

deadline in(steady_clock::duration span) {
  return steady_clock::now() + span;
}

std::string expected_peer(std::string_view address, std::uint16_t port) {
  const std::string host(address);
  const std::string port_text = std::to_string(port);
  return host.find(':') == std::string::npos ? host + ":" + port_text
                                             : "[" + host + "]:" + port_text;
}

// Reads until `count` bytes arrived; a failure or end of stream fails the test.
std::string read_exactly(transport& stream, std::size_t count) {
  std::string data;
  char buffer[256];
  while (data.size() < count) {
    auto got = stream.read(buffer, in(10s));
    if (!got) {
      ADD_FAILURE() << "read failed: " << name(got.error().code);
      break;
    }
    if (*got == 0) {
      ADD_FAILURE() << "unexpected end of stream";
      break;
    }
    data.append(buffer, *got);
  }
  return data;
}

class tcp_loopback : public ::testing::TestWithParam<const char*> {
 protected:
  const char* address() const { return GetParam(); }

  std::unique_ptr<tcp_transport> connect_to(const loopback_listener& listener) {
    auto connected = tcp_transport::connect(address(), listener.port(), {}, in(10s));
    if (!connected) {
      ADD_FAILURE() << "connect failed: " << name(connected.error().code) << ", errno "
                    << connected.error().system_error;
      return nullptr;
    }
    return std::move(*connected);
  }
};

INSTANTIATE_TEST_SUITE_P(loopback, tcp_loopback, ::testing::Values("127.0.0.1", "::1"),
                         [](const auto& test_info) {
                           return std::string(test_info.param) == "::1" ? "ipv6" : "ipv4";
                         });

TEST_P(tcp_loopback, exchanges_exact_bytes_both_ways) {
  loopback_listener listener(address());
  auto client = connect_to(listener);
  ASSERT_NE(client, nullptr);
  test_socket server = listener.accept();

  ASSERT_TRUE(client->write("USER alice\r\n"sv, in(10s)));
  EXPECT_EQ(server.receive_exactly(12), "USER alice\r\n");
  const auto reply = "+OK \0binary\xff\r\n"sv;
  ASSERT_TRUE(server.send_all(reply));
  EXPECT_EQ(read_exactly(*client, reply.size()), reply);
  EXPECT_EQ(client->peer_address(), expected_peer(address(), listener.port()));
}

TEST_P(tcp_loopback, tcp_connect_returns_a_working_transport) {
  loopback_listener listener(address());
  auto connected = tcp_connect(address(), listener.port(), {}, in(10s));
  ASSERT_TRUE(connected);
  std::unique_ptr<transport> client = std::move(*connected);
  test_socket server = listener.accept();
  ASSERT_TRUE(server.send_all("+OK ready\r\n"));
  EXPECT_EQ(read_exactly(*client, 11), "+OK ready\r\n");
}

TEST_P(tcp_loopback, refused_on_a_closed_port) {
  const std::uint16_t port = closed_port(address());
  auto connected = tcp_connect(address(), port, {}, in(10s));
  ASSERT_FALSE(connected);
  EXPECT_EQ(connected.error().code, errc::connection_refused);
  EXPECT_EQ(connected.error().system_error, ECONNREFUSED);
}

TEST_P(tcp_loopback, connect_attempt_times_out_when_syns_are_dropped) {
  loopback_listener listener(address(), /*backlog=*/0);
  listener.fill_accept_queue();
  tcp_options options;
  options.connect_timeout = 100ms;
  auto connected = tcp_connect(address(), listener.port(), options, no_deadline);
  ASSERT_FALSE(connected);
  EXPECT_EQ(connected.error().code, errc::timeout);
  EXPECT_EQ(connected.error().system_error, 0);
}

TEST_P(tcp_loopback, callers_deadline_bounds_the_connect_attempt) {
  loopback_listener listener(address(), /*backlog=*/0);
  listener.fill_accept_queue();
  const deadline until = in(100ms);
  auto connected = tcp_connect(address(), listener.port(), {}, until);
  ASSERT_FALSE(connected);
  EXPECT_EQ(connected.error().code, errc::timeout);
  EXPECT_GE(steady_clock::now(), until);
}

TEST_P(tcp_loopback, passed_deadline_fails_with_timeout_before_connecting) {
  loopback_listener listener(address());
  auto connected = tcp_connect(address(), listener.port(), {}, steady_clock::now() - 1ms);
  ASSERT_FALSE(connected);
  EXPECT_EQ(connected.error().code, errc::timeout);
  EXPECT_EQ(connected.error().system_error, 0);
}

TEST_P(tcp_loopback, read_times_out_on_a_silent_server) {
  loopback_listener listener(address());
  auto client = connect_to(listener);
  ASSERT_NE(client, nullptr);
  test_socket server = listener.accept();

  char buffer[16];
  const deadline until = in(50ms);
  auto got = client->read(buffer, until);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, errc::timeout);
  EXPECT_EQ(got.error().system_error, 0);
  EXPECT_GE(steady_clock::now(), until);
}

TEST_P(tcp_loopback, trickling_server_is_cut_off_by_the_callers_deadline) {
  loopback_listener listener(address());
  auto client = connect_to(listener);
  ASSERT_NE(client, nullptr);
  test_socket server = listener.accept();

  std::atomic<bool> stop{false};
  std::thread trickle([&] {
    // Bounded so that a broken client cannot keep the thread alive: 500 bytes = 10 s.
    for (int sent = 0; sent < 500 && !stop.load(); ++sent) {
      if (!server.send_all("x")) return;
      std::this_thread::sleep_for(20ms);
    }
  });

  // Every read succeeds on its own, so only the deadline of the whole exchange stops it.
  const deadline until = in(200ms);
  std::string received;
  char buffer[64];
  result<std::size_t> got = std::size_t{0};
  for (;;) {
    got = client->read(buffer, until);
    if (!got || *got == 0) break;
    received.append(buffer, *got);
  }
  stop.store(true);
  trickle.join();

  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, errc::timeout);
  EXPECT_GE(steady_clock::now(), until);
  EXPECT_FALSE(received.empty());
  EXPECT_EQ(received, std::string(received.size(), 'x'));
}

TEST_P(tcp_loopback, end_of_stream_reads_zero_repeatedly) {
  loopback_listener listener(address());
  auto client = connect_to(listener);
  ASSERT_NE(client, nullptr);
  test_socket server = listener.accept();
  ASSERT_TRUE(server.send_all("+OK bye\r\n"));
  server.close();

  EXPECT_EQ(read_exactly(*client, 9), "+OK bye\r\n");
  char buffer[16];
  for (int i = 0; i < 3; ++i) {
    auto got = client->read(buffer, in(10s));
    ASSERT_TRUE(got);
    EXPECT_EQ(*got, 0u);
  }
}

TEST_P(tcp_loopback, peer_reset_is_io_error) {
  loopback_listener listener(address());
  auto client = connect_to(listener);
  ASSERT_NE(client, nullptr);
  listener.accept().reset();

  char buffer[16];
  auto got = client->read(buffer, in(10s));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, errc::io_error);
  EXPECT_EQ(got.error().system_error, ECONNRESET);
}

// Without MSG_NOSIGNAL this write would raise SIGPIPE and kill the test process.
TEST_P(tcp_loopback, write_after_reset_is_epipe_without_sigpipe) {
  loopback_listener listener(address());
  auto client = connect_to(listener);
  ASSERT_NE(client, nullptr);
  listener.accept().reset();
  char buffer[16];
  auto got = client->read(buffer, in(10s));  // makes sure the RST has arrived
  ASSERT_FALSE(got);
  ASSERT_EQ(got.error().code, errc::io_error);

  auto written = client->write("QUIT\r\n"sv, in(10s));
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().code, errc::io_error);
  EXPECT_EQ(written.error().system_error, EPIPE);
}

TEST_P(tcp_loopback, write_times_out_when_the_peer_does_not_read) {
  loopback_listener listener(address(), 16, /*receive_buffer=*/4096);
  auto client = connect_to(listener);
  ASSERT_NE(client, nullptr);
  test_socket server = listener.accept();

  const std::string flood(std::size_t{64} << 20, 'x');
  const deadline until = in(200ms);
  auto written = client->write(flood, until);
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().code, errc::timeout);
  EXPECT_GE(steady_clock::now(), until);
}

TEST_P(tcp_loopback, operations_after_close_fail_with_ebadf) {
  loopback_listener listener(address());
  auto client = connect_to(listener);
  ASSERT_NE(client, nullptr);
  client->close();
  client->close();

  char buffer[16];
  auto got = client->read(buffer, in(10s));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, errc::io_error);
  EXPECT_EQ(got.error().system_error, EBADF);
  auto written = client->write("NOOP\r\n"sv, in(10s));
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().code, errc::io_error);
  EXPECT_EQ(written.error().system_error, EBADF);
  EXPECT_EQ(client->peer_address(), expected_peer(address(), listener.port()));
}

TEST(tcp_connect_resolution, host_not_found_for_a_name_under_invalid) {
  // RFC 2606 reserves .invalid: no resolver can succeed, with or without a network.
  auto connected = tcp_connect("no-such-host.invalid", 110, {}, in(10s));
  ASSERT_FALSE(connected);
  EXPECT_EQ(connected.error().code, errc::host_not_found);
}

TEST(tcp_connect_resolution, host_not_found_for_empty_name_and_embedded_nul) {
  auto empty = tcp_connect("", 110, {}, in(10s));
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, errc::host_not_found);

  // Passed to getaddrinfo as a C string this would be "127.0.0.1" and connect somewhere.
  auto nul = tcp_connect("127.0.0.1\0.example"sv, 110, {}, in(10s));
  ASSERT_FALSE(nul);
  EXPECT_EQ(nul.error().code, errc::host_not_found);
}

TEST(tcp_connect_resolution, host_not_found_for_bracketed_ipv6) {
  auto connected = tcp_connect("[::1]", 110, {}, in(10s));
  ASSERT_FALSE(connected);
  EXPECT_EQ(connected.error().code, errc::host_not_found);
}

TEST(tcp_connect_resolution, family_option_excludes_literals_of_the_other_family) {
  tcp_options ipv4_only;
  ipv4_only.family = address_family::ipv4;
  auto v6 = tcp_connect("::1", 110, ipv4_only, in(10s));
  ASSERT_FALSE(v6);
  EXPECT_EQ(v6.error().code, errc::host_not_found);

  tcp_options ipv6_only;
  ipv6_only.family = address_family::ipv6;
  auto v4 = tcp_connect("127.0.0.1", 110, ipv6_only, in(10s));
  ASSERT_FALSE(v4);
  EXPECT_EQ(v4.error().code, errc::host_not_found);
}

// Where "localhost" also resolves to ::1 first, this covers trying the next address after a
// refusal: nothing listens on ::1 at this port.
TEST(tcp_connect_resolution, connects_by_name_to_localhost) {
  loopback_listener listener("127.0.0.1");
  auto connected = tcp_transport::connect("localhost", listener.port(), {}, in(10s));
  ASSERT_TRUE(connected) << name(connected.error().code);
  EXPECT_EQ((*connected)->peer_address(), expected_peer("127.0.0.1", listener.port()));
  test_socket server = listener.accept();
  ASSERT_TRUE((*connected)->write("CAPA\r\n"sv, in(10s)));
  EXPECT_EQ(server.receive_exactly(6), "CAPA\r\n");
}

}  // namespace
}  // namespace pop3
