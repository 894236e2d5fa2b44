// Typed reads of configuration values (value_readers.hpp).
#include "config/value_readers.hpp"

#include <filesystem>
#include <string>
#include <system_error>

#include "config/config.hpp"
#include "config/diagnostics.hpp"

namespace pop3::agent::detail {

unexpected refuse(const config_entry& entry, const config_context& context, std::string_view what,
                  std::string& why) {
  why = message_at(context.file, entry.value->source().begin, entry.path, what);
  return unexpected(errc::invalid_argument);
}

unexpected refuse_type(const config_entry& entry, const config_context& context,
                       std::string_view expected, std::string& why) {
  std::string what = "expected ";
  what += expected;
  what += ", got ";
  what += type_name(*entry.value);
  return refuse(entry, context, what, why);
}

result<std::string> text_of(const config_entry& entry, const config_context& context,
                            std::string& why) {
  const auto* text = entry.value->as_string();
  if (text == nullptr) return refuse_type(entry, context, "a string", why);
  const std::string& value = text->get();
  if (value.empty()) return refuse(entry, context, "must not be empty", why);
  // A NUL would silently cut a path, a command or a password when handed to the system.
  if (value.find('\0') != std::string::npos)
    return refuse(entry, context, "must not contain a NUL character", why);
  return value;
}

result<bool> flag_of(const config_entry& entry, const config_context& context, std::string& why) {
  const auto* flag = entry.value->as_boolean();
  if (flag == nullptr) return refuse_type(entry, context, "true or false", why);
  return flag->get();
}

result<std::int64_t> integer_of(const config_entry& entry, const config_context& context,
                                std::string& why) {
  const auto* integer = entry.value->as_integer();
  if (integer == nullptr) return refuse_type(entry, context, "an integer", why);
  return integer->get();
}

result<std::filesystem::path> path_of(const config_entry& entry, const config_context& context,
                                      std::string& why) {
  auto text = text_of(entry, context, why);
  if (!text) return unexpected(text.error());
  std::filesystem::path path;
  if (*text == "~" || text->rfind("~/", 0) == 0) {
    path = expand_home(*text);
    if (path.native().front() == '~')
      return refuse(entry, context, "no home directory to put for ~ (HOME is not set)", why);
  } else if (text->front() == '~') {
    return refuse(entry, context, "~user is not expanded: write the whole path", why);
  } else {
    path = *text;
  }
  if (path.is_relative()) {
    std::filesystem::path directory = std::filesystem::path(context.file).parent_path();
    if (directory.is_relative()) {
      std::error_code failed;
      auto current = std::filesystem::current_path(failed);
      if (failed)
        return refuse(entry, context,
                      "a relative path, and the current directory is unknown: " + failed.message(),
                      why);
      directory = current / directory;
    }
    path = directory / path;
  }
  return path.lexically_normal();
}

}  // namespace pop3::agent::detail
