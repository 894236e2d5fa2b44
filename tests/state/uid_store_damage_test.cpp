// Stores that cannot be trusted are moved aside byte for byte and replaced by an empty one
// (at worst some mail is delivered twice); stores that cannot be read, or that a newer pop3
// wrote, are errors that change nothing (no mail is deleted on a guess).
#include <sqlite3.h>
#include <sys/stat.h>

#include <cerrno>
#include <charconv>
#include <ctime>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "state/uid_store.hpp"
#include "test_files.hpp"

namespace pop3::agent {
namespace {

namespace fs = std::filesystem;
using testing::names_in;
using testing::read_bytes;
using testing::temp_directory;
using testing::write_bytes;

// Runs SQL on a database directly, as another program (or another pop3) would.
void run_sql(const fs::path& file, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  char* message = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
  EXPECT_EQ(rc, SQLITE_OK) << (message ? message : "");
  sqlite3_free(message);
  EXPECT_EQ(sqlite3_close(db), SQLITE_OK);
}

class uid_store_damage_test : public ::testing::Test {
 protected:
  // A valid, closed store holding `count` records of 300-byte UIDs (13 to a page).
  void make_valid_store(int count) {
    uid_store::opened how{};
    std::string why;
    auto store = uid_store::open(file_, how, why);
    ASSERT_TRUE(store) << why;
    for (int i = 0; i < count; ++i)
      ASSERT_TRUE((*store)->record_delivery(std::to_string(i) + std::string(300, 'x'),
                                            static_cast<std::uint64_t>(i), 1000 + i, why))
          << why;
  }

  // Opens the store expecting it to be replaced for `reason`: the damaged bytes are kept
  // exactly under FILE.corrupt-<now>, the new store is empty, and reopening finds it.
  void expect_replaced(const std::string& damaged_bytes, const std::string& reason) {
    const std::int64_t before = std::time(nullptr);
    uid_store::opened how{};
    std::string why;
    auto store = uid_store::open(file_, how, why);
    const std::int64_t after = std::time(nullptr);
    ASSERT_TRUE(store) << why;
    EXPECT_EQ(how, uid_store::opened::replaced);
    EXPECT_TRUE((*store)->records().empty());
    store->reset();

    const auto names = names_in(dir_.path());
    ASSERT_EQ(names.size(), 2u) << why;
    ASSERT_TRUE(names.contains("work.db"));
    const std::string moved = *names.begin() == "work.db" ? *names.rbegin() : *names.begin();
    const std::string prefix = "work.db.corrupt-";
    ASSERT_EQ(moved.substr(0, prefix.size()), prefix);
    std::int64_t when = 0;
    const char* digits = moved.data() + prefix.size();
    const auto [end, ec] = std::from_chars(digits, moved.data() + moved.size(), when);
    EXPECT_TRUE(ec == std::errc() && end == moved.data() + moved.size()) << moved;
    EXPECT_GE(when, before);
    EXPECT_LE(when, after);
    EXPECT_EQ(read_bytes(dir_.path() / moved), damaged_bytes);
    EXPECT_EQ(why, "state file " + file_.string() + " is damaged (" + reason + "): moved it to " +
                       (dir_.path() / moved).string() + " and started a new one");

    how = {};
    auto again = uid_store::open(file_, how, why);
    ASSERT_TRUE(again) << why;
    EXPECT_EQ(how, uid_store::opened::existing);
    EXPECT_TRUE((*again)->records().empty());
  }

  // Opens the store expecting errc::io_error with `message`, and nothing changed.
  void expect_refused(const std::string& message, int system_error) {
    const auto names = names_in(dir_.path());
    uid_store::opened how{};
    std::string why;
    auto store = uid_store::open(file_, how, why);
    ASSERT_FALSE(store);
    EXPECT_EQ(store.error().code, errc::io_error);
    EXPECT_EQ(store.error().system_error, system_error);
    EXPECT_EQ(why, message);
    EXPECT_EQ(names_in(dir_.path()), names);
  }

  temp_directory dir_;
  fs::path file_ = dir_.path() / "work.db";
};

TEST_F(uid_store_damage_test, garbage_is_moved_aside_and_replaced) {
  std::string garbage;
  for (int i = 0; i < 5000; ++i)
    garbage += static_cast<char>((i * 7919) % 256);
  write_bytes(file_, garbage);
  expect_replaced(garbage, "not a SQLite database");
}

TEST_F(uid_store_damage_test, a_header_with_an_impossible_page_size_is_not_a_database) {
  std::string bytes(4096, '\0');
  bytes.replace(0, 16, std::string("SQLite format 3\0", 16));
  bytes[16] = 0x03;  // 768: not a power of two
  write_bytes(file_, bytes);
  expect_replaced(bytes, "not a SQLite database: invalid page size");
}

struct truncation {
  std::size_t keep;  ///< bytes kept; or bytes cut from the end if from_end
  bool from_end;
  std::string reason;  ///< with {size} for the truncated size
};

class uid_store_truncation_test : public uid_store_damage_test,
                                  public ::testing::WithParamInterface<truncation> {};

TEST_P(uid_store_truncation_test, a_truncated_store_is_moved_aside_and_replaced) {
  make_valid_store(60);
  const std::string whole = read_bytes(file_);
  ASSERT_EQ(names_in(dir_.path()), (std::set<std::string>{"work.db"}));
  ASSERT_EQ(whole.size() % 4096, 0u);
  ASSERT_GE(whole.size(), 4u * 4096) << "the store should span several pages";
  const std::size_t size = GetParam().from_end ? whole.size() - GetParam().keep : GetParam().keep;
  const std::string cut = whole.substr(0, size);
  write_bytes(file_, cut);
  std::string reason = GetParam().reason;
  if (auto at = reason.find("{size}"); at != std::string::npos)
    reason.replace(at, 6, std::to_string(size));
  expect_replaced(cut, reason);
}

INSTANTIATE_TEST_SUITE_P(
    lengths, uid_store_truncation_test,
    ::testing::Values(
        truncation{1, false, "truncated: 1 bytes, shorter than a database header"},
        truncation{99, false, "truncated: 99 bytes, shorter than a database header"},
        truncation{100, false, "truncated: 100 bytes is not a whole number of 4096-byte pages"},
        truncation{4096, false, "database disk image is malformed"},
        truncation{8192, false, "database disk image is malformed"},
        truncation{4096, true, "database disk image is malformed"},
        truncation{1, true, "truncated: {size} bytes is not a whole number of 4096-byte pages"},
        truncation{2048, true,
                   "truncated: {size} bytes is not a whole number of 4096-byte pages"}));

TEST_F(uid_store_damage_test, a_table_of_the_wrong_shape_is_moved_aside_and_replaced) {
  run_sql(file_,
          "PRAGMA user_version = 1;"
          "CREATE TABLE uids (uid TEXT PRIMARY KEY, seen INTEGER);"
          "INSERT INTO uids VALUES ('a', 1);");
  expect_replaced(read_bytes(file_), "format version 1 without its table and columns");
}

TEST_F(uid_store_damage_test, an_extra_table_is_moved_aside_and_replaced) {
  make_valid_store(1);
  run_sql(file_, "CREATE TABLE extra (x INTEGER);");
  expect_replaced(read_bytes(file_), "format version 1 without its table and columns");
}

TEST_F(uid_store_damage_test, tables_without_a_format_version_are_moved_aside_and_replaced) {
  run_sql(file_, "CREATE TABLE notes (text TEXT);");
  expect_replaced(read_bytes(file_), "tables, but no format version: not a pop3 state file");
}

TEST_F(uid_store_damage_test, a_negative_format_version_is_moved_aside_and_replaced) {
  make_valid_store(1);
  run_sql(file_, "PRAGMA user_version = -1;");
  expect_replaced(read_bytes(file_), "unknown format version -1");
}

TEST_F(uid_store_damage_test, a_row_of_the_wrong_types_is_moved_aside_and_replaced) {
  make_valid_store(1);
  run_sql(file_, "INSERT INTO uids VALUES ('bad', 'yesterday', 1, 2);");
  expect_replaced(read_bytes(file_), "a row with values of the wrong type");
}

TEST_F(uid_store_damage_test, a_store_failing_quick_check_is_moved_aside_and_replaced) {
  make_valid_store(60);
  std::string bytes = read_bytes(file_);
  // Page 2 is the first page of the table's b-tree. Bytes 1-2 of its header point to the
  // first freeblock; pointing it past the end of the page is damage only a check finds.
  ASSERT_EQ(bytes.size() % 4096, 0u);
  bytes[4096 + 1] = static_cast<char>(0xFF);
  bytes[4096 + 2] = static_cast<char>(0xF0);
  write_bytes(file_, bytes);
  expect_replaced(bytes, "integrity check: Page 2: free space corruption");
}

TEST_F(uid_store_damage_test, a_leftover_log_without_its_database_is_moved_aside) {
  std::string log;
  {
    uid_store::opened how{};
    std::string why;
    auto store = uid_store::open(file_, how, why);
    ASSERT_TRUE(store) << why;
    ASSERT_TRUE((*store)->record_delivery("old", 1, 100, why)) << why;
    log = read_bytes(file_.string() + "-wal");
  }
  ASSERT_FALSE(log.empty());
  fs::remove(file_);
  write_bytes(file_.string() + "-wal", log);

  const std::int64_t before = std::time(nullptr);
  uid_store::opened how{};
  std::string why;
  auto store = uid_store::open(file_, how, why);
  const std::int64_t after = std::time(nullptr);
  ASSERT_TRUE(store) << why;
  EXPECT_EQ(how, uid_store::opened::replaced);
  EXPECT_TRUE((*store)->records().empty());
  store->reset();
  std::string moved;
  for (const auto& name : names_in(dir_.path()))
    if (name != "work.db") moved = name;
  EXPECT_EQ(names_in(dir_.path()), (std::set<std::string>{"work.db", moved}));
  const std::string prefix = "work.db.corrupt-";
  ASSERT_EQ(moved.substr(0, prefix.size()), prefix);
  ASSERT_EQ(moved.substr(moved.size() - 4), "-wal");
  const std::string base = moved.substr(0, moved.size() - 4);
  const std::int64_t when = std::stoll(base.substr(prefix.size()));
  EXPECT_GE(when, before);
  EXPECT_LE(when, after);
  // Kept for a human: SQLite itself would have deleted it on creating the new file.
  EXPECT_EQ(read_bytes(dir_.path() / moved), log);
  EXPECT_EQ(why, "state file " + file_.string() +
                     " is damaged (missing, but its -wal or -journal file was left behind): "
                     "moved it to " +
                     (dir_.path() / base).string() + " and started a new one");
}

TEST_F(uid_store_damage_test, a_taken_corrupt_name_gets_a_number_instead_of_replacing_it) {
  write_bytes(file_, "first garbage");
  // Both files get the same name stem if opened within one second; fill every name a
  // second open could pick for the next few seconds so the test does not depend on timing.
  const std::int64_t now = std::time(nullptr);
  for (std::int64_t t = now; t < now + 5; ++t)
    write_bytes(dir_.path() / ("work.db.corrupt-" + std::to_string(t)), "taken");
  uid_store::opened how{};
  std::string why;
  auto store = uid_store::open(file_, how, why);
  ASSERT_TRUE(store) << why;
  EXPECT_EQ(how, uid_store::opened::replaced);
  store->reset();
  int numbered = 0;
  for (const auto& name : names_in(dir_.path())) {
    if (name.ends_with(".2")) {
      ++numbered;
      EXPECT_EQ(read_bytes(dir_.path() / name), "first garbage");
    } else if (name != "work.db") {
      EXPECT_EQ(read_bytes(dir_.path() / name), "taken");
    }
  }
  EXPECT_EQ(numbered, 1);
}

TEST_F(uid_store_damage_test, a_store_from_a_newer_pop3_is_refused_and_left_as_it_is) {
  make_valid_store(3);
  run_sql(file_, "PRAGMA user_version = 2;");
  const std::string bytes = read_bytes(file_);
  expect_refused("state file " + file_.string() +
                     " was written by a newer pop3 (format version 2; this pop3 reads version "
                     "1): left as it is",
                 0);
  EXPECT_EQ(read_bytes(file_), bytes);
}

TEST_F(uid_store_damage_test, a_directory_in_place_of_the_file_is_an_error_that_changes_nothing) {
  fs::create_directory(file_);
  expect_refused("state file " + file_.string() + " is a directory", EISDIR);
  EXPECT_TRUE(fs::is_directory(file_));
  EXPECT_TRUE(fs::is_empty(file_));
}

TEST_F(uid_store_damage_test, a_fifo_in_place_of_the_file_is_an_error_that_changes_nothing) {
  ASSERT_EQ(::mkfifo(file_.c_str(), 0600), 0);
  expect_refused("state file " + file_.string() + " is not a regular file", EINVAL);
  EXPECT_TRUE(fs::is_fifo(file_));
}

TEST_F(uid_store_damage_test, a_state_directory_under_a_regular_file_is_an_error) {
  const fs::path plain = dir_.path() / "plain";
  write_bytes(plain, "not a directory");
  file_ = plain / "state" / "work.db";
  uid_store::opened how{};
  std::string why;
  auto store = uid_store::open(file_, how, why);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, errc::io_error);
  EXPECT_EQ(store.error().system_error, ENOTDIR);
  EXPECT_EQ(why, "cannot create directory " + plain.string() + ": Not a directory");
  EXPECT_EQ(names_in(dir_.path()), (std::set<std::string>{"plain"}));
  EXPECT_EQ(read_bytes(plain), "not a directory");
}

}  // namespace
}  // namespace pop3::agent
