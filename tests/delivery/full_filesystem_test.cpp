// Faults from a real file system: a 256 KiB tmpfs that fills up, and one mounted read-only.
// These tests need root (mount(2)); without it they fail, they never skip.
#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <string>

#include <gtest/gtest.h>

#include "delivery/delivery.hpp"
#include "delivery_test_support.hpp"

namespace pop3::agent {
namespace {

using namespace std::chrono_literals;
using testing::deliver;
using testing::list_directory;
using testing::names_from;
using testing::read_file;
using strings = std::vector<std::string>;

class full_filesystem_test : public testing::delivery_test {
 protected:
  void SetUp() override {
    std::filesystem::create_directory(mount_point());
    ASSERT_EQ(::mount("tmpfs", mount_point().c_str(), "tmpfs", 0, "size=256k,mode=0700"), 0)
        << "cannot mount a 256 KiB tmpfs at " << mount_point() << ": " << std::strerror(errno)
        << " (these tests must run as root)";
    mounted_ = true;
  }
  void TearDown() override {
    if (mounted_) {
      EXPECT_EQ(::umount(mount_point().c_str()), 0) << std::strerror(errno);
    }
  }
  std::filesystem::path mount_point() const { return dir() / "small"; }
  void remount_read_only() {
    ASSERT_EQ(::mount("tmpfs", mount_point().c_str(), "tmpfs", MS_REMOUNT | MS_RDONLY, "size=256k"),
              0)
        << std::strerror(errno);
  }

  const std::string big_ = std::string(1u << 20, 'x');  // four times the file system

 private:
  bool mounted_ = false;
};

TEST_F(full_filesystem_test, AMaildirMessageTooBigLeavesNoFile) {
  const auto maildir_path = mount_point() / "Mail";
  maildir_options options;
  options.unique_name = names_from({"big", "small"});
  std::string why;
  auto maildir = open_maildir(maildir_path, options, why);
  ASSERT_TRUE(maildir) << why;
  std::string failure;
  auto delivered = deliver(**maildir, testing::split_every(big_, 16384), &failure);
  ASSERT_FALSE(delivered);
  EXPECT_EQ(delivered.error().code, errc::sink_failed);
  EXPECT_EQ(delivered.error().system_error, ENOSPC);
  EXPECT_EQ(failure, "cannot write " + (maildir_path / "tmp" / "big").string() +
                         ": No space left on device");
  EXPECT_EQ(list_directory(maildir_path / "tmp"), strings{});
  EXPECT_EQ(list_directory(maildir_path / "new"), strings{});
  // The space is free again: the next message fits.
  ASSERT_TRUE(deliver(**maildir, {"small\r\n"}));
  EXPECT_EQ(list_directory(maildir_path / "new"), strings{"small,S=6"});
}

TEST_F(full_filesystem_test, AnMboxMessageTooBigIsCutOffAgain) {
  const auto mbox_path = mount_point() / "mbox";
  mbox_options options;
  options.lock_timeout = 1s;
  options.clock = [] { return std::chrono::system_clock::from_time_t(1000000000); };
  std::string why;
  auto mbox = open_mbox(mbox_path, options, why);
  ASSERT_TRUE(mbox) << why;
  ASSERT_TRUE(deliver(**mbox, {"first\r\n"}));
  const std::string before = read_file(mbox_path);
  std::string failure;
  auto delivered = deliver(**mbox, testing::split_every(big_, 16384), &failure);
  ASSERT_FALSE(delivered);
  EXPECT_EQ(delivered.error().code, errc::sink_failed);
  EXPECT_EQ(delivered.error().system_error, ENOSPC);
  EXPECT_EQ(failure, "cannot write " + mbox_path.string() + ": No space left on device");
  EXPECT_EQ(read_file(mbox_path), before);
  // The journal stays while the delivery object lives (see open_mbox).
  EXPECT_EQ(list_directory(mount_point()), (strings{"mbox", "mbox.pop3-append"}));
  ASSERT_TRUE(deliver(**mbox, {"third\r\n"}));
  EXPECT_EQ(read_file(mbox_path),
            before + "From MAILER-DAEMON Sun Sep  9 01:46:40 2001\nthird\n\n");
}

TEST_F(full_filesystem_test, AReadOnlyFileSystemFailsAtBegin) {
  const auto maildir_path = mount_point() / "Mail";
  const auto mbox_path = mount_point() / "mbox";
  std::string why;
  maildir_options maildir_settings;
  maildir_settings.unique_name = names_from({"m1"});
  auto maildir = open_maildir(maildir_path, maildir_settings, why);
  ASSERT_TRUE(maildir) << why;
  auto mbox = open_mbox(mbox_path, line_ending::lf, 1s, why);
  ASSERT_TRUE(mbox) << why;
  remount_read_only();

  auto maildir_message = (*maildir)->begin({}, why);
  ASSERT_FALSE(maildir_message);
  EXPECT_EQ(maildir_message.error().code, errc::io_error);
  EXPECT_EQ(maildir_message.error().system_error, EROFS);
  EXPECT_EQ(why,
            "cannot create " + (maildir_path / "tmp" / "m1").string() + ": Read-only file system");

  auto mbox_message = (*mbox)->begin({}, why);
  ASSERT_FALSE(mbox_message);
  EXPECT_EQ(mbox_message.error().code, errc::io_error);
  EXPECT_EQ(mbox_message.error().system_error, EROFS);
  EXPECT_EQ(why, "cannot open " + mbox_path.string() + ": Read-only file system");

  auto new_maildir = open_maildir(mount_point() / "Other", line_ending::lf, why);
  ASSERT_FALSE(new_maildir);
  EXPECT_EQ(new_maildir.error().system_error, EROFS);
  EXPECT_EQ(why, "cannot create directory " + (mount_point() / "Other").string() +
                     ": Read-only file system");
  EXPECT_EQ(list_directory(mount_point()), (strings{"Mail", "mbox"}));
  EXPECT_EQ(read_file(mbox_path), "");
}

}  // namespace
}  // namespace pop3::agent
