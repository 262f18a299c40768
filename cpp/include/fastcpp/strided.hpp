#pragma once
/// @file strided.hpp
/// Non-owning views that every fastcpp kernel takes: one strided 1-D row
/// (`Strided`) and a batch of equally long rows (`Rows`), so that N-D arrays
/// with any axis and any memory order reach the kernels without copies.

#include <cstdint>
#include <span>
#include <type_traits>

namespace fastcpp {

/// Signed 64-bit length and index type used everywhere (no `int` truncation).
using index_t = std::int64_t;

/// A 1-D view of `size` elements spaced `stride` elements apart.
/// @tparam T element type, `const`-qualified for inputs.
template <class T>
struct Strided {
    T* data = nullptr;
    index_t size = 0;
    index_t stride = 1;  ///< in elements, may be 0 (broadcast) or negative

    Strided() = default;
    Strided(T* d, index_t n, index_t s = 1) noexcept : data(d), size(n), stride(s) {}
    /// A contiguous span is a stride-1 view.
    template <class U>
        requires std::is_convertible_v<U (*)[], T (*)[]>
    Strided(std::span<U> s) noexcept  // NOLINT(google-explicit-constructor)
        : data(s.data()), size(static_cast<index_t>(s.size())), stride(1) {}
    /// A view of non-const elements converts to a view of const ones.
    template <class U>
        requires(std::is_const_v<T> && std::is_same_v<const U, T>)
    Strided(Strided<U> o) noexcept  // NOLINT(google-explicit-constructor)
        : data(o.data), size(o.size), stride(o.stride) {}

    T& operator[](index_t i) const noexcept { return data[i * stride]; }
    [[nodiscard]] bool contiguous() const noexcept { return stride == 1; }
    /// Elements [begin, end) of this view.
    [[nodiscard]] Strided sub(index_t begin, index_t end) const noexcept {
        return {data + begin * stride, end - begin, stride};
    }
};

/// A batch of `count()` rows of `length` elements; row r starts at
/// `base + offsets[r]` and its elements are `stride` apart. This is how an
/// N-D array looks once the axis a kernel works along is chosen.
template <class T>
struct Rows {
    T* base = nullptr;
    index_t length = 0;
    index_t stride = 1;                       ///< element stride within a row
    std::span<const index_t> offsets;         ///< element offset of each row start

    [[nodiscard]] index_t count() const noexcept {
        return static_cast<index_t>(offsets.size());
    }
    [[nodiscard]] Strided<T> row(index_t r) const noexcept {
        return {base + offsets[static_cast<std::size_t>(r)], length, stride};
    }
};

}  // namespace fastcpp
