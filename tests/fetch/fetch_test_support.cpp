#include "fetch_test_support.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace pop3::test {

namespace fs = std::filesystem;

process_result run_pop3(std::vector<std::string> args,
                        const std::map<std::string, std::string>& env) {
  args.insert(args.begin(), POP3_CLI_PATH);
  return run_process(args, env);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::vector<std::string> file_contents(const fs::path& directory) {
  std::vector<std::string> out;
  if (!fs::exists(directory)) return out;
  for (const auto& entry : fs::directory_iterator(directory))
    if (entry.is_regular_file()) out.push_back(read_file(entry.path()));
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> stored_sorted(const std::vector<sample_message>& messages) {
  std::vector<std::string> out;
  for (const auto& m : messages)
    out.push_back(m.stored);
  std::sort(out.begin(), out.end());
  return out;
}

std::string mboxrd_entry(const std::string& message) {
  std::string out;
  std::size_t start = 0;
  while (start < message.size()) {
    std::size_t end = message.find('\n', start);
    end = end == std::string::npos ? message.size() : end + 1;
    const std::string_view line(message.data() + start, end - start);
    const std::size_t quotes = line.find_first_not_of('>');
    if (quotes != std::string_view::npos && line.substr(quotes).rfind("From ", 0) == 0) out += '>';
    out += line;
    start = end;
  }
  if (!out.empty() && out.back() != '\n') out += '\n';
  return out + "\n";
}

std::vector<std::string> mbox_entries(const std::string& mbox) {
  std::vector<std::string> entries;
  std::size_t start = 0;
  while (start < mbox.size()) {
    std::size_t end = mbox.find('\n', start);
    end = end == std::string::npos ? mbox.size() : end + 1;
    const std::string line = mbox.substr(start, end - start);
    if (line.rfind("From ", 0) == 0) {
      EXPECT_EQ(line.rfind("From MAILER-DAEMON ", 0), 0u) << line;
      entries.emplace_back();
    } else if (entries.empty()) {
      ADD_FAILURE() << "the mbox does not start with a From line: " << line;
      return entries;
    } else {
      entries.back() += line;
    }
    start = end;
  }
  return entries;
}

fs::path fresh_directory(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() / ("pop3-fetch-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    out.push_back(line);
  return out;
}

}  // namespace pop3::test
