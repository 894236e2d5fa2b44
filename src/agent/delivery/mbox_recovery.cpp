#include "delivery/mbox_recovery.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "delivery/posix_io.hpp"

namespace pop3::agent::detail {

namespace {

constexpr std::string_view from = "From ";
// How our own "From " lines start (see from_line() in mbox.cpp).
constexpr std::string_view our_from = "From MAILER-DAEMON ";
// Our message starts with at most two line ends (the separator) before its "From " line.
constexpr std::size_t most_separator_octets = 4;

// Reads exactly `size` octets at `offset` (the file is known to be that long).
int read_at(int fd, std::uint64_t offset, std::size_t size, std::string& bytes) {
  bytes.assign(size, '\0');
  std::size_t got = 0;
  while (got < size) {
    const ssize_t n = ::pread(fd, bytes.data() + got, size - got, static_cast<off_t>(offset + got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) return EIO;  // shorter than fstat said: cut under our locks by someone
    got += static_cast<std::size_t>(n);
  }
  return 0;
}

enum class fragment_kind : unsigned char { ours, followed_by_other_mail, not_ours };

// Looks at the data after `offset`: ours is line ends, then our "From MAILER-DAEMON " line
// (or a prefix of them, if the run died that early), then quoted data, which never holds
// "From " at the start of a line; mid-line it may, and then we keep a fragment that was ours
// rather than risk cutting off another program's mail.
int classify(const mbox_file& file, std::uint64_t offset, fragment_kind& kind, std::string& why) {
  const std::uint64_t length = file.size - offset;
  std::string head;
  const auto head_size = static_cast<std::size_t>(
      std::min<std::uint64_t>(length, most_separator_octets + our_from.size()));
  if (const int error_number = read_at(file.fd, offset, head_size, head)) {
    why = cannot("read", *file.path, error_number);
    return error_number;
  }
  std::size_t lead = 0;
  while (lead < head.size() && lead < most_separator_octets &&
         (head[lead] == '\n' || head[lead] == '\r'))
    ++lead;
  const std::string_view rest = std::string_view(head).substr(lead);
  if (rest.substr(0, our_from.size()) != our_from.substr(0, rest.size())) {
    kind = fragment_kind::not_ours;
    return 0;
  }
  kind = fragment_kind::ours;
  // Search from just after our "From " line's 'F'; chunks overlap by 4 octets so that a
  // "From " across two reads is found.
  constexpr std::size_t chunk = 64 * 1024;
  std::uint64_t position = offset + lead + 1;
  std::string bytes;
  while (position + from.size() <= file.size) {
    const auto size =
        static_cast<std::size_t>(std::min<std::uint64_t>(chunk, file.size - position));
    if (const int error_number = read_at(file.fd, position, size, bytes)) {
      why = cannot("read", *file.path, error_number);
      return error_number;
    }
    if (bytes.find(from) != std::string::npos) {
      kind = fragment_kind::followed_by_other_mail;
      return 0;
    }
    position += size - (from.size() - 1);
  }
  return 0;
}

}  // namespace

int read_tail(const mbox_file& file, std::uint64_t size, std::string& tail, std::string& why) {
  const auto length = std::min<std::uint64_t>(size, journal_tail_octets);
  if (const int error_number =
          read_at(file.fd, size - length, static_cast<std::size_t>(length), tail)) {
    why = cannot("read", *file.path, error_number);
    return error_number;
  }
  return 0;
}

int recover_interrupted_append(mbox_file& file, const std::string& journal_path,
                               std::string_view content, const warning_function& warn,
                               std::string& why) {
  if (content.empty()) return 0;
  const auto record = parse_journal(content);
  if (!record) {
    warn("ignored " + journal_path + ": it is damaged or not a journal of pop3; it was replaced");
    return 0;
  }
  if (record->device != file.device || record->inode != file.inode) {
    warn("ignored " + journal_path + ": it was written for another file than " + *file.path +
         "; it was replaced");
    return 0;
  }
  if (record->state == append_state::written || file.size <= record->offset) return 0;
  const std::string changed = "did not cut off anything from " + *file.path +
                              ": it changed since the interrupted delivery recorded in " +
                              journal_path;
  std::string tail;
  if (const int error_number = read_tail(file, record->offset, tail, why)) return error_number;
  if (fnv1a(tail) != record->tail) {
    warn(changed);
    return 0;
  }
  fragment_kind kind{};
  if (const int error_number = classify(file, record->offset, kind, why)) return error_number;
  switch (kind) {
    case fragment_kind::not_ours:
      warn(changed);
      return 0;
    case fragment_kind::followed_by_other_mail:
      warn("left the incomplete message that an interrupted delivery left at octet " +
           std::to_string(record->offset) + " of " + *file.path +
           ": other mail was appended after it");
      return 0;
    case fragment_kind::ours:
      break;
  }
  while (::ftruncate(file.fd, static_cast<off_t>(record->offset)) != 0) {
    if (errno == EINTR) continue;
    const int error_number = errno;
    why = "cannot cut off the incomplete message at the end of " + *file.path + ": " +
          errno_text(error_number);
    return error_number;
  }
  if (const int error_number = fsync_retrying(file.fd)) {
    why = cannot("fsync", *file.path, error_number);
    return error_number;
  }
  warn("cut off the " + std::to_string(file.size - record->offset) +
       " octets of an incomplete message that an interrupted delivery left at the end of " +
       *file.path);
  file.size = record->offset;
  return 0;
}

std::string separator_before_message(std::string_view tail, line_ending ends) {
  const std::string_view end = ends == line_ending::crlf ? "\r\n" : "\n";
  if (tail.empty() || tail.ends_with("\n\n") || tail.ends_with("\n\r\n")) return {};
  std::string separator(end);
  if (!tail.ends_with('\n')) separator.append(end);
  return separator;
}

}  // namespace pop3::agent::detail
