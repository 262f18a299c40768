#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>
#include "fastcpp/median_filter.hpp"
#include "fastcpp/config.hpp"
int main(int argc, char** argv) {
    fastcpp::set_num_threads(std::atoi(argv[1]));
    int reps = std::atoi(argv[2]); int k = std::atoi(argv[3]);
    const long R = 512, C = 512;
    using T = unsigned char;
    std::vector<T> in(R * C), out(R * C);
    std::mt19937 g(1);
    for (auto& x : in) x = static_cast<T>(g() % 256);
    double best = 1e9;
    for (int r = 0; r < reps; ++r) {
        auto t0 = std::chrono::steady_clock::now();
        fastcpp::median_filter<T>(std::span<const T>(in), std::span<T>(out), R, C, k, k, fastcpp::BorderMode::nearest);
        double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        best = std::min(best, dt);
    }
    std::printf("k=%d %.3f ms\n", k, best * 1e3);
}
