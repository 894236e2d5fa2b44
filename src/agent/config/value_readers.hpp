// Typed reads of a configuration value, each refusing what does not fit with a one-line
// message at the value's position. None of them puts the value itself in a message unless
// its name says so (choice_of), so they are safe for a password.
#pragma once

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "config/diagnostics.hpp"
#include "config/key_rules.hpp"
#include "pop3/result.hpp"

namespace pop3::agent::detail {

/// Sets `why` to "FILE:LINE:COLUMN: PATH: what" at the entry's value and returns the error
/// errc::invalid_argument.
unexpected refuse(const config_entry& entry, const config_context& context, std::string_view what,
                  std::string& why);

/// Refuses with "expected EXPECTED, got a TYPE".
unexpected refuse_type(const config_entry& entry, const config_context& context,
                       std::string_view expected, std::string& why);

/// A string, not empty, without NUL.
result<std::string> text_of(const config_entry& entry, const config_context& context,
                            std::string& why);

result<bool> flag_of(const config_entry& entry, const config_context& context, std::string& why);

result<std::int64_t> integer_of(const config_entry& entry, const config_context& context,
                                std::string& why);

/// A path: text_of(), "~" and "~/..." expanded, a relative path resolved against the
/// directory of the configuration file, then made lexically normal.
result<std::filesystem::path> path_of(const config_entry& entry, const config_context& context,
                                      std::string& why);

/// One of a fixed set of names (exact match); the message names the value and the choices.
template <class E>
result<E> choice_of(const config_entry& entry, const config_context& context,
                    std::initializer_list<std::pair<std::string_view, E>> choices,
                    std::string& why);

template <class E>
result<E> choice_of(const config_entry& entry, const config_context& context,
                    std::initializer_list<std::pair<std::string_view, E>> choices,
                    std::string& why) {
  auto text = text_of(entry, context, why);
  if (!text) return unexpected(text.error());
  for (const auto& [name, value] : choices)
    if (*text == name) return value;
  std::string what = quote_value(*text) + " is not one of ";
  for (const auto& choice : choices) {
    if (&choice != choices.begin()) what += ", ";
    what += choice.first;
  }
  return refuse(entry, context, what, why);
}

}  // namespace pop3::agent::detail
