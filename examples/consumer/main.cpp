// Links fastcpp::fastcpp from an install tree and checks a few results.
#include <cmath>
#include <cstdio>
#include <vector>

#include <fastcpp/fastcpp.hpp>

int main() {
    std::vector<double> v{1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16};
    fastcpp::Accumulator acc;
    acc.add_many(std::span<const double>(v));
    acc.add(1.5);
    fastcpp::Accumulator other;
    other.add(-1.5);
    acc.merge(other);

    std::vector<double> w{1e16, 1.0, -1e16};
    const double s = fastcpp::sum(std::span<const double>(w));
    const double d = fastcpp::dot(std::span<const double>(w), std::span<const double>(w));
    std::printf("fastcpp %s (%s): count=%lld sum=%g dot=%g threads=%d\n",
                fastcpp::version().c_str(), fastcpp::simd_level().c_str(),
                static_cast<long long>(acc.count()), s, d, fastcpp::num_threads());

    fastcpp::Accumulator exact;
    exact.add_many(std::span<const double>(v));
    const bool ok = acc.count() == 6 && s == 1.0 && exact.variance() == 22.5;
    std::puts(ok ? "consumer: OK" : "consumer: WRONG");
    return ok ? 0 : 1;
}
