// The UID store on real files with real SQLite: what goes in comes back exactly, across
// reopening and across a process killed right after a delivery was recorded.
#include "state/uid_store.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <limits>
#include <string>
#include <unordered_map>
#include <vector>

#include <gtest/gtest.h>

#include "test_files.hpp"

namespace pop3::agent {
namespace {

using testing::mode_of;
using testing::names_in;
using testing::read_bytes;
using testing::temp_directory;
using records_map = std::unordered_map<std::string, uid_record>;

records_map make_records(std::initializer_list<uid_record> list) {
  records_map out;
  for (const auto& r : list)
    out.emplace(r.uid, r);
  return out;
}

class uid_store_test : public ::testing::Test {
 protected:
  // Opens the store and expects success with `expected` as `how`.
  std::unique_ptr<uid_store> open_expecting(uid_store::opened expected) {
    uid_store::opened how{};
    std::string why = "not cleared";
    auto store = uid_store::open(file_, how, why);
    EXPECT_TRUE(store) << why;
    if (!store) return nullptr;
    EXPECT_EQ(how, expected);
    EXPECT_EQ(why, "");
    return std::move(*store);
  }

  void record(uid_store& store, const std::string& uid, std::uint64_t size, std::int64_t now) {
    std::string why;
    auto r = store.record_delivery(uid, size, now, why);
    EXPECT_TRUE(r) << why;
    EXPECT_EQ(why, "");
  }

  void forget(uid_store& store, const std::vector<std::string>& uids) {
    std::string why;
    auto r = store.forget(uids, why);
    EXPECT_TRUE(r) << why;
  }

  temp_directory dir_;
  std::filesystem::path file_ = dir_.path() / "work.db";
};

TEST_F(uid_store_test, creates_an_empty_store_then_finds_it_existing) {
  auto store = open_expecting(uid_store::opened::created);
  ASSERT_TRUE(store);
  EXPECT_TRUE(store->records().empty());
  store.reset();
  store = open_expecting(uid_store::opened::existing);
  ASSERT_TRUE(store);
  EXPECT_TRUE(store->records().empty());
}

TEST_F(uid_store_test, records_come_back_exactly_after_reopening) {
  auto store = open_expecting(uid_store::opened::created);
  ASSERT_TRUE(store);
  record(*store, "a", 10, 100);
  record(*store, "b", 20, 200);
  const auto expected = make_records({{"a", 100, 100, 10}, {"b", 200, 200, 20}});
  EXPECT_EQ(store->records(), expected);
  store.reset();

  store = open_expecting(uid_store::opened::existing);
  ASSERT_TRUE(store);
  EXPECT_EQ(store->records(), expected);
}

TEST_F(uid_store_test, redelivery_keeps_first_seen_and_updates_the_rest) {
  auto store = open_expecting(uid_store::opened::created);
  ASSERT_TRUE(store);
  record(*store, "a", 10, 100);
  record(*store, "a", 11, 500);
  const auto expected = make_records({{"a", 100, 500, 11}});
  EXPECT_EQ(store->records(), expected);
  store.reset();
  store = open_expecting(uid_store::opened::existing);
  ASSERT_TRUE(store);
  EXPECT_EQ(store->records(), expected);
}

TEST_F(uid_store_test, forget_removes_exactly_the_named_uids_and_ignores_unknown_ones) {
  auto store = open_expecting(uid_store::opened::created);
  ASSERT_TRUE(store);
  record(*store, "a", 1, 100);
  record(*store, "b", 2, 200);
  record(*store, "c", 3, 300);
  forget(*store, {"a", "unknown", "c"});
  const auto expected = make_records({{"b", 200, 200, 2}});
  EXPECT_EQ(store->records(), expected);
  forget(*store, {});
  EXPECT_EQ(store->records(), expected);
  store.reset();
  store = open_expecting(uid_store::opened::existing);
  ASSERT_TRUE(store);
  EXPECT_EQ(store->records(), expected);
}

TEST_F(uid_store_test, a_batch_is_recorded_in_one_transaction_all_or_nothing) {
  auto store = open_expecting(uid_store::opened::created);
  ASSERT_TRUE(store);
  record(*store, "a", 10, 100);
  const std::string a = "a", b = "b", c = "c", empty;
  std::string why;
  // A batch with an invalid entry (an empty UID) writes nothing, not even the valid ones.
  const uid_store::delivered_uid invalid[] = {{b, 1}, {empty, 2}};
  auto refused = store->record_deliveries(invalid, 300, why);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, errc::invalid_argument);
  EXPECT_EQ(why, "cannot record a delivery without a UID");
  EXPECT_EQ(store->records(), make_records({{"a", 100, 100, 10}}));

  const uid_store::delivered_uid batch[] = {{a, 11}, {b, 20}, {c, 30}};
  ASSERT_TRUE(store->record_deliveries(batch, 500, why)) << why;
  EXPECT_EQ(why, "");
  ASSERT_TRUE(store->record_deliveries({}, 600, why)) << why;  // nothing to write
  const auto expected =
      make_records({{"a", 100, 500, 11}, {"b", 500, 500, 20}, {"c", 500, 500, 30}});
  EXPECT_EQ(store->records(), expected);
  store.reset();
  store = open_expecting(uid_store::opened::existing);
  ASSERT_TRUE(store);
  EXPECT_EQ(store->records(), expected);
}

TEST_F(uid_store_test, odd_uids_are_stored_byte_for_byte) {
  std::string every_printable;
  for (char c = 0x21; c <= 0x7E; ++c)
    every_printable += c;
  const std::vector<std::string> uids = {
      every_printable,
      "'",
      "\"",
      "%",
      "_",
      "%_%",
      "\\",
      "a'b\"c",
      "'; DROP TABLE uids; --",
      "?1",
      "caf\xC3\xA9",
      "\xFF\xFE\x80",
      "with space",
  };
  auto store = open_expecting(uid_store::opened::created);
  ASSERT_TRUE(store);
  records_map expected;
  for (std::size_t i = 0; i < uids.size(); ++i) {
    record(*store, uids[i], i, static_cast<std::int64_t>(1000 + i));
    expected[uids[i]] = {uids[i], static_cast<std::int64_t>(1000 + i),
                         static_cast<std::int64_t>(1000 + i), i};
  }
  EXPECT_EQ(store->records(), expected);
  store.reset();

  store = open_expecting(uid_store::opened::existing);
  ASSERT_TRUE(store);
  EXPECT_EQ(store->records(), expected);
  // Forgetting by the same bytes finds the same rows ("%" and "_" are not patterns).
  forget(*store, {"%", "_", "'; DROP TABLE uids; --", every_printable});
  for (const char* gone : {"%", "_", "'; DROP TABLE uids; --"})
    expected.erase(gone);
  expected.erase(every_printable);
  EXPECT_EQ(store->records(), expected);
  store.reset();
  store = open_expecting(uid_store::opened::existing);
  ASSERT_TRUE(store);
  EXPECT_EQ(store->records(), expected);
}

TEST_F(uid_store_test, an_empty_uid_or_a_size_beyond_int64_is_refused_and_nothing_written) {
  auto store = open_expecting(uid_store::opened::created);
  ASSERT_TRUE(store);
  std::string why;
  auto empty = store->record_delivery("", 1, 100, why);
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, errc::invalid_argument);
  EXPECT_EQ(why, "cannot record a delivery without a UID");

  const std::uint64_t too_big = std::uint64_t{std::numeric_limits<std::int64_t>::max()} + 1;
  auto big = store->record_delivery("a", too_big, 100, why);
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, errc::invalid_argument);
  EXPECT_EQ(why, "cannot record a size of 9223372036854775808 octets");
  EXPECT_TRUE(store->records().empty());

  const std::uint64_t largest = std::numeric_limits<std::int64_t>::max();
  record(*store, "a", largest, 100);
  store.reset();
  store = open_expecting(uid_store::opened::existing);
  ASSERT_TRUE(store);
  EXPECT_EQ(store->records(), make_records({{"a", 100, 100, largest}}));
}

TEST_F(uid_store_test, creates_private_directories_and_files_in_wal_mode) {
  testing::scoped_umask umask(022);
  file_ = dir_.path() / "a" / "b" / "work.db";
  auto store = open_expecting(uid_store::opened::created);
  ASSERT_TRUE(store);
  record(*store, "a", 1, 100);
  EXPECT_EQ(mode_of(dir_.path() / "a"), 0700u);
  EXPECT_EQ(mode_of(dir_.path() / "a" / "b"), 0700u);
  EXPECT_EQ(mode_of(file_), 0600u);
  // While the store is open the delivery is in the write-ahead log, as private as the file.
  EXPECT_EQ(names_in(dir_.path() / "a" / "b"),
            (std::set<std::string>{"work.db", "work.db-shm", "work.db-wal"}));
  EXPECT_EQ(mode_of(dir_.path() / "a" / "b" / "work.db-wal"), 0600u);
  EXPECT_EQ(mode_of(dir_.path() / "a" / "b" / "work.db-shm"), 0600u);
  store.reset();
  // Bytes 18 and 19 of the header are 2 in WAL mode; closing checkpoints and removes the log.
  const std::string header = read_bytes(file_).substr(0, 20);
  EXPECT_EQ(header.substr(0, 16), std::string("SQLite format 3\0", 16));
  EXPECT_EQ(header[18], 2);
  EXPECT_EQ(header[19], 2);
  EXPECT_EQ(names_in(dir_.path() / "a" / "b"), (std::set<std::string>{"work.db"}));
}

TEST_F(uid_store_test, an_empty_file_is_a_new_store) {
  testing::write_bytes(file_, "");
  auto store = open_expecting(uid_store::opened::created);
  ASSERT_TRUE(store);
  EXPECT_TRUE(store->records().empty());
  record(*store, "a", 1, 100);
  store.reset();
  store = open_expecting(uid_store::opened::existing);
  ASSERT_TRUE(store);
  EXPECT_EQ(store->records(), make_records({{"a", 100, 100, 1}}));
}

// A process killed with SIGKILL right after record_delivery() returned loses nothing: the
// record is in the write-ahead log (not yet checkpointed, since the process never closed
// the store) and the next open() finds it. (Power loss is what synchronous=FULL is for; a
// test cannot pull the plug.)
TEST_F(uid_store_test, a_delivery_survives_sigkill_right_after_it_was_recorded) {
  {
    auto store = open_expecting(uid_store::opened::created);
    ASSERT_TRUE(store);
    record(*store, "before", 5, 50);
  }
  const pid_t child = ::fork();
  ASSERT_NE(child, -1);
  if (child == 0) {
    uid_store::opened how{};
    std::string why;
    auto store = uid_store::open(file_, how, why);
    if (!store || how != uid_store::opened::existing) ::_exit(2);
    for (int i = 0; i < 3; ++i)
      if (!(*store)->record_delivery("uid-" + std::to_string(i), 1000 + i, 1700000000 + i, why))
        ::_exit(3);
    ::kill(::getpid(), SIGKILL);
    ::_exit(4);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  EXPECT_TRUE(std::filesystem::exists(file_.string() + "-wal"));

  auto store = open_expecting(uid_store::opened::existing);
  ASSERT_TRUE(store);
  EXPECT_EQ(store->records(), make_records({{"before", 50, 50, 5},
                                            {"uid-0", 1700000000, 1700000000, 1000},
                                            {"uid-1", 1700000001, 1700000001, 1001},
                                            {"uid-2", 1700000002, 1700000002, 1002}}));
}

}  // namespace
}  // namespace pop3::agent
