#pragma once
/// @file detail/checks.hpp
/// Argument checks of the core. They throw std::invalid_argument with the
/// argument's name and value in the message, e.g.
/// "move_mean: window (=7) must be between 1 and 5".

#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace fastcpp::detail {

/// Concatenates anything streamable into one message.
template <class... Parts>
[[nodiscard]] std::string message(const Parts&... parts) {
    std::ostringstream os;
    os.precision(17);
    (os << ... << parts);
    return os.str();
}

/// Throws std::invalid_argument("<func>: <parts...>") unless `ok`.
template <class... Parts>
void require(bool ok, std::string_view func, const Parts&... parts) {
    if (!ok) throw std::invalid_argument(message(func, ": ", parts...));
}

/// `name (=value) must be between lo and hi`, inclusive bounds.
template <class V, class B>
void require_between(std::string_view func, std::string_view name, V value, B lo, B hi) {
    require(value >= lo && value <= hi, func, name, " (=", value, ") must be between ",
            lo, " and ", hi);
}

}  // namespace fastcpp::detail
