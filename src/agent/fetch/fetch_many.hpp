// Several accounts in one `pop3 fetch`: up to `jobs` at once, each independent of the others
// (one account's failure never stops another), outcomes in the order of the accounts.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "fetch/fetch_account.hpp"

namespace pop3::agent {

/// Runs every account, up to `jobs` (at least 1) on threads of their own at a time; the
/// observer is called from those threads. Returns the outcomes in the accounts' order.
std::vector<account_outcome> fetch_accounts(std::span<const account_config> accounts,
                                            const fetch_environment& env, std::size_t jobs);

/// The exit code of the whole run: 0 if every account succeeded, else the code of the first
/// account (in the accounts' order) that failed.
int overall_exit_code(std::span<const account_outcome> outcomes);

}  // namespace pop3::agent
