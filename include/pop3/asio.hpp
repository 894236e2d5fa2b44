/// \file
/// The asynchronous driver on standalone Asio, in one include: asio_session (C++20
/// coroutines, many sessions on one thread), make_asio_tls_context (verified TLS), and the
/// mapping of Asio errors to pop3::errc. Header-only; link the CMake target pop3::asio.
#pragma once

#include "pop3/asio/error_mapping.hpp"
#include "pop3/asio/session.hpp"
#include "pop3/asio/tls_context.hpp"
