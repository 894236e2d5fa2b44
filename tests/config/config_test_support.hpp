// What the configuration tests share: a fresh directory per test, an environment variable
// set (or unset) for the length of a test, and files written with an exact mode.
#pragma once

#include <stdlib.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include <gtest/gtest.h>

namespace pop3::agent::testing {

/// A new directory under the system's temporary directory, removed with all it holds.
class temporary_directory {
 public:
  temporary_directory() {
    std::string pattern = (std::filesystem::temp_directory_path() / "pop3-config-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = pattern;
  }
  temporary_directory(const temporary_directory&) = delete;
  temporary_directory& operator=(const temporary_directory&) = delete;
  ~temporary_directory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

  /// Writes `text` to NAME in the directory and sets its mode (chmod, so the umask does not
  /// matter). Returns the file's path.
  std::filesystem::path write(const std::string& name, const std::string& text,
                              unsigned mode) const {
    auto file = path_ / name;
    std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
    EXPECT_EQ(::chmod(file.c_str(), mode), 0);
    return file;
  }

 private:
  std::filesystem::path path_;
};

/// Sets (or, with nullopt, unsets) an environment variable; restores it when destroyed.
class scoped_environment {
 public:
  scoped_environment(std::string name, const std::optional<std::string>& value)
      : name_(std::move(name)) {
    if (const char* old = std::getenv(name_.c_str())) saved_ = old;
    set(value);
  }
  scoped_environment(const scoped_environment&) = delete;
  scoped_environment& operator=(const scoped_environment&) = delete;
  ~scoped_environment() { set(saved_); }

 private:
  void set(const std::optional<std::string>& value) {
    if (value)
      ::setenv(name_.c_str(), value->c_str(), 1);
    else
      ::unsetenv(name_.c_str());
  }
  std::string name_;
  std::optional<std::string> saved_;
};

}  // namespace pop3::agent::testing
