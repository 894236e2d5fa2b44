// Maildir delivery: write tmp/NAME, fsync, link to new/NAME,S=SIZE, fsync new/. A reader
// never sees a partial message in new/, and once new/ is fsync'ed the message survives a
// power cut. link() rather than rename(): it fails on an existing name instead of replacing
// a message delivered by someone else.
//
// With deferred durability the fsyncs move to make_durable(), once for a whole group of
// messages: finish() only starts the file's writeback (sync_file_range); make_durable() then
// fsyncs each file (by then mostly written: the file system commits its metadata once for all
// of them), links it into new/, and fsyncs new/ once. On ext4 that is 3x fewer synchronous
// disk round trips for small messages (measured in docs/benchmarks.md). A message enters new/
// only after its data is on disk, so not even a power cut can leave part of one there.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <utility>
#include <vector>

#include "delivery/delivery.hpp"
#include "delivery/durable_directory.hpp"
#include "delivery/maildir_name.hpp"
#include "delivery/maildir_tmp_cleanup.hpp"
#include "delivery/posix_io.hpp"
#include "delivery/sink_chain.hpp"
#include "delivery/storage_sink.hpp"

namespace pop3::agent {

namespace {

using detail::cannot;
using detail::unique_fd;

// How much of a message store() writes before it starts the writeback of that stretch.
constexpr std::uint64_t writeback_stretch = 8u << 20;

// Each message asks for at most this many names before giving up (on an unbroken run of
// names already taken, which only a broken name source produces).
constexpr int max_names_per_message = 100;

// What the delivery and its messages share; a message keeps it alive, so a sink may outlive
// the delivery that made it.
struct maildir_place {
  std::filesystem::path directory;
  std::string tmp_path;  // "DIR/tmp"
  std::string new_path;  // "DIR/new"
  unique_fd tmp;         // the directories, opened once: every operation is relative to them
  unique_fd fresh;       // new/
  line_ending ends = line_ending::lf;
  maildir_name_source unique_name;

  bool deferred_durability = false;

  // The next name from the source, or an empty string (with `why`) if it is not usable.
  std::string next_name(std::string& why) const {
    std::string name = unique_name ? unique_name() : detail::standard_maildir_name();
    if (!detail::is_valid_maildir_name(name)) {
      why = "the Maildir name source gave an unusable name \"" + name + "\"";
      name.clear();
    }
    return name;
  }
};

// A message finished but not yet durable (deferred durability only): its file in tmp/, still
// open, and its size for its name in new/.
struct pending_file {
  unique_fd file;
  std::string tmp_name;
  std::uint64_t size = 0;
};
using pending_files = std::vector<pending_file>;

// Links tmp/TMP_NAME into new/ as NAME,S=SIZE (another unique name if that one is taken:
// link() never replaces a message delivered by someone else). Returns the name in new/, or
// nothing with errno and the reason in `why`.
std::optional<std::string> link_into_new(const maildir_place& place, const std::string& tmp_name,
                                         std::uint64_t size, int& error_number, std::string& why) {
  const std::string suffix = ",S=" + std::to_string(size);
  std::string base = tmp_name;
  for (int attempt = 0; attempt < max_names_per_message; ++attempt) {
    std::string target = base + suffix;
    if (::linkat(place.tmp.get(), tmp_name.c_str(), place.fresh.get(), target.c_str(), 0) == 0)
      return target;
    error_number = errno;
    if (error_number != EEXIST) {
      why = cannot("link", place.tmp_path + "/" + tmp_name + " into " + place.new_path + "/",
                   error_number);
      return std::nullopt;
    }
    base = place.next_name(why);
    if (base.empty()) {
      error_number = EINVAL;
      return std::nullopt;
    }
  }
  error_number = EEXIST;
  why = "cannot link " + place.tmp_path + "/" + tmp_name + " into " + place.new_path +
        "/: " + std::to_string(max_names_per_message) + " names tried, all taken";
  return std::nullopt;
}

class maildir_message final : public detail::storage_sink {
 public:
  maildir_message(std::shared_ptr<const maildir_place> place,
                  std::shared_ptr<pending_files> pending, unique_fd file, std::string name)
      : place_(std::move(place)),
        pending_(std::move(pending)),
        file_(std::move(file)),
        name_(std::move(name)) {}
  maildir_message(const maildir_message&) = delete;
  maildir_message& operator=(const maildir_message&) = delete;
  ~maildir_message() override { undo_if_unfinished(); }

 private:
  std::string tmp_file() const { return place_->tmp_path + "/" + name_; }

  result<void> store(std::string_view bytes) override {
    if (const int error = detail::write_all(file_.get(), bytes))
      return fail(cannot("write", tmp_file(), error), error);
    size_ += bytes.size();
    // A large message is written back while it still arrives, a stretch at a time, so that
    // the fsync at its end waits for the last stretch only, not for all of it (200 MiB:
    // about a third less time in all). A hint: its failure changes nothing.
    if (size_ - written_back_ >= writeback_stretch) {
      (void)::sync_file_range(file_.get(), static_cast<off_t>(written_back_),
                              static_cast<off_t>(size_ - written_back_), SYNC_FILE_RANGE_WRITE);
      written_back_ = size_;
    }
    return {};
  }

  result<void> complete() override {
    if (place_->deferred_durability) return complete_deferred();
    if (const int error = detail::fsync_retrying(file_.get()))
      return fail(cannot("fsync", tmp_file(), error), error);
    if (const int error = file_.reset()) return fail(cannot("close", tmp_file(), error), error);
    POP3_TRY(link_into_new());
    if (const int error = detail::fsync_retrying(place_->fresh.get()))
      return fail(cannot("fsync directory", place_->new_path, error), error);
    // The message is durable in new/. The tmp/ name is only a second link to it: should the
    // unlink fail, the message is still delivered once, and Maildir readers clean tmp/.
    ::unlinkat(place_->tmp.get(), name_.c_str(), 0);
    tmp_exists_ = false;
    return {};
  }

  // The message is complete in tmp/, its data on its way to the disk; make_durable() waits
  // for it and then links it into new/. The tmp/ file is then the delivery's to link or remove.
  result<void> complete_deferred() {
    // A hint that starts the writeback now (allocating the blocks), so that the fsync of
    // make_durable() finds little left to do; its failure changes nothing.
    (void)::sync_file_range(file_.get(), 0, 0, SYNC_FILE_RANGE_WRITE);
    try {
      pending_->push_back({std::move(file_), name_, size_});
    } catch (...) {
      return fail("cannot deliver into " + place_->new_path + ": out of memory", ENOMEM);
    }
    tmp_exists_ = false;
    return {};
  }

  result<void> link_into_new() {
    int error_number = 0;
    std::string why;
    auto linked = agent::link_into_new(*place_, name_, size_, error_number, why);
    if (!linked) return fail(std::move(why), error_number);
    new_name_ = std::move(*linked);
    return {};
  }

  void undo() noexcept override {
    file_.reset();
    if (!new_name_.empty()) ::unlinkat(place_->fresh.get(), new_name_.c_str(), 0);
    if (tmp_exists_) ::unlinkat(place_->tmp.get(), name_.c_str(), 0);
    tmp_exists_ = false;
    new_name_.clear();
  }

  std::shared_ptr<const maildir_place> place_;
  std::shared_ptr<pending_files> pending_;
  unique_fd file_;
  std::string name_;      // in tmp/
  std::string new_name_;  // in new/, once linked and until the message is durable
  bool tmp_exists_ = true;
  std::uint64_t size_ = 0;
  std::uint64_t written_back_ = 0;  // octets whose writeback store() has started
};

class maildir_delivery final : public delivery {
 public:
  explicit maildir_delivery(std::shared_ptr<const maildir_place> place)
      : place_(std::move(place)) {}
  maildir_delivery(const maildir_delivery&) = delete;
  maildir_delivery& operator=(const maildir_delivery&) = delete;
  // Messages never made durable were never delivered: their tmp/ files go.
  ~maildir_delivery() override { remove_tmp_files(*pending_); }

  result<std::unique_ptr<delivery_sink>> begin(const message_info&, std::string& why) override {
    try {
      for (int attempt = 0; attempt < max_names_per_message; ++attempt) {
        std::string name = place_->next_name(why);
        if (name.empty()) return unexpected(error(errc::io_error, {}, {}, EINVAL));
        const int fd = ::openat(place_->tmp.get(), name.c_str(),
                                O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
        if (fd >= 0) {
          auto message =
              std::make_unique<maildir_message>(place_, pending_, unique_fd(fd), std::move(name));
          return std::unique_ptr<delivery_sink>(
              std::make_unique<detail::sink_chain>(std::move(message), place_->ends, false));
        }
        const int error_number = errno;
        if (error_number != EEXIST) {
          why = cannot("create", place_->tmp_path + "/" + name, error_number);
          return unexpected(error(errc::io_error, {}, {}, error_number));
        }
      }
      why = "cannot create a file in " + place_->tmp_path + ": " +
            std::to_string(max_names_per_message) + " names tried, all taken";
      return unexpected(error(errc::io_error, {}, {}, EEXIST));
    } catch (...) {
      why = "cannot start a message in " + place_->directory.string() + ": out of memory";
      return unexpected(error(errc::io_error, {}, {}, ENOMEM));
    }
  }

  std::string describe() const override { return "maildir " + place_->directory.string(); }

  bool defers_durability() const noexcept override { return place_->deferred_durability; }

  result<void> make_durable(std::string& why) override {
    why.clear();
    if (pending_->empty()) return {};
    // Whatever happens, the group is settled: on failure the caller treats every message of
    // it as not durable (not recorded, not deleted), so none is retried here, and those not
    // linked into new/ yet are removed.
    pending_files group = std::move(*pending_);
    pending_->clear();
    for (std::size_t i = 0; i < group.size(); ++i) {
      pending_file& entry = group[i];
      int error_number = detail::fsync_retrying(entry.file.get());
      if (error_number != 0) {
        why = cannot("fsync", place_->tmp_path + "/" + entry.tmp_name, error_number);
      } else if (!link_into_new(*place_, entry.tmp_name, entry.size, error_number, why)) {
        // why and error_number are set
      } else {
        entry.file.reset();
        continue;
      }
      // Those linked already stay in new/ (complete, but not durable: the caller records
      // none of the group); the others were never delivered. No tmp/ name is needed now.
      remove_tmp_files(group);
      return unexpected(pop3::error(errc::io_error, {}, {}, error_number));
    }
    const int error_number = detail::fsync_retrying(place_->fresh.get());
    // Each message is in new/ now; its tmp/ name is only a second link (Maildir readers
    // clean tmp/ should an unlink fail).
    remove_tmp_files(group);
    if (error_number != 0) {
      why = cannot("fsync directory", place_->new_path, error_number);
      return unexpected(pop3::error(errc::io_error, {}, {}, error_number));
    }
    return {};
  }

 private:
  // Closes the files of `group` and removes their tmp/ names.
  void remove_tmp_files(pending_files& group) noexcept {
    for (std::size_t i = 0; i < group.size(); ++i) {
      group[i].file.reset();
      ::unlinkat(place_->tmp.get(), group[i].tmp_name.c_str(), 0);
    }
  }

  std::shared_ptr<const maildir_place> place_;
  std::shared_ptr<pending_files> pending_ = std::make_shared<pending_files>();
};

// Returns 0 or the errno, with the reason in `why`.
int open_directory(const std::string& path, unique_fd& directory, std::string& why) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    const int error_number = errno;
    why = cannot("open directory", path, error_number);
    return error_number;
  }
  directory = unique_fd(fd);
  return 0;
}

}  // namespace

result<std::unique_ptr<delivery>> open_maildir(const std::filesystem::path& directory,
                                               const maildir_options& options, std::string& why) {
  try {
    if (directory.empty()) {
      why = "no Maildir directory given";
      return unexpected(error(errc::io_error, {}, {}, EINVAL));
    }
    for (const char* sub : {"", "cur", "new", "tmp"}) {
      const auto path = *sub != '\0' ? directory / sub : directory;
      if (const int error_number = detail::make_directory_durably(path, 0700, why))
        return unexpected(error(errc::io_error, {}, {}, error_number));
    }
    auto place = std::make_shared<maildir_place>();
    place->directory = directory;
    place->tmp_path = (directory / "tmp").string();
    place->new_path = (directory / "new").string();
    place->ends = options.ends;
    place->unique_name = options.unique_name;
    place->deferred_durability = options.deferred_durability;
    for (auto [path, fd] :
         {std::pair{&place->tmp_path, &place->tmp}, std::pair{&place->new_path, &place->fresh}}) {
      if (const int error_number = open_directory(*path, *fd, why))
        return unexpected(error(errc::io_error, {}, {}, error_number));
    }
    if (options.stale_tmp_age.count() > 0)
      detail::remove_stale_tmp_files(place->tmp.get(), options.stale_tmp_age);
    return std::unique_ptr<delivery>(std::make_unique<maildir_delivery>(std::move(place)));
  } catch (...) {
    why = "cannot open the Maildir " + directory.string() + ": out of memory";
    return unexpected(error(errc::io_error, {}, {}, ENOMEM));
  }
}

result<std::unique_ptr<delivery>> open_maildir(const std::filesystem::path& directory,
                                               line_ending ends, std::string& why) {
  maildir_options options;
  options.ends = ends;
  return open_maildir(directory, options, why);
}

}  // namespace pop3::agent
