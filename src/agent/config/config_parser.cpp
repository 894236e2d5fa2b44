// parse_config(): the document's shape ([defaults], [accounts.NAME]), inheritance from
// [defaults], and the rules that involve more than one key. What each key means is in
// key_rules.cpp.
#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <toml++/toml.h>

#include "config/config.hpp"
#include "config/diagnostics.hpp"
#include "config/key_rules.hpp"

namespace pop3::agent {
namespace {

using detail::config_context;
using detail::config_entry;
using detail::key_group;
using detail::message_at;

constexpr std::string_view no_accounts = "no accounts: add an [accounts.NAME] table";

unexpected refused(std::string& why, std::string message) {
  why = std::move(message);
  return unexpected(errc::invalid_argument);
}

// A table's key/value pairs in the order of the file (toml++ keeps them sorted by name).
template <class Visit>
void in_file_order(const toml::table& table, Visit visit) {
  std::vector<std::pair<const toml::key*, const toml::node*>> items;
  for (auto&& [key, value] : table)
    items.emplace_back(&key, &value);
  std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) {
    return a.first->source().begin < b.first->source().begin;
  });
  for (const auto& [key, value] : items)
    visit(*key, *value);
}

struct checked_table {
  std::string path;
  std::vector<config_entry> entries;  // in the order of the file
};

bool has_group(const checked_table& table, key_group group) {
  return std::any_of(table.entries.begin(), table.entries.end(),
                     [&](const config_entry& e) { return e.rule->group == group; });
}

const config_entry* find_entry(const checked_table& table, std::string_view name) {
  for (const auto& e : table.entries)
    if (e.rule->name == name) return &e;
  return nullptr;
}

// The rules within one table, [defaults] or an account's own: since a group is inherited
// whole, a table that passes them gives an account that passes them too.
result<void> check_groups(const checked_table& table, const config_context& context,
                          std::string& why) {
  const config_entry* delivery = nullptr;
  const config_entry* password = nullptr;
  for (const auto& e : table.entries) {
    const config_entry** first = nullptr;
    std::string_view choices;
    if (e.rule->group == key_group::delivery) {
      first = &delivery;
      choices = "set exactly one of maildir, mbox, mda";
    } else if (e.rule->group == key_group::password_source) {
      first = &password;
      choices = "set at most one of password_command, password_file, password, password_env";
    } else {
      continue;
    }
    if (*first != nullptr)
      return refused(why, message_at(context.file, e.key_at, e.path,
                                     std::string((*first)->rule->name) +
                                         " is also set: " + std::string(choices)));
    *first = &e;
  }
  const config_entry* cert = find_entry(table, "cert");
  const config_entry* key = find_entry(table, "key");
  if (cert != nullptr && key == nullptr)
    return refused(why, message_at(context.file, cert->key_at, cert->path,
                                   "cert without key: set both or neither"));
  if (key != nullptr && cert == nullptr)
    return refused(why, message_at(context.file, key->key_at, key->path,
                                   "key without cert: set both or neither"));
  return {};
}

// The keys of one table, each checked on its own (by applying it to a scratch account) and
// then together.
result<checked_table> check_table(const toml::table& table, std::string path,
                                  const config_context& context, std::string& why) {
  checked_table checked{std::move(path), {}};
  std::string failure;
  in_file_order(table, [&](const toml::key& key, const toml::node& value) {
    if (!failure.empty()) return;
    std::string key_path = detail::key_path(checked.path, key.str());
    const auto* rule = detail::find_key_rule(key.str());
    if (rule == nullptr) {
      failure = message_at(context.file, key.source().begin, key_path,
                           detail::unknown_key_message(value));
      return;
    }
    config_entry entry{rule, &value, key.source().begin, std::move(key_path)};
    account_config scratch;
    if (!rule->apply(entry, context, scratch, failure)) return;
    checked.entries.push_back(std::move(entry));
  });
  if (!failure.empty()) return refused(why, std::move(failure));
  POP3_TRY(check_groups(checked, context, why));
  return checked;
}

result<account_config> build_account(std::string_view name, const toml::table& table,
                                     const checked_table& defaults, const config_context& context,
                                     std::string& why) {
  std::string path = detail::key_path("accounts", name);
  auto own = check_table(table, path, context, why);
  if (!own) return unexpected(own.error());
  const auto& at = table.source().begin;
  auto missing = [&](std::string_view what) {
    return refused(why, message_at(context.file, at, path, what));
  };

  account_config account;
  account.name = std::string(name);
  account.defined_at = context.file + ":" + std::to_string(at.line);
  std::vector<std::string_view> present;
  for (const auto& e : defaults.entries) {
    if (e.rule->group != key_group::none && has_group(*own, e.rule->group)) continue;
    POP3_TRY(e.rule->apply(e, context, account, why));
    present.push_back(e.rule->name);
  }
  for (const auto& e : own->entries) {
    POP3_TRY(e.rule->apply(e, context, account, why));
    present.push_back(e.rule->name);
  }
  auto is_set = [&](std::string_view key) {
    return std::find(present.begin(), present.end(), key) != present.end();
  };

  if (!is_set("host")) return missing("host is missing");
  if (!is_set("user") && account.auth != auth_mechanism::external)
    return missing("user is missing (only auth = \"external\" can do without)");
  if (!is_set("maildir") && !is_set("mbox") && !is_set("mda"))
    return missing("no delivery: set one of maildir, mbox, mda");
  if (account.auth == auth_mechanism::external && !account.client_certificate)
    return missing("auth = \"external\" needs cert and key");
  // In [defaults], max_size_action alone is a policy for the accounts that set max_size; in
  // an account's own table it must have a size to apply to.
  if (const auto* action = find_entry(*own, "max_size_action"); action && !account.max_size)
    return refused(why, message_at(context.file, action->key_at, action->path,
                                   "max_size_action without max_size"));
  // keep = true promises that nothing is deleted; an inherited "delete" must not break it
  // silently.
  if (account.keep && account.max_size && account.max_size_action == oversize_action::remove)
    return missing(
        "keep = true never deletes, but max_size_action is \"delete\" (set "
        "max_size_action = \"skip\" or \"warn\" here)");
  if (account.port == 0) account.port = default_port(account.tls);
  return account;
}

result<fetch_config> build_config(const toml::table& root, const config_context& context,
                                  std::string& why) {
  const toml::table* defaults = nullptr;
  const toml::table* accounts = nullptr;
  std::string failure;
  in_file_order(root, [&](const toml::key& key, const toml::node& value) {
    if (!failure.empty()) return;
    std::string path = detail::key_path("", key.str());
    const toml::table** slot = key.str() == "defaults"   ? &defaults
                               : key.str() == "accounts" ? &accounts
                                                         : nullptr;
    if (slot == nullptr)
      failure = message_at(context.file, key.source().begin, path,
                           value.is_table()
                               ? "unknown table: the tables are [defaults] and [accounts.NAME]"
                               : "unknown key: keys belong in [defaults] or [accounts.NAME]");
    else if (!value.is_table())
      failure = message_at(context.file, value.source().begin, path,
                           "expected a table, got " + std::string(detail::type_name(value)));
    else
      *slot = value.as_table();
  });
  if (!failure.empty()) return refused(why, std::move(failure));

  checked_table inherited{"defaults", {}};
  if (defaults != nullptr) {
    auto checked = check_table(*defaults, "defaults", context, why);
    if (!checked) return unexpected(checked.error());
    inherited = std::move(*checked);
  }
  if (accounts == nullptr) return refused(why, context.file + ": " + std::string(no_accounts));
  if (accounts->empty())
    return refused(why,
                   message_at(context.file, accounts->source().begin, "accounts", no_accounts));

  fetch_config config;
  config.file = context.file;
  in_file_order(*accounts, [&](const toml::key& key, const toml::node& value) {
    if (!failure.empty()) return;
    std::string path = detail::key_path("accounts", key.str());
    if (key.str().empty()) {
      failure =
          message_at(context.file, key.source().begin, path, "an account's name must not be empty");
    } else if (!value.is_table()) {
      failure = message_at(context.file, value.source().begin, path,
                           "expected a table, got " + std::string(detail::type_name(value)));
    } else if (auto account =
                   build_account(key.str(), *value.as_table(), inherited, context, failure)) {
      config.accounts.push_back(std::move(*account));
    }
  });
  if (!failure.empty()) return refused(why, std::move(failure));
  return config;
}

}  // namespace

result<fetch_config> parse_config(std::string_view text, const std::string& name, unsigned mode,
                                  std::string& why) {
  config_context context{name, mode};
  toml::table root;
  try {
    root = toml::parse(text, std::string_view(name));
  } catch (const toml::parse_error& failed) {
    return refused(why, detail::syntax_message(text, name, failed));
  }
  return build_config(root, context, why);
}

}  // namespace pop3::agent
