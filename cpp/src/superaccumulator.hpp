#pragma once
/// @file superaccumulator.hpp
/// Exact sum of doubles: Radford Neal's "small superaccumulator"
/// (R. M. Neal, "Fast exact summation using small and large
/// superaccumulators", arXiv:1505.05571, 2015), written afresh for fastcpp.
///
/// Every finite double is an integer multiple of 2^-1074. The accumulator
/// holds the exact sum as 67 signed 64-bit "chunks", chunk k weighing
/// 2^(32k) units of 2^-1074. A double adds its 53-bit mantissa, shifted by
/// the low 5 bits of its exponent, into two neighbouring chunks: its low 32
/// bits into chunk k, the rest (< 2^53) into chunk k + 1. A chunk therefore
/// grows by < 2^53 per value, so 1023 values fit in 63 bits before a carry
/// pass must bring every chunk back to [0, 2^32). There is no rounding
/// anywhere, no intermediate overflow (sum(1e308, 1e308, -1e308, -1e308, 1)
/// is 1), and the final rounding to double is round-half-even, as math.fsum.
/// Accumulators of different ranges merge exactly, so a threaded sum does not
/// depend on how the input was cut.

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace fastcpp::detail {

class Superaccumulator {
public:
    /// Values that may be added between two carry passes (see above).
    static constexpr int kCarryEvery = 1023;

    /// Adds one double exactly to `chunk` (chunk_ or chunk2_); inf and NaN
    /// are remembered separately.
    [[gnu::always_inline]] void add_one(std::int64_t* chunk, double x) noexcept {
        const auto bits = std::bit_cast<std::uint64_t>(x);
        const auto biased = static_cast<int>((bits >> 52) & 0x7FF);
        if (static_cast<unsigned>(biased - 1) >= 0x7FE) [[unlikely]] {  // 0 or 0x7FF
            add_rare(chunk, x);
            return;
        }
        const auto mantissa = static_cast<std::int64_t>((bits & kMantissaMask) | kImplicitBit);
        add_at(chunk, mantissa, bits, biased - 1);
    }

    /// Adds v(0) ... v(n - 1) (each convertible to double) exactly.
    template <class Get>
    [[gnu::always_inline]] void add_all(std::int64_t n, Get&& v) noexcept {
        for (std::int64_t i = 0; i < n;) {
            const std::int64_t end = std::min<std::int64_t>(n, i + (kCarryEvery - pending_));
            pending_ += static_cast<int>(end - i);
            // Two chunk arrays for alternate values: values of similar
            // magnitude hit the same chunk, and each array's read-modify-
            // writes form a chain through memory; two chains overlap.
            for (; i + 1 < end; i += 2) {
                add_one(chunk_, static_cast<double>(v(i)));
                add_one(chunk2_, static_cast<double>(v(i + 1)));
            }
            if (i < end) add_one(chunk_, static_cast<double>(v(i++)));
            if (pending_ == kCarryEvery) carry();
        }
    }

    /// Adds another accumulator's exact sum.
    void add(const Superaccumulator& o) noexcept {
        carry();
        Superaccumulator b = o;
        b.carry();
        for (int k = 0; k < kChunks; ++k) chunk_[k] += b.chunk_[k];
        nan_ |= b.nan_;
        pos_inf_ |= b.pos_inf_;
        neg_inf_ |= b.neg_inf_;
        carry();
    }

    /// Brings every chunk but the top one into [0, 2^32); the top one keeps
    /// the sign. Must run at least every kCarryEvery values.
    void carry() noexcept {
        for (int k = 0; k < kChunks; ++k) chunk_[k] += chunk2_[k], chunk2_[k] = 0;
        for (int k = 0; k + 1 < kChunks; ++k) {
            const std::int64_t c = chunk_[k] >> 32;  // arithmetic: floor division
            chunk_[k] -= c * (std::int64_t{1} << 32);
            chunk_[k + 1] += c;
        }
        pending_ = 0;
    }

    /// The exact sum correctly rounded (half to even) to double; ±inf when it
    /// is beyond the double range; NaN for NaN inputs or +inf with -inf.
    /// An exact zero is +0.0 (as math.fsum, even for -0.0 inputs).
    [[nodiscard]] double round() const noexcept {
        if (nan_ || (pos_inf_ && neg_inf_)) return std::numeric_limits<double>::quiet_NaN();
        if (pos_inf_) return std::numeric_limits<double>::infinity();
        if (neg_inf_) return -std::numeric_limits<double>::infinity();
        Superaccumulator m = *this;
        m.carry();
        const bool negative = m.chunk_[kChunks - 1] < 0;
        if (negative) {  // work on the magnitude
            for (auto& c : m.chunk_) c = -c;
            m.carry();
        }
        int top = kChunks - 1;
        while (top >= 0 && m.chunk_[top] == 0) --top;
        if (top < 0) return 0.0;
        // The top three chunks (>= 65 significant bits, the top chunk being
        // nonzero) as one integer whose lsb has weight 2^base units; any
        // nonzero chunk below them is a sticky bit.
        __extension__ using u128 = unsigned __int128;
        auto at = [&](int k) { return k >= 0 ? static_cast<u128>(m.chunk_[k]) : u128{0}; };
        const u128 top_bits = (at(top) << 64) | (at(top - 1) << 32) | at(top - 2);
        const int base = 32 * (top - 2);
        bool sticky = false;
        for (int k = top - 3; k >= 0; --k) sticky |= m.chunk_[k] != 0;
        const auto hi64 = static_cast<std::uint64_t>(top_bits >> 64);
        const int bits = 128 - std::countl_zero(hi64);  // hi64 != 0: top chunk nonzero
        const int msb = base + bits - 1;                // position of the leading bit
        const int lsb = std::max(msb - 52, 0);          // 2^-1074 is the subnormal unit
        const int shift = lsb - base;                   // in [12, 127]
        u128 mantissa = top_bits >> shift;
        const u128 rest = top_bits & ((u128{1} << shift) - 1), half = u128{1} << (shift - 1);
        if (rest > half || (rest == half && (sticky || (mantissa & 1) != 0))) ++mantissa;
        const double r = std::ldexp(static_cast<double>(static_cast<std::uint64_t>(mantissa)),
                                    lsb - 1074);  // exact, or overflow to inf
        return negative ? -r : r;
    }

private:
    static constexpr int kChunks = 67;  // 64 + 1 for a shifted mantissa + 2 of headroom

    static constexpr std::uint64_t kMantissaMask = (std::uint64_t{1} << 52) - 1;
    static constexpr std::uint64_t kImplicitBit = std::uint64_t{1} << 52;

    /// Adds mantissa * 2^position units, the sign taken from the sign bit of
    /// `bits`. The signed mantissa m splits as m * 2^shift =
    /// (m >> (32 - shift)) * 2^32 + ((m << shift) mod 2^32), both parts
    /// below 2^53 in magnitude.
    [[gnu::always_inline]] static void add_at(std::int64_t* chunk, std::int64_t mantissa,
                                              std::uint64_t bits, int position) noexcept {
        const std::int64_t sign = static_cast<std::int64_t>(bits) >> 63;  // 0 or -1
        const std::int64_t m = (mantissa ^ sign) - sign;
        const int k = position >> 5, shift = position & 31;
        chunk[k] +=
            static_cast<std::int64_t>((static_cast<std::uint64_t>(m) << shift) & 0xFFFFFFFFu);
        chunk[k + 1] += m >> (32 - shift);
    }

    /// Zeros and subnormals (exponent field 0: no implicit bit, and the same
    /// unit, 2^-1074, as the smallest normal numbers), infinities and NaN.
    void add_rare(std::int64_t* chunk, double x) noexcept {
        const auto bits = std::bit_cast<std::uint64_t>(x);
        if (std::isnan(x))
            nan_ = true;
        else if (std::isinf(x))
            (x > 0 ? pos_inf_ : neg_inf_) = true;
        else
            add_at(chunk, static_cast<std::int64_t>(bits & kMantissaMask), bits, 0);
    }

    std::int64_t chunk_[kChunks] = {};
    std::int64_t chunk2_[kChunks] = {};
    int pending_ = 0;
    bool nan_ = false, pos_inf_ = false, neg_inf_ = false;
};

}  // namespace fastcpp::detail
