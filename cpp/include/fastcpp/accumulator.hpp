#pragma once
/// @file accumulator.hpp
/// Streaming statistics in one pass: count, compensated total, mean,
/// variance, skewness, kurtosis, min and max, mergeable across chunks,
/// threads and processes.
///
/// Algorithms: moments are kept for the shifted data x - K, K a value of the
/// data (its first), so values far from zero lose no digits (the shifted-data
/// algorithm, Chan, Golub & LeVeque 1983). Single values: Welford (1962)
/// updates generalised to the third and fourth central moments by Pébay
/// (2008, SAND2008-6212). Batches: one fused SIMD pass per L1-sized block
/// (shifted power sums S1..S4, a TwoSum-compensated total, min, max; a block
/// whose shift turns out far from its mean is summed again around it), blocks
/// combined with the pairwise formulas of Chan, Golub & LeVeque (1979) /
/// Pébay, blocks of large batches on all threads. The total is a compensated
/// (TwoSum/Neumaier 1974) sum.

#include <cstdint>
#include <span>

#include "fastcpp/strided.hpp"

namespace fastcpp {

/// Streaming summary of a sequence of doubles. A plain value type: copy it,
/// compare it, merge it; not synchronised (guard a shared one yourself).
class Accumulator {
public:
    /// Complete internal state, for exact serialisation (pickle, MPI, files).
    struct State {
        std::int64_t count = 0;
        double initial = 0.0;                 ///< starting total, not a value
        double sum = 0.0;                     ///< Neumaier sum of the values
        double sum_comp = 0.0;                ///< its running compensation
        double shift = 0.0;                   ///< reference value K: moments are of x - K
        double mean = 0.0;                    ///< mean of x - shift (moment centre)
        double m2 = 0.0, m3 = 0.0, m4 = 0.0;  ///< central moment sums
        double min = 0.0, max = 0.0;          ///< valid when count > 0
        bool operator==(const State&) const = default;
    };

    /// @param initial starting total: it adds to total() but is not a value
    explicit Accumulator(double initial = 0.0) noexcept;
    /// Rebuilds an accumulator from state() output, bit for bit.
    static Accumulator from_state(const State& s) noexcept;
    /// Summary of a batch: the same as adding each value, O(n), vectorised.
    static Accumulator of(Strided<const double> values);
    /// @copydoc of
    static Accumulator of(Strided<const float> values);

    /// Adds one value.
    void add(double x) noexcept;
    /// Adds a batch, using all threads for large ones (see num_threads()).
    /// A batch of up to 2048 values is summarised in place: no allocation,
    /// no thread, no exception (the Python add() folds its values in so).
    void add_many(Strided<const double> values);
    /// @copydoc add_many
    void add_many(Strided<const float> values);
    /// @copydoc add_many
    void add_many(std::span<const double> values) { add_many(Strided<const double>(values)); }
    /// Combines another summary into this one: total() becomes
    /// this->total() + other.total() (each initial counted once), every other
    /// statistic as if all values had been added to one accumulator (up to
    /// rounding). Symmetric: a.merge(b) and b.merge(a) give the same state,
    /// bit for bit.
    void merge(const Accumulator& other) noexcept;
    /// Forgets every value; keeps `initial`.
    void reset() noexcept;

    /// Number of values added.
    [[nodiscard]] std::int64_t count() const noexcept { return s_.count; }
    /// initial + sum of the values, compensated (Neumaier).
    [[nodiscard]] double total() const noexcept;
    /// total() / count(); 0.0 when empty (the original design, as RunStats).
    [[nodiscard]] double mean() const noexcept;
    /// Variance of the values with `ddof` delta degrees of freedom;
    /// NaN when count() <= ddof; never negative nor -0.0.
    [[nodiscard]] double variance(double ddof = 0.0) const noexcept;
    /// sqrt(variance(ddof)).
    [[nodiscard]] double std(double ddof = 0.0) const noexcept;
    /// Smallest value; NaN when empty or when a NaN was added.
    [[nodiscard]] double min() const noexcept;
    /// Largest value; NaN when empty or when a NaN was added.
    [[nodiscard]] double max() const noexcept;
    /// Biased sample skewness g1 = sqrt(n) M3 / M2^1.5 (scipy.stats.skew);
    /// NaN when count() < 2 or M2 == 0.
    [[nodiscard]] double skewness() const noexcept;
    /// Biased excess kurtosis g2 = n M4 / M2^2 - 3 (scipy.stats.kurtosis);
    /// NaN when count() < 2 or M2 == 0.
    [[nodiscard]] double kurtosis() const noexcept;

    /// The full internal state.
    [[nodiscard]] const State& state() const noexcept { return s_; }
    bool operator==(const Accumulator&) const = default;

private:
    /// add() of the first value: sets the shift, min and max.
    void add_first(double x) noexcept;

    State s_;
};

}  // namespace fastcpp
