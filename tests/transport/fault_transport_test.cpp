#include "pop3/fault_transport.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "pop3/memory_transport.hpp"

namespace pop3 {
namespace {

using namespace std::chrono_literals;
using namespace std::string_view_literals;

deadline in(steady_clock::duration span) {
  return steady_clock::now() + span;
}

// A fault_transport over one end of a memory pair; `peer` is the scripted other end.
struct wrapped_pair {
  explicit wrapped_pair(fault_plan plan) {
    auto [near, far] = make_memory_pair();
    peer = std::move(far);
    wrapper = std::make_unique<fault_transport>(std::move(near), std::move(plan));
  }
  std::unique_ptr<transport> peer;
  std::unique_ptr<fault_transport> wrapper;
};

// The sizes of successive reads of everything `stream` has buffered, until a read fails.
std::vector<std::size_t> read_sizes(transport& stream, std::size_t buffer_size = 4096) {
  std::vector<std::size_t> sizes;
  std::vector<char> buffer(buffer_size);
  for (;;) {
    auto got = stream.read(buffer, in(20ms));
    if (!got || *got == 0) return sizes;
    sizes.push_back(*got);
  }
}

// The same short exchange every fault test runs: op 0 reads the greeting, op 1 writes a
// command, op 2 reads the reply, op 3 writes QUIT.
constexpr std::size_t exchange_operations = 4;

struct exchange_outcome {
  std::vector<result<std::size_t>> reads;
  std::vector<result<void>> writes;
};

exchange_outcome run_exchange(wrapped_pair& pair) {
  exchange_outcome outcome;
  char buffer[64];
  EXPECT_TRUE(pair.peer->write("+OK hi\r\n"sv, no_deadline));
  outcome.reads.push_back(pair.wrapper->read(buffer, in(50ms)));
  outcome.writes.push_back(pair.wrapper->write("STAT\r\n"sv, in(50ms)));
  (void)pair.peer->write("+OK 1 5\r\n"sv, no_deadline);  // fails once the fault closed it
  outcome.reads.push_back(pair.wrapper->read(buffer, in(50ms)));
  outcome.writes.push_back(pair.wrapper->write("QUIT\r\n"sv, in(50ms)));
  return outcome;
}

TEST(fault_transport, clean_run_counts_every_operation) {
  wrapped_pair pair(fault_plan{});
  const exchange_outcome outcome = run_exchange(pair);
  for (const auto& read : outcome.reads)
    EXPECT_TRUE(read);
  for (const auto& write : outcome.writes)
    EXPECT_TRUE(write);
  EXPECT_EQ(pair.wrapper->operations(), exchange_operations);
  EXPECT_EQ(pair.wrapper->received(), "+OK hi\r\n+OK 1 5\r\n");
  EXPECT_EQ(pair.wrapper->written(), "STAT\r\nQUIT\r\n");
}

// Operation n's outcome in run_exchange: reads are the even operations, writes the odd ones.
const error* error_of(const exchange_outcome& outcome, std::size_t operation) {
  if (operation % 2 == 0) {
    const auto& read = outcome.reads[operation / 2];
    return read ? nullptr : &read.error();
  }
  const auto& write = outcome.writes[operation / 2];
  return write ? nullptr : &write.error();
}

TEST(fault_transport, fail_at_each_operation_then_every_later_one) {
  for (std::size_t at = 0; at < exchange_operations; ++at) {
    SCOPED_TRACE("fail at operation " + std::to_string(at));
    wrapped_pair pair(fault_plan{.kind = fault_kind::fail, .at = at});
    const exchange_outcome outcome = run_exchange(pair);
    for (std::size_t op = 0; op < exchange_operations; ++op) {
      const error* failure = error_of(outcome, op);
      if (op < at) {
        EXPECT_EQ(failure, nullptr) << "operation " << op;
        continue;
      }
      ASSERT_NE(failure, nullptr) << "operation " << op;
      EXPECT_EQ(failure->code, errc::io_error);
      EXPECT_EQ(failure->system_error, ECONNRESET);
    }
    EXPECT_EQ(pair.wrapper->operations(), exchange_operations);
    // The inner end was closed at the fault, so the scripted peer sees end of stream after
    // whatever was written before it.
    std::string seen;
    char buffer[64];
    for (auto got = pair.peer->read(buffer, in(1s)); got && *got > 0;
         got = pair.peer->read(buffer, in(1s)))
      seen.append(buffer, *got);
    EXPECT_EQ(seen, pair.wrapper->written());
    EXPECT_EQ(seen, at > 1 ? "STAT\r\n" : "");
  }
}

TEST(fault_transport, close_at_each_operation_reads_eof_and_writes_epipe) {
  for (std::size_t at = 0; at < exchange_operations; ++at) {
    SCOPED_TRACE("close at operation " + std::to_string(at));
    wrapped_pair pair(fault_plan{.kind = fault_kind::close, .at = at});
    const exchange_outcome outcome = run_exchange(pair);
    for (std::size_t op = 0; op < exchange_operations; ++op) {
      if (op < at) {
        EXPECT_EQ(error_of(outcome, op), nullptr) << "operation " << op;
      } else if (op % 2 == 0) {
        const auto& read = outcome.reads[op / 2];
        ASSERT_TRUE(read) << "operation " << op;
        EXPECT_EQ(*read, 0u) << "operation " << op;
      } else {
        const error* failure = error_of(outcome, op);
        ASSERT_NE(failure, nullptr) << "operation " << op;
        EXPECT_EQ(failure->code, errc::io_error);
        EXPECT_EQ(failure->system_error, EPIPE);
      }
    }
    char buffer[8];
    auto later = pair.wrapper->read(buffer, in(1s));
    ASSERT_TRUE(later);
    EXPECT_EQ(*later, 0u);
  }
}

TEST(fault_transport, close_drops_data_buffered_by_the_wrapper) {
  wrapped_pair pair(fault_plan{.kind = fault_kind::close, .at = 1, .read_splits = {2}});
  ASSERT_TRUE(pair.peer->write("+OK hi\r\n"sv, no_deadline));
  char buffer[64];
  auto first = pair.wrapper->read(buffer, in(1s));
  ASSERT_TRUE(first);
  EXPECT_EQ(std::string_view(buffer, *first), "+O");
  auto second = pair.wrapper->read(buffer, in(1s));
  ASSERT_TRUE(second);
  EXPECT_EQ(*second, 0u);
  EXPECT_EQ(pair.wrapper->received(), "+O");
}

TEST(fault_transport, stall_at_each_operation_times_out_at_the_deadline) {
  for (std::size_t at = 0; at < exchange_operations; ++at) {
    SCOPED_TRACE("stall at operation " + std::to_string(at));
    wrapped_pair pair(fault_plan{.kind = fault_kind::stall, .at = at});
    const exchange_outcome outcome = run_exchange(pair);
    for (std::size_t op = 0; op < exchange_operations; ++op) {
      const error* failure = error_of(outcome, op);
      if (op != at) {
        EXPECT_EQ(failure, nullptr) << "operation " << op;
        continue;
      }
      ASSERT_NE(failure, nullptr);
      EXPECT_EQ(failure->code, errc::timeout);
      EXPECT_EQ(failure->system_error, 0);
    }
  }
}

TEST(fault_transport, stall_waits_until_the_deadline) {
  wrapped_pair pair(fault_plan{.kind = fault_kind::stall, .at = 0});
  ASSERT_TRUE(pair.peer->write("+OK\r\n"sv, no_deadline));
  char buffer[8];
  const deadline until = in(50ms);
  auto got = pair.wrapper->read(buffer, until);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, errc::timeout);
  EXPECT_GE(steady_clock::now(), until);
  // Later operations proceed: the stalled read consumed nothing.
  got = pair.wrapper->read(buffer, in(1s));
  ASSERT_TRUE(got);
  EXPECT_EQ(std::string_view(buffer, *got), "+OK\r\n");
}

TEST(fault_transport, stall_without_deadline_times_out_at_once) {
  wrapped_pair pair(fault_plan{.kind = fault_kind::stall, .at = 0});
  auto written = pair.wrapper->write("NOOP\r\n"sv, no_deadline);
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().code, errc::timeout);
  EXPECT_EQ(pair.wrapper->written(), "");
}

TEST(fault_transport, one_byte_splits_repeat_forever) {
  wrapped_pair pair(fault_plan{.read_splits = {1}, .repeat_last = true});
  ASSERT_TRUE(pair.peer->write("+OK\r\n"sv, no_deadline));
  ASSERT_TRUE(pair.peer->write("."sv, no_deadline));
  EXPECT_EQ(read_sizes(*pair.wrapper), (std::vector<std::size_t>{1, 1, 1, 1, 1, 1}));
  EXPECT_EQ(pair.wrapper->received(), "+OK\r\n.");
}

TEST(fault_transport, listed_splits_then_unlimited) {
  wrapped_pair pair(fault_plan{.read_splits = {5, 100, 3}});
  const std::string data(250, 'd');
  ASSERT_TRUE(pair.peer->write(data, no_deadline));
  EXPECT_EQ(read_sizes(*pair.wrapper), (std::vector<std::size_t>{5, 100, 3, 142}));
  EXPECT_EQ(pair.wrapper->received(), data);
}

TEST(fault_transport, listed_splits_with_repeat_last) {
  wrapped_pair pair(fault_plan{.read_splits = {2, 3}, .repeat_last = true});
  ASSERT_TRUE(pair.peer->write("0123456789"sv, no_deadline));
  EXPECT_EQ(read_sizes(*pair.wrapper), (std::vector<std::size_t>{2, 3, 3, 2}));
  EXPECT_EQ(pair.wrapper->received(), "0123456789");
}

TEST(fault_transport, split_is_also_capped_by_the_callers_buffer) {
  wrapped_pair pair(fault_plan{.read_splits = {8}, .repeat_last = true});
  ASSERT_TRUE(pair.peer->write("0123456789"sv, no_deadline));
  EXPECT_EQ(read_sizes(*pair.wrapper, 3), (std::vector<std::size_t>{3, 3, 3, 1}));
}

TEST(fault_transport, zero_split_is_taken_as_one) {
  wrapped_pair pair(fault_plan{.read_splits = {0, 2}});
  ASSERT_TRUE(pair.peer->write("abcd"sv, no_deadline));
  EXPECT_EQ(read_sizes(*pair.wrapper), (std::vector<std::size_t>{1, 2, 1}));
}

TEST(fault_transport, splits_do_not_depend_on_the_inner_chunking) {
  wrapped_pair pair(fault_plan{.read_splits = {4}, .repeat_last = true});
  for (const auto piece : {"a"sv, "bc"sv, "def"sv, "ghij"sv})
    ASSERT_TRUE(pair.peer->write(piece, no_deadline));
  EXPECT_EQ(read_sizes(*pair.wrapper), (std::vector<std::size_t>{4, 4, 2}));
  EXPECT_EQ(pair.wrapper->received(), "abcdefghij");
}

TEST(fault_transport, records_exact_bytes_in_both_directions) {
  wrapped_pair pair(fault_plan{.read_splits = {3}, .repeat_last = true});
  const auto command = "RETR 1\r\n\0\xff"sv;
  ASSERT_TRUE(pair.wrapper->write(command, no_deadline));
  ASSERT_TRUE(pair.wrapper->write(""sv, no_deadline));
  ASSERT_TRUE(pair.peer->write("+OK\r\n..x\r\n.\r\n"sv, no_deadline));
  pair.peer->close();
  std::string delivered;
  char buffer[64];
  for (auto got = pair.wrapper->read(buffer, in(1s)); got && *got > 0;
       got = pair.wrapper->read(buffer, in(1s)))
    delivered.append(buffer, *got);
  EXPECT_EQ(pair.wrapper->written(), command);
  EXPECT_EQ(pair.wrapper->received(), "+OK\r\n..x\r\n.\r\n");
  EXPECT_EQ(delivered, pair.wrapper->received());
  char peer_buffer[64];
  auto got = pair.peer->read(peer_buffer, in(1s));
  ASSERT_FALSE(got);  // the peer closed its own end
}

TEST(fault_transport, inner_errors_pass_through_unrecorded) {
  wrapped_pair pair(fault_plan{});
  pair.peer->close();
  auto written = pair.wrapper->write("QUIT\r\n"sv, no_deadline);
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().code, errc::io_error);
  EXPECT_EQ(written.error().system_error, EPIPE);
  EXPECT_EQ(pair.wrapper->written(), "");
  char buffer[8];
  auto got = pair.wrapper->read(buffer, in(1s));
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, 0u);
}

TEST(fault_transport, operations_after_close_are_ebadf_and_still_counted) {
  wrapped_pair pair(fault_plan{.kind = fault_kind::fail, .at = 1});
  pair.wrapper->close();
  pair.wrapper->close();
  char buffer[8];
  auto got = pair.wrapper->read(buffer, in(1s));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, errc::io_error);
  EXPECT_EQ(got.error().system_error, EBADF);
  auto written = pair.wrapper->write("x"sv, in(1s));
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().system_error, EBADF);
  EXPECT_EQ(pair.wrapper->operations(), 2u);
  // Closing the wrapper closed the inner end: the peer reads end of stream.
  auto peer_got = pair.peer->read(buffer, in(1s));
  ASSERT_TRUE(peer_got);
  EXPECT_EQ(*peer_got, 0u);
}

}  // namespace
}  // namespace pop3
