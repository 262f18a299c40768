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

/// Throws std::invalid_argument(message(parts...)); out of line so a check
/// that passes costs a compare and a branch.
template <class... Parts>
[[noreturn, gnu::cold, gnu::noinline]] void fail(const Parts&... parts) {
    throw std::invalid_argument(message(parts...));
}

/// Throws std::invalid_argument("<func>: <parts...>") unless `ok`. `func`
/// is taken as given (a C string is not measured unless the check fails:
/// per-call cost on small inputs).
template <class Func, class... Parts>
void require(bool ok, const Func& func, const Parts&... parts) {
    if (!ok) [[unlikely]]
        fail(func, ": ", parts...);
}

/// `name (=value) must be between lo and hi`, inclusive bounds.
template <class V, class B>
void require_between(std::string_view func, std::string_view name, V value, B lo, B hi) {
    require(value >= lo && value <= hi, func, name, " (=", value, ") must be between ",
            lo, " and ", hi);
}

}  // namespace fastcpp::detail
