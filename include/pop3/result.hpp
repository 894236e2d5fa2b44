// result<T>: a [[nodiscard]] subset of C++23 std::expected<T, pop3::error>, usable with
// -fno-exceptions. Calling value() or error() on the wrong alternative is a precondition
// violation (it aborts in every build) rather than an exception.
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
  constexpr explicit unexpected(error e) noexcept : error_(e) {}
  constexpr unexpected(errc code, command_kind cmd = command_kind::none) noexcept
      : error_(code, cmd) {}
  constexpr const error& value() const noexcept { return error_; }

 private:
  error error_;
};

namespace detail {
[[noreturn]] inline void bad_result_access() noexcept {
  std::abort();
}
}  // namespace detail

template <class T>
class [[nodiscard]] result {
  static_assert(!std::is_reference_v<T>, "result<T&> is not supported");

 public:
  using value_type = T;

  template <class U = T, std::enable_if_t<std::is_constructible_v<T, U&&> &&
                                              !std::is_same_v<std::remove_cvref_t<U>, result> &&
                                              !std::is_same_v<std::remove_cvref_t<U>, unexpected>,
                                          int> = 0>
  constexpr result(U&& v) noexcept(std::is_nothrow_constructible_v<T, U&&>) : has_(true) {
    ::new (static_cast<void*>(&value_)) T(std::forward<U>(v));
  }
  constexpr result(unexpected u) noexcept : has_(false) { error_ = u.value(); }
  result(const result& o) : has_(o.has_) {
    if (has_)
      ::new (static_cast<void*>(&value_)) T(o.value_);
    else
      error_ = o.error_;
  }
  result(result&& o) noexcept(std::is_nothrow_move_constructible_v<T>) : has_(o.has_) {
    if (has_)
      ::new (static_cast<void*>(&value_)) T(std::move(o.value_));
    else
      error_ = o.error_;
  }
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

  constexpr bool has_value() const noexcept { return has_; }
  constexpr explicit operator bool() const noexcept { return has_; }

  T& value() & noexcept { return has_ ? value_ : (detail::bad_result_access(), value_); }
  const T& value() const& noexcept { return has_ ? value_ : (detail::bad_result_access(), value_); }
  T&& value() && noexcept { return std::move(value()); }
  T& operator*() & noexcept { return value(); }
  const T& operator*() const& noexcept { return value(); }
  T&& operator*() && noexcept { return std::move(value()); }
  T* operator->() noexcept { return &value(); }
  const T* operator->() const noexcept { return &value(); }

  const pop3::error& error() const noexcept {
    if (has_) detail::bad_result_access();
    return error_;
  }

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

template <>
class [[nodiscard]] result<void> {
 public:
  using value_type = void;
  constexpr result() noexcept = default;
  constexpr result(unexpected u) noexcept : has_(false), error_(u.value()) {}

  constexpr bool has_value() const noexcept { return has_; }
  constexpr explicit operator bool() const noexcept { return has_; }
  constexpr void value() const noexcept {
    if (!has_) detail::bad_result_access();
  }
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
