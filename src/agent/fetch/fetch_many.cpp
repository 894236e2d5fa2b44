#include "fetch_many.hpp"

#include <algorithm>
#include <atomic>
#include <thread>

namespace pop3::agent {

std::vector<account_outcome> fetch_accounts(std::span<const account_config> accounts,
                                            const fetch_environment& env, std::size_t jobs) {
  std::vector<account_outcome> outcomes(accounts.size());
  std::atomic<std::size_t> next{0};
  const auto worker = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < accounts.size();)
      outcomes[i] = fetch_account(accounts[i], env);
  };
  const std::size_t threads = std::min(std::max<std::size_t>(jobs, 1), accounts.size());
  if (threads <= 1) {
    worker();  // no thread for the common case of one account
    return outcomes;
  }
  std::vector<std::jthread> pool;
  for (std::size_t t = 0; t < threads; ++t)
    pool.emplace_back(worker);
  pool.clear();  // joins
  return outcomes;
}

int overall_exit_code(std::span<const account_outcome> outcomes) {
  for (const account_outcome& o : outcomes)
    if (o.exit_code != 0) return o.exit_code;
  return 0;
}

}  // namespace pop3::agent
