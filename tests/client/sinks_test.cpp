#include "pop3/sink.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <sstream>
#include <string>

namespace pop3 {
namespace {

std::string through_lf_sink(const std::vector<std::string>& chunks) {
  string_sink out;
  lf_sink lf(out);
  for (const auto& c : chunks)
    EXPECT_TRUE(lf.write(c));
  EXPECT_TRUE(lf.finish());
  return out.data();
}

TEST(lf_sink, converts_crlf_at_any_chunk_boundary) {
  const std::string message = "a\r\nb\r\n\r\nc\rd\r\r\n";
  const std::string expected = "a\nb\n\nc\rd\r\n";
  EXPECT_EQ(through_lf_sink({message}), expected);
  for (std::size_t split = 0; split <= message.size(); ++split)
    EXPECT_EQ(through_lf_sink({message.substr(0, split), message.substr(split)}), expected)
        << split;
  std::vector<std::string> bytes;
  for (char c : message)
    bytes.emplace_back(1, c);
  EXPECT_EQ(through_lf_sink(bytes), expected);
}

TEST(lf_sink, trailing_cr_is_kept) {
  EXPECT_EQ(through_lf_sink({"x\r"}), "x\r");
  EXPECT_EQ(through_lf_sink({"x\r", "y"}), "x\ry");
}

TEST(string_sink, abort_drops_data_and_keeps_reason) {
  string_sink s;
  ASSERT_TRUE(s.write("abc"));
  s.abort(error(errc::connection_closed, command_kind::retr));
  EXPECT_TRUE(s.aborted());
  EXPECT_FALSE(s.finished());
  EXPECT_EQ(s.data(), "");
  EXPECT_EQ(s.abort_reason().code, errc::connection_closed);
}

TEST(ostream_sink, failed_stream_is_sink_failed) {
  std::ostringstream good;
  ostream_sink ok(good);
  ASSERT_TRUE(ok.write("hello"));
  ASSERT_TRUE(ok.finish());
  EXPECT_EQ(good.str(), "hello");
  std::ostringstream bad;
  bad.setstate(std::ios::badbit);
  ostream_sink broken(bad);
  EXPECT_EQ(broken.write("x").error().code, errc::sink_failed);
}

TEST(fd_sink, writes_everything_and_reports_errno) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  fd_sink sink(fds[1]);
  ASSERT_TRUE(sink.write("through a pipe"));
  ::close(fds[1]);
  char buffer[64];
  const ssize_t n = ::read(fds[0], buffer, sizeof buffer);
  EXPECT_EQ(std::string(buffer, static_cast<std::size_t>(n)), "through a pipe");
  ::close(fds[0]);
  fd_sink closed(fds[1]);  // closed descriptor
  auto r = closed.write("x");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::sink_failed);
  EXPECT_EQ(r.error().system_error, EBADF);
}

}  // namespace
}  // namespace pop3
