#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace ash {

// Holds either a value or an error, like C++23 std::expected, which GCC 12
// does not ship. Callers check ok() before value() or error().
template <typename T, typename E = std::string>
class Expected {
 public:
  Expected(T value) : data_(std::in_place_index<0>, std::move(value)) {}  // NOLINT(google-explicit-constructor)

  static Expected Failure(E error) { return Expected(std::in_place_index<1>, std::move(error)); }

  bool ok() const { return data_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(data_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(data_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(data_));
  }
  const E& error() const {
    assert(!ok());
    return std::get<1>(data_);
  }

  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  template <std::size_t I, typename V>
  Expected(std::in_place_index_t<I> tag, V&& v) : data_(tag, std::forward<V>(v)) {}

  std::variant<T, E> data_;
};

}  // namespace ash
