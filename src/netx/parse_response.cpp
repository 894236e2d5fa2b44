// The original's reply tokenizer, kept because its header declares it and its test calls it.
// Same token rules (space-separated; a '-' after the first byte also ends token 1; CR or LF
// ends the scan), but bounded on both buffers and always NUL-terminated.
#define NX_POP3_CLIENT_SOURCE_CODE
#include "nxd_pop3_client.h"

extern "C" {

VOID _nx_pop3_parse_response(CHAR* buffer, UINT argument_index, UINT buffer_length, CHAR* argument,
                             UINT argument_length, UINT convert_to_uppercase, UINT include_crlf) {
  (void)include_crlf;
  if (!buffer || !argument || buffer_length == 0 || argument_length == 0 || argument_index == 0)
    return;
  UINT token = 1, out = 0;
  for (UINT i = 0; i < buffer_length; ++i) {
    const CHAR c = buffer[i];
    if (c == '\r' || c == '\n') break;
    const bool separator = c == ' ' || (c == '-' && token == 1 && i > 0);
    if (separator) {
      if (++token > argument_index) break;
      continue;
    }
    if (token == argument_index && out + 1 < argument_length) {
      argument[out++] =
          convert_to_uppercase && c >= 'a' && c <= 'z' ? static_cast<CHAR>(c - 32) : c;
    }
  }
  argument[out] = '\0';
}

}  // extern "C"
