// Creating a directory so that it survives a power cut: a new directory entry is durable only
// once the directory holding it has been fsync'ed.
#pragma once

#include <filesystem>
#include <string>

namespace pop3::agent::detail {

/// Makes sure `directory` exists, creating it and its missing parents with `mode` (before
/// the umask) and fsyncing the parent of each one created. An existing path that is not a
/// directory is an error. Returns 0, or the errno with the reason in `why`
/// ("cannot create directory /a/b: Permission denied").
int make_directory_durably(const std::filesystem::path& directory, unsigned mode, std::string& why);

}  // namespace pop3::agent::detail
