// What the tests of `pop3 fetch` share: running the program, reading what it delivered, and
// the expected bytes of each kind of delivery.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "run_process.hpp"
#include "support/sample_mail.hpp"

namespace pop3::test {

/// Runs the pop3 program (POP3_CLI_PATH) with these arguments.
process_result run_pop3(std::vector<std::string> args,
                        const std::map<std::string, std::string>& env = {});

std::string read_file(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, const std::string& text);

/// The contents of every regular file directly in `directory`, sorted.
std::vector<std::string> file_contents(const std::filesystem::path& directory);

/// The stored bytes of `messages`, sorted (to compare with file_contents()).
std::vector<std::string> stored_sorted(const std::vector<sample_message>& messages);

/// `message` as an mboxrd file holds it after its "From " line: lines matching ^>*From  get one
/// more '>', and an empty line follows.
std::string mboxrd_entry(const std::string& message);

/// Splits an mboxrd file into its entries (each without its "From " line); checks the "From "
/// lines' shape ("From MAILER-DAEMON " and a date) and reports any other as a test failure.
std::vector<std::string> mbox_entries(const std::string& mbox);

/// A fresh, empty directory for one test (removed again by the caller if it wants).
std::filesystem::path fresh_directory(const std::string& name);

/// Lines of `text` (without their "\n").
std::vector<std::string> lines_of(const std::string& text);

}  // namespace pop3::test
