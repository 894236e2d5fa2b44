// The SASL mechanisms on their own, with the RFCs' test vectors, and base64.
#include <gtest/gtest.h>

#include "pop3/base64.hpp"
#include "sasl/sasl_client.hpp"

namespace pop3::detail {
namespace {

TEST(base64, round_trip_and_strictness) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode(std::string("\0\xff", 2)), "AP8=");
  EXPECT_EQ(base64_decode("Zm9vYmFy", 100).value(), "foobar");
  EXPECT_EQ(base64_decode("Zg==", 100).value(), "f");
  EXPECT_EQ(base64_decode("", 100).value(), "");
  for (std::string_view bad :
       {"Zg=", "Z===", "Zm9v YmFy", "Zm9v\r\nYmFy", "Zg==Zg==", "Zm9!", "=Zm9", "Zm=v"})
    EXPECT_EQ(base64_decode(bad, 100).error().code, errc::invalid_argument) << bad;
  EXPECT_EQ(base64_decode("Zm9vYmFy", 5).error().code, errc::invalid_argument);  // too long
  EXPECT_TRUE(base64_decode("Zm9vYmFy", 6));
}

TEST(sasl, plain_message) {
  credentials who{"tim", "tanstaaf", ""};
  auto m = make_plain(who);
  EXPECT_EQ(m->name(), "PLAIN");
  EXPECT_EQ(m->initial_response().value(), std::string("\0tim\0tanstaaf", 13));
  EXPECT_EQ(m->respond("").error().code, errc::malformed_challenge);
  credentials admin{"tim", "pw", "admin"};
  EXPECT_EQ(make_plain(admin)->initial_response().value(), std::string("admin\0tim\0pw", 12));
}

TEST(sasl, login_answers_by_order) {
  credentials who{"tim", "pw", ""};
  auto m = make_login(who);
  EXPECT_FALSE(m->initial_response());
  EXPECT_EQ(m->respond("User Name").value(), "tim");
  EXPECT_EQ(m->respond("Password:").value(), "pw");
  EXPECT_EQ(m->respond("More?").error().code, errc::malformed_challenge);
}

// RFC 2195 §2.
TEST(sasl, cram_md5_rfc2195_vector) {
  credentials who{"tim", "tanstaaftanstaaf", ""};
  auto m = make_cram_md5(who);
  EXPECT_EQ(m->respond("<1896.697170952@postoffice.reston.mci.net>").value(),
            "tim b913a602c7eda7a495b4e6e7334d3890");
  EXPECT_EQ(make_cram_md5(who)->respond("").error().code, errc::malformed_challenge);
}

// RFC 5802 §5.
TEST(sasl, scram_sha_1_rfc5802_vector) {
  credentials who{"user", "pencil", ""};
  auto m = make_scram(false, who, "fyko+d2lbbFgONRv9qkxdawL");
  EXPECT_EQ(m->name(), "SCRAM-SHA-1");
  EXPECT_EQ(m->initial_response().value(), "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL");
  EXPECT_EQ(
      m->respond("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096").value(),
      "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=");
  EXPECT_EQ(m->respond("v=rmF9pqV8S7suAoZWja4dJRkFsKQ=").value(), "");
  EXPECT_TRUE(m->succeeded());
}

// RFC 7677 §3.
TEST(sasl, scram_sha_256_rfc7677_vector) {
  credentials who{"user", "pencil", ""};
  auto m = make_scram(true, who, "rOprNGfwEbeRWgbNEkqO");
  EXPECT_EQ(m->initial_response().value(), "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
  EXPECT_EQ(m->respond("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                       "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")
                .value(),
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
            "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
  EXPECT_EQ(m->respond("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=").value(), "");
  EXPECT_TRUE(m->succeeded());
}

TEST(sasl, scram_refuses_a_server_that_does_not_prove_itself) {
  credentials who{"user", "pencil", ""};
  const std::string first =
      "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
      "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
  for (std::string_view server_final :
       {"v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",  // wrong signature
        "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4",   // not base64
        "e=other-error", "", "x=1"}) {
    auto m = make_scram(true, who, "rOprNGfwEbeRWgbNEkqO");
    ASSERT_TRUE(m->respond(first));
    EXPECT_EQ(m->respond(server_final).error().code, errc::server_not_authenticated)
        << server_final;
    EXPECT_EQ(m->succeeded().error().code, errc::server_not_authenticated);
  }
  // +OK straight after client-final: the server never proved anything.
  auto skipped = make_scram(true, who, "rOprNGfwEbeRWgbNEkqO");
  ASSERT_TRUE(skipped->respond(first));
  EXPECT_EQ(skipped->succeeded().error().code, errc::server_not_authenticated);
}

TEST(sasl, scram_rejects_malformed_server_first) {
  credentials who{"user", "pencil", ""};
  for (std::string_view server_first :
       {"r=someone-elses-nonce,s=QSXCR+Q6sek8bf92,i=4096",       // nonce not extending ours
        "r=fyko+d2lbbFgONRv9qkxdawL,s=QSXCR+Q6sek8bf92,i=4096",  // not extended at all
        "r=fyko+d2lbbFgONRv9qkxdawLx,s=!!!,i=4096",              // salt not base64
        "r=fyko+d2lbbFgONRv9qkxdawLx,s=,i=4096",                 // empty salt
        "r=fyko+d2lbbFgONRv9qkxdawLx,s=QSXCR+Q6sek8bf92,i=0",
        // Below RFC 7677's 4096: the proof would make offline guessing cheap for an impostor.
        "r=fyko+d2lbbFgONRv9qkxdawLx,s=QSXCR+Q6sek8bf92,i=1",
        "r=fyko+d2lbbFgONRv9qkxdawLx,s=QSXCR+Q6sek8bf92,i=4095",
        "r=fyko+d2lbbFgONRv9qkxdawLx,s=QSXCR+Q6sek8bf92,i=4294967296",
        "r=fyko+d2lbbFgONRv9qkxdawLx,s=QSXCR+Q6sek8bf92,i=1000001",  // a CPU burner
        "r=fyko+d2lbbFgONRv9qkxdawLx,s=QSXCR+Q6sek8bf92,i=4096x",
        "m=ext,r=fyko+d2lbbFgONRv9qkxdawLx,s=QSXCR+Q6sek8bf92,i=4096",  // mandatory extension
        "r=fyko+d2lbbFgONRv9qkxdawLx,i=4096", ""}) {
    auto m = make_scram(false, who, "fyko+d2lbbFgONRv9qkxdawL");
    EXPECT_EQ(m->respond(server_first).error().code, errc::malformed_challenge) << server_first;
  }
}

TEST(sasl, scram_escapes_names) {
  credentials who{"a,b=c", "pw", "x=y"};
  EXPECT_EQ(make_scram(true, who, "n0nce")->initial_response().value(),
            "n,a=x=3Dy,n=a=2Cb=3Dc,r=n0nce");
}

TEST(sasl, xoauth2_two_step_and_one_step) {
  credentials who{"alice@example.org", "ya29.token", ""};
  const std::string message =
      "user=alice@example.org\x01"
      "auth=Bearer ya29.token\x01\x01";
  auto two = make_xoauth2(who, false);
  EXPECT_FALSE(two->initial_response());
  EXPECT_EQ(two->respond("").value(), message);
  EXPECT_EQ(two->respond("{\"status\":\"401\"}").value(), "");  // acknowledge the error
  auto one = make_xoauth2(who, true);
  EXPECT_EQ(one->initial_response().value(), message);
  EXPECT_EQ(one->respond("{\"status\":\"401\"}").value(), "");
}

// RFC 7628 §4.1.
TEST(sasl, oauthbearer_message) {
  credentials who{"user@example.com", "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==", ""};
  auto m = make_oauthbearer(who, "server.example.com", 143);
  EXPECT_EQ(m->initial_response().value(),
            "n,a=user@example.com,\x01host=server.example.com\x01port=143\x01"
            "auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01\x01");
  EXPECT_EQ(m->respond("{\"status\":\"invalid_token\"}").value(), "\x01");
}

TEST(sasl, external_sends_the_authzid) {
  credentials who{"", "", ""};
  EXPECT_EQ(make_external(who)->initial_response().value(), "");
  credentials as{"", "", "admin"};
  EXPECT_EQ(make_external(as)->initial_response().value(), "admin");
}

}  // namespace
}  // namespace pop3::detail
