#include "sample_message.hpp"

#include <array>
#include <cstdint>
#include <string_view>

namespace pop3::bench {

namespace {

constexpr std::size_t body_line_length = 76;  // RFC 2045's line length, without the CRLF

constexpr std::string_view headers =
    "Return-Path: <alice@example.org>\r\n"
    "Delivered-To: bob@example.net\r\n"
    "Received: from mx1.example.org (mx1.example.org [192.0.2.10])\r\n"
    "\tby mail.example.net (Postfix) with ESMTPS id 4F3A2C1B9E\r\n"
    "\tfor <bob@example.net>; Tue, 14 May 2024 09:12:33 +0200 (CEST)\r\n"
    "Received: from [198.51.100.7] (unknown [198.51.100.7])\r\n"
    "\tby mx1.example.org (Postfix) with ESMTPSA id 8B1D05E2A7\r\n"
    "\tfor <bob@example.net>; Tue, 14 May 2024 09:12:31 +0200 (CEST)\r\n"
    "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.org; s=mail;\r\n"
    "\tt=1715670751; bh=3VWGQGY+cSNYd1MGM+X6hRXU0stl8JCaQtl4mbX/j2I=;\r\n"
    "\th=Date:From:To:Subject:From;\r\n"
    "\tb=kO5cJ3bXp0n8q2Zr9v1U7yW4tE6sA0dF2gH3jK5lM7nP9qR1sT3uV5wX7yZ9aB1c\r\n"
    "\t D3eF5gH7iJ9kL1mN3oP5qR7sT9uV1wX3yZ5aB7cD9eF1gH3iJ5kL7mN9oP1qR3sT5u\r\n"
    "Message-ID: <20240514071231.GA12345@host.example.org>\r\n"
    "Date: Tue, 14 May 2024 09:12:31 +0200\r\n"
    "From: Alice Example <alice@example.org>\r\n"
    "To: Bob Example <bob@example.net>\r\n"
    "Subject: Quarterly report, draft 3 (long text for the benchmark)\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=utf-8; format=flowed\r\n"
    "Content-Transfer-Encoding: 8bit\r\n"
    "\r\n";

constexpr std::array<std::string_view, 32> words = {
    "the",    "report", "shows",   "that",   "revenue", "grew",    "in",       "every",
    "region", "while",  "costs",   "stayed", "flat",    "and",     "margins",  "improved",
    "we",     "expect", "further", "growth", "next",    "quarter", "provided", "demand",
    "holds",  "steady", "across",  "our",    "main",    "markets", "despite",  "risks"};

// A fixed linear congruential generator (Knuth's MMIX constants): unlike <random>'s
// distributions its output is the same with every standard library.
class word_picker {
 public:
  std::string_view next() noexcept {
    state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return words[(state_ >> 33) % words.size()];
  }

 private:
  std::uint64_t state_ = 0x9e3779b97f4a7c15ULL;
};

std::string text_line(word_picker& picker, bool starts_with_dot) {
  std::string line;
  if (starts_with_dot) line = ". ";
  while (line.size() < body_line_length) {
    line += picker.next();
    line += ' ';
  }
  line.resize(body_line_length);
  if (line.back() == ' ') line.back() = '.';
  return line;
}

}  // namespace

sample_message make_sample_message(std::size_t min_size, std::size_t dot_line_every) {
  sample_message m;
  std::string stuffed;
  m.decoded.reserve(min_size + body_line_length + headers.size());
  stuffed.reserve(m.decoded.capacity() + m.decoded.capacity() / 8);
  m.decoded = headers;
  stuffed = headers;  // no header line starts with "."

  word_picker picker;
  for (std::size_t i = 1; m.decoded.size() < min_size; ++i) {
    const bool dot = dot_line_every != 0 && i % dot_line_every == 0;
    const std::string line = text_line(picker, dot);
    m.decoded += line;
    m.decoded += "\r\n";
    if (dot) {
      stuffed += '.';
      ++m.dot_lines;
    }
    stuffed += line;
    stuffed += "\r\n";
  }

  constexpr std::string_view status = "+OK message follows\r\n";
  constexpr std::string_view terminator = ".\r\n";
  m.reply.reserve(status.size() + stuffed.size() + terminator.size());
  m.reply = status;
  m.reply += stuffed;
  m.reply += terminator;
  m.wire_body_size = stuffed.size() + terminator.size();
  return m;
}

}  // namespace pop3::bench
