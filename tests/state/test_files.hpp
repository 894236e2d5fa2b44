// Files for the state tests: a fresh directory per test, removed afterwards, and exact reads
// and writes of file contents.
#pragma once

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <system_error>

#include <gtest/gtest.h>

namespace pop3::agent::testing {

namespace fs = std::filesystem;

/// A new, empty directory under the system's temporary directory, removed with everything in
/// it on destruction.
class temp_directory {
 public:
  temp_directory() {
    std::string pattern = (fs::temp_directory_path() / "pop3-state-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = pattern;
  }
  ~temp_directory() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  temp_directory(const temp_directory&) = delete;
  temp_directory& operator=(const temp_directory&) = delete;

  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

inline std::string read_bytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  EXPECT_TRUE(in) << "cannot read " << file;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_bytes(const fs::path& file, const std::string& bytes) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << bytes;
  out.close();
  ASSERT_TRUE(out) << "cannot write " << file;
}

/// The names in a directory (not recursive).
inline std::set<std::string> names_in(const fs::path& directory) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(directory))
    names.insert(entry.path().filename().string());
  return names;
}

/// The permission bits of a file or directory.
inline unsigned mode_of(const fs::path& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

/// Sets the umask for the life of the object, so that expected modes do not depend on the
/// environment the tests run in.
class scoped_umask {
 public:
  explicit scoped_umask(mode_t mask) : saved_(::umask(mask)) {}
  ~scoped_umask() { ::umask(saved_); }
  scoped_umask(const scoped_umask&) = delete;
  scoped_umask& operator=(const scoped_umask&) = delete;

 private:
  mode_t saved_;
};

}  // namespace pop3::agent::testing
