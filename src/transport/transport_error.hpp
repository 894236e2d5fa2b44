// Builds the error of a failed transport operation.
#pragma once

#include "pop3/error.hpp"
#include "pop3/result.hpp"

namespace pop3::detail {

/// A transport error has no command and no response code; `system_errno` is errno, or 0 when
/// the failure is not a system call's (a deadline that passed).
inline unexpected transport_failure(errc code, int system_errno = 0) noexcept {
  return unexpected(error{code, command_kind::none, resp_code::none, system_errno});
}

}  // namespace pop3::detail
