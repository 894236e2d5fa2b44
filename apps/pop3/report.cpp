#include "report.hpp"

#include <cstdio>

namespace pop3::cli {

void print_trace(void*, trace_kind kind, std::string_view line) {
  const char* prefix = kind == trace_kind::sent ? "C: " : "S: ";
  std::fprintf(stderr, "%s%s\n", prefix, printable(line, 1000).c_str());
}

}  // namespace pop3::cli
