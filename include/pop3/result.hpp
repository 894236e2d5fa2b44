/// \file
/// result<T>: a [[nodiscard]] subset of C++23 std::expected<T, pop3::error>, usable with
/// -fno-exceptions. Calling value() or error() on the wrong alternative is a precondition
/// violation (it aborts in every build) rather than an exception.
#pragma once

#include <cstdlib>
#include <new>
#include <type_traits>
#include <utility>

#include "pop3/error.hpp"

namespace pop3 {

/// The error alternative of a result, as std::unexpected is for std::expected.
class unexpected {
 public:
  /// Wraps `e`.
  constexpr explicit unexpected(error e) noexcept : error_(e) {}
  /// Wraps error(code, cmd); implicit, so that `return unexpected(errc::timeout);` reads well.
  constexpr unexpected(errc code, command_kind cmd = command_kind::none) noexcept
      : error_(code, cmd) {}
  /// The wrapped error.
  constexpr const error& value() const noexcept { return error_; }

 private:
  error error_;
};

namespace detail {
[[noreturn]] inline void bad_result_access() noexcept {
  std::abort();
}
}  // namespace detail

/// Either a value of type T or a pop3::error, as std::expected<T, error>. Construct it from a
/// T (success) or from an unexpected (failure); test it with `if (r)` before using the value.
/// Holds the value in place (no allocation of its own). result<T&> is not supported.
template <class T>
class [[nodiscard]] result {
  static_assert(!std::is_reference_v<T>, "result<T&> is not supported");

 public:
  using value_type = T;  ///< the type of the value

  template <class U = T, std::enable_if_t<std::is_constructible_v<T, U&&> &&
                                              !std::is_same_v<std::remove_cvref_t<U>, result> &&
                                              !std::is_same_v<std::remove_cvref_t<U>, unexpected>,
                                          int> = 0>
  /// Success: a value built from `v`.
  constexpr result(U&& v) noexcept(std::is_nothrow_constructible_v<T, U&&>) : has_(true) {
    ::new (static_cast<void*>(&value_)) T(std::forward<U>(v));
  }
  /// Failure: the error `u` holds.
  constexpr result(unexpected u) noexcept : has_(false) { error_ = u.value(); }
  /// Copies the value or the error.
  result(const result& o) : has_(o.has_) {
    if (has_)
      ::new (static_cast<void*>(&value_)) T(o.value_);
    else
      error_ = o.error_;
  }
  /// Moves the value, or copies the error.
  result(result&& o) noexcept(std::is_nothrow_move_constructible_v<T>) : has_(o.has_) {
    if (has_)
      ::new (static_cast<void*>(&value_)) T(std::move(o.value_));
    else
      error_ = o.error_;
  }
  /// Replaces the value or error with `o`'s.
  result& operator=(result o) noexcept(std::is_nothrow_move_constructible_v<T>) {
    if (this != &o) {
      this->~result();
      ::new (static_cast<void*>(this)) result(std::move(o));
    }
    return *this;
  }
  ~result() {
    if (has_) value_.~T();
  }

  /// True on success.
  constexpr bool has_value() const noexcept { return has_; }
  /// True on success.
  constexpr explicit operator bool() const noexcept { return has_; }

  /// The value. Precondition: has_value() (otherwise aborts).
  T& value() & noexcept { return has_ ? value_ : (detail::bad_result_access(), value_); }
  /// The value. Precondition: has_value() (otherwise aborts).
  const T& value() const& noexcept { return has_ ? value_ : (detail::bad_result_access(), value_); }
  /// The value, to move from. Precondition: has_value() (otherwise aborts).
  T&& value() && noexcept { return std::move(value()); }
  /// value().
  T& operator*() & noexcept { return value(); }
  /// value().
  const T& operator*() const& noexcept { return value(); }
  /// std::move(value()).
  T&& operator*() && noexcept { return std::move(value()); }
  /// &value().
  T* operator->() noexcept { return &value(); }
  /// &value().
  const T* operator->() const noexcept { return &value(); }

  /// The error. Precondition: !has_value() (otherwise aborts). Valid as long as the result.
  const pop3::error& error() const noexcept {
    if (has_) detail::bad_result_access();
    return error_;
  }

  /// A copy of the value on success, else `fallback` converted to T.
  template <class U>
  T value_or(U&& fallback) const& {
    return has_ ? value_ : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  bool has_;
  union {
    T value_;
    pop3::error error_;
  };
};

/// Success without a value, or a pop3::error: what calls that only succeed or fail return.
template <>
class [[nodiscard]] result<void> {
 public:
  using value_type = void;  ///< no value
  /// Success.
  constexpr result() noexcept = default;
  /// Failure: the error `u` holds.
  constexpr result(unexpected u) noexcept : has_(false), error_(u.value()) {}

  /// True on success.
  constexpr bool has_value() const noexcept { return has_; }
  /// True on success.
  constexpr explicit operator bool() const noexcept { return has_; }
  /// Nothing. Precondition: has_value() (otherwise aborts).
  constexpr void value() const noexcept {
    if (!has_) detail::bad_result_access();
  }
  /// The error. Precondition: !has_value() (otherwise aborts). Valid as long as the result.
  const pop3::error& error() const noexcept {
    if (has_) detail::bad_result_access();
    return error_;
  }

 private:
  bool has_ = true;
  pop3::error error_{};
};

/// Returns early from the enclosing function with the error of `expr` if it failed.
#define POP3_TRY(expr)                                     \
  do {                                                     \
    if (auto pop3_try_result_ = (expr); !pop3_try_result_) \
      return ::pop3::unexpected(pop3_try_result_.error()); \
  } while (false)

}  // namespace pop3
