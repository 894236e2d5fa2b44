// Runs a program and captures its standard output, standard error and exit code.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace pop3::test {

struct process_result {
  int exit_code = -1;  ///< -1 if it did not exit normally
  std::string out;
  std::string err;
};

/// Runs argv[0] with the environment of this process plus `env` (a value of "\x01unset"
/// removes the variable) and `input` on standard input. Aborts the test after 120 s.
process_result run_process(const std::vector<std::string>& argv,
                           const std::map<std::string, std::string>& env = {},
                           const std::string& input = {});

}  // namespace pop3::test
