// Certificates made in the test itself (OpenSSL 3 API, no openssl CLI): a CA and server
// certificates with exactly the flaw a test needs (wrong name, expired, not yet valid,
// self-signed, a name with an embedded NUL). Keys are EC P-256, so making one takes well under a
// millisecond.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace pop3::test {

// PEM texts: an unencrypted PKCS#8 private key and one X.509 certificate.
struct key_and_certificate {
  std::string key_pem, certificate_pem;
};

struct certificate_spec {
  // subjectAltName dNSName entries, taken byte for byte: an entry may contain an embedded NUL
  // (std::string("localhost\0.evil.example", 23)), which then really is inside the IA5String.
  std::vector<std::string> dns_names;
  // subjectAltName iPAddress entries as text ("127.0.0.1", "::1"); an unparsable entry throws.
  std::vector<std::string> ip_addresses;
  // The subject's CN, also taken byte for byte, of any length: a UTF8String if it is valid
  // UTF-8 (a NUL is), else a T61String holding the same bytes. Verifiers only look at it when
  // there is no dNSName SAN.
  std::string common_name = "pop3 test server";
  // Validity relative to now: negative offsets lie in the past.
  std::chrono::seconds not_before_offset{-3600};
  std::chrono::seconds not_after_offset{86400 * 30};
  // Only used by test_ca::issue: true makes it the same as test_ca::self_signed.
  bool self_signed = false;
};

// A certificate authority whose key lives only in this object. Issued certificates are leaves
// (CA:FALSE, keyUsage digitalSignature, extendedKeyUsage serverAuth and clientAuth, so the same
// certificate can also serve as a client certificate) with subject and authority key
// identifiers, signed with ECDSA-SHA256.
class test_ca {
 public:
  // A self-signed CA certificate (CA:TRUE, keyCertSign) valid from an hour ago for ten years.
  // Throws std::runtime_error with OpenSSL's error text when OpenSSL fails.
  explicit test_ca(std::string name = "pop3 test CA");

  const key_and_certificate& ca() const { return ca_; }

  // A new key and a certificate for it signed by this CA (or self-signed when
  // spec.self_signed). Throws std::runtime_error, e.g. for an unparsable IP address.
  key_and_certificate issue(const certificate_spec& spec) const;
  // A new key and a certificate signed by that key itself (issuer = subject). Not trusted by
  // anyone unless a client is told to trust exactly this certificate.
  key_and_certificate self_signed(const certificate_spec& spec) const;

  // Writes ca().certificate_pem to the file (for --cafile); throws std::runtime_error.
  void write_ca_pem(const std::filesystem::path& path) const;

 private:
  key_and_certificate ca_;
};

}  // namespace pop3::test
