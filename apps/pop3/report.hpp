// The CLI's words: exit codes and one-line errors (shared with `pop3 fetch`, see
// src/agent/fetch/exit_status.hpp) and the protocol trace.
#pragma once

#include <string_view>

#include "fetch/exit_status.hpp"
#include "pop3/session.hpp"

namespace pop3::cli {

using enum agent::exit_code;
using agent::exit_code_for;
using agent::failure_line;
using agent::printable;

/// Writes a trace line to stderr: "C: ..." for what was sent, "S: ..." for what came.
void print_trace(void* context, trace_kind kind, std::string_view line);

}  // namespace pop3::cli
