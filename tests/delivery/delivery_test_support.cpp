#include "delivery_test_support.hpp"

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>

namespace pop3::agent::testing {

temporary_directory::temporary_directory() {
  static std::atomic<unsigned> counter{0};
  std::random_device random;
  const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = "pop3-delivery-" + std::to_string(::getpid()) + "-" +
                     std::to_string(counter++) + "-" + std::to_string(random());
  if (test != nullptr) name += std::string("-") + test->name();
  path_ = std::filesystem::temp_directory_path() / name;
  std::filesystem::create_directory(path_);
}

temporary_directory::~temporary_directory() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

delivery_test::delivery_test() : previous_umask_(::umask(022)) {}

delivery_test::~delivery_test() {
  ::umask(previous_umask_);
}

std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  EXPECT_TRUE(in) << "cannot read " << file;
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return std::move(bytes).str();
}

void write_file(const std::filesystem::path& file, std::string_view bytes) {
  std::ofstream out(file, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.flush()) << "cannot write " << file;
}

std::vector<std::string> list_directory(const std::filesystem::path& directory) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(directory))
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

unsigned file_mode(const std::filesystem::path& path) {
  struct stat status {};
  EXPECT_EQ(::stat(path.c_str(), &status), 0) << path;
  return status.st_mode & 07777;
}

result<void> deliver(delivery& destination, const std::vector<std::string_view>& chunks,
                     std::string* failure, const message_info& info) {
  std::string why;
  auto sink = destination.begin(info, why);
  if (!sink) {
    ADD_FAILURE() << "begin() failed: " << why;
    if (failure != nullptr) *failure = why;
    return unexpected(sink.error());
  }
  result<void> outcome;
  for (const std::string_view chunk : chunks) {
    outcome = (*sink)->write(chunk);
    if (!outcome) break;
  }
  if (outcome) outcome = (*sink)->finish();
  if (failure != nullptr) *failure = (*sink)->failure();
  return outcome;
}

std::vector<std::string_view> split_every(std::string_view text, std::size_t size) {
  std::vector<std::string_view> chunks;
  for (std::size_t at = 0; at < text.size(); at += size)
    chunks.push_back(text.substr(at, size));
  return chunks;
}

maildir_name_source names_from(std::vector<std::string> names) {
  auto state =
      std::make_shared<std::pair<std::vector<std::string>, std::size_t>>(std::move(names), 0);
  return [state] {
    auto& [list, next] = *state;
    const std::size_t index = next++;
    return index < list.size() ? list[index] : "exhausted-" + std::to_string(index);
  };
}

bool no_child_left() {
  int status = 0;
  return ::waitpid(-1, &status, WNOHANG) == -1 && errno == ECHILD;
}

namespace {

constexpr std::size_t large_total = 20u << 20;
constexpr std::size_t large_chunk = 16u << 10;

char large_message_byte_at(std::size_t at) {
  const std::size_t line = at / 64, column = at % 64;
  if (column == 62) return '\r';
  if (column == 63) return '\n';
  if (column >= 8) return static_cast<char>('a' + (line + column) % 26);
  std::size_t divisor = 1;
  for (std::size_t digit = column; digit < 7; ++digit)
    divisor *= 10;
  return static_cast<char>('0' + line / divisor % 10);
}

}  // namespace

void stream_large_message(delivery_sink& sink) {
  rusage before{};
  ::getrusage(RUSAGE_SELF, &before);
  std::string chunk;
  for (std::size_t at = 0; at < large_total;) {
    const std::size_t size = at == 0 ? 63 : std::min(large_chunk, large_total - at);
    chunk.clear();
    for (std::size_t i = 0; i < size; ++i)
      chunk += large_message_byte_at(at + i);
    ASSERT_TRUE(sink.write(chunk)) << sink.failure();
    at += size;
  }
  ASSERT_TRUE(sink.finish()) << sink.failure();
  rusage after{};
  ::getrusage(RUSAGE_SELF, &after);
  EXPECT_LT(after.ru_maxrss - before.ru_maxrss, 8 * 1024) << "KiB of peak memory added";
}

void expect_large_message_stored(const std::filesystem::path& file) {
  constexpr std::size_t stored = large_total / 64 * 63;
  ASSERT_EQ(std::filesystem::file_size(file), stored);
  std::ifstream in(file, std::ios::binary);
  std::string line(63, '\0');
  for (std::size_t n = 0; n < large_total / 64; ++n) {
    ASSERT_TRUE(in.read(line.data(), 63));
    std::string expected;
    for (std::size_t column = 0; column < 62; ++column)
      expected += large_message_byte_at(n * 64 + column);
    expected += '\n';
    ASSERT_EQ(line, expected) << "line " << n;
  }
}

}  // namespace pop3::agent::testing
