// What begin() does to an mbox before appending, under its locks: cut off a message that a
// killed run left half-written (as the journal records it), and make sure the new message's
// "From " line starts after an empty line, whoever wrote what is before it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "delivery/delivery.hpp"
#include "delivery/mbox_journal.hpp"

namespace pop3::agent::detail {

/// The mbox as begin() found it under the locks.
struct mbox_file {
  int fd = -1;  // open for reading and appending
  const std::string* path = nullptr;
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::uint64_t size = 0;
};

/// Acts on what the journal at `journal_path` holds (`content`; empty: nothing recorded):
///  - a record of an append in progress ("writing") for this very file (device and inode),
///    which is larger than the recorded offset, whose octets before the offset are those
///    recorded (TAIL), and whose data after the offset is ours (line ends, then "From "):
///    that data is a fragment left by a run that died. It is cut off (ftruncate, fsync) and
///    `file.size` updated, unless another "From " follows anywhere in it (another program
///    appended mail after the fragment; the fragment may end mid-line, so the other "From "
///    line need not start a line): then nothing is cut off.
///  - every other record changes nothing.
/// Each case but the ordinary ones (no record, "written", nothing after the offset) is told
/// to `warn` (see mbox.cpp's tests for the exact words). Returns 0 or the errno of a failed
/// read, truncation or fsync, with the reason in `why`.
int recover_interrupted_append(mbox_file& file, const std::string& journal_path,
                               std::string_view content, const warning_function& warn,
                               std::string& why);

/// The up to journal_tail_octets last octets of the first `size` octets of the file.
/// Returns 0 or the errno, the reason in `why`.
int read_tail(const mbox_file& file, std::uint64_t size, std::string& tail, std::string& why);

/// What to append to a file ending in `tail` so that it is empty or ends with an empty line
/// ("\n\n" or "\n\r\n"): nothing, one line end or two, in the style of `ends`.
std::string separator_before_message(std::string_view tail, line_ending ends);

}  // namespace pop3::agent::detail
