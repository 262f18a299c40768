// Median filter, windows wider than the padded image: weighted sliding
// histogram. Along an axis of n pixels, every padded position maps to one of
// n image indices (or the constant border), so a window of any length s is a
// multiset of at most n + 1 distinct indices with multiplicities, computed in
// O(n) from the border mode's period (wrap n, reflect 2n, mirror 2n - 2) -
// never O(s). The window of pixel (i, j) holds image element (r, c) with
// multiplicity wr_i[r] * wc_j[c]. A two-level histogram (coarse/fine bins as
// in Perreault & Hebert, "Median filtering in constant time", IEEE TIP 2007)
// of the image's value ranks, weighted by those multiplicities, slides along
// each band of rows in snake order (Huang, Yang, Tang, IEEE TASSP 1979): one
// step changes one column's (or row's) multiplicity by one at each end, so it
// costs one update per active row (column). Memory and time depend on the
// image only; the selected element is exactly the sorted window's.
#include <algorithm>
#include <bit>
#include <cstdint>
#include <vector>

#include "fastcpp/detail/parallel.hpp"
#include "median_filter_impl.hpp"

namespace fastcpp::median_detail {

void axis_weights(index_t start, index_t s, index_t n, BorderMode mode,
                  std::vector<std::int64_t>& w) {
    w.assign(static_cast<std::size_t>(n + 1), 0);
    const index_t end = start + s;
    const index_t lo = std::clamp<index_t>(start, 0, n), hi = std::clamp<index_t>(end, 0, n);
    if (mode == BorderMode::constant || mode == BorderMode::nearest) {
        for (index_t k = lo; k < hi; ++k) w[static_cast<std::size_t>(k)] = 1;
        const index_t before = std::max<index_t>(0, std::min<index_t>(end, 0) - start);
        const index_t after = std::max<index_t>(0, end - std::max<index_t>(start, n));
        if (mode == BorderMode::constant) {
            w[static_cast<std::size_t>(n)] = before + after;
        } else {
            w[0] += before;
            w[static_cast<std::size_t>(n - 1)] += after;
        }
        return;
    }
    // Periodic extensions: q whole periods add q times one period's counts,
    // the remaining < period positions are mapped one by one.
    const index_t period = n <= 1                        ? 1
                           : mode == BorderMode::wrap    ? n
                           : mode == BorderMode::reflect ? 2 * n
                                                         : 2 * n - 2;
    const index_t q = s / period;
    if (q > 0)
        for (index_t p = 0; p < period; ++p)
            w[static_cast<std::size_t>(map_index(p, n, mode))] += q;
    for (index_t p = start + q * period; p < end; ++p)
        w[static_cast<std::size_t>(map_index(p, n, mode))] += 1;
}

namespace {

/// Two-level histogram of ranks < domain with 64-bit weights; tracks the
/// coarse bin `b` of the last selection and the weight `below` it.
class WeightedHistogram {
public:
    explicit WeightedHistogram(index_t domain) {
        const int bits =
            std::max(1, static_cast<int>(std::bit_width(static_cast<std::uint64_t>(domain - 1))));
        shift_ = (bits + 1) / 2;
        fine_.assign(static_cast<std::size_t>(domain), 0);
        coarse_.assign(static_cast<std::size_t>((domain >> shift_) + 1), 0);
    }
    void add(std::uint32_t v, std::int64_t w) noexcept {
        fine_[v] += w;
        const auto c = static_cast<index_t>(v >> shift_);
        coarse_[static_cast<std::size_t>(c)] += w;
        if (c < b_) below_ += w;
    }
    /// The rank of 0-based position t in the weighted multiset.
    std::uint32_t select(std::int64_t t) noexcept {
        const std::int64_t* cs = coarse_.data();
        while (below_ > t) below_ -= cs[--b_];
        while (below_ + cs[b_] <= t) below_ += cs[b_++];
        std::int64_t cnt = below_;
        auto v = static_cast<std::uint32_t>(b_ << shift_);
        const std::int64_t* fs = fine_.data();
        while (cnt + fs[v] <= t) cnt += fs[v++];
        return v;
    }

private:
    std::vector<std::int64_t> fine_, coarse_;
    int shift_ = 0;
    index_t b_ = 0;
    std::int64_t below_ = 0;
};

/// Indices with a non-zero weight, kept as a list that is pruned lazily.
struct Active {
    std::vector<index_t> list;
    std::vector<char> in;
    void reset(const std::vector<std::int64_t>& w) {
        list.clear();
        in.assign(w.size(), 0);
        for (std::size_t k = 0; k < w.size(); ++k)
            if (w[k] != 0) {
                list.push_back(static_cast<index_t>(k));
                in[k] = 1;
            }
    }
    void touch(index_t k) {
        if (!in[static_cast<std::size_t>(k)]) {
            in[static_cast<std::size_t>(k)] = 1;
            list.push_back(k);
        }
    }
    /// Calls fn(k) for each k of the list with w[k] != 0, dropping the others.
    template <class Fn>
    void each(const std::vector<std::int64_t>& w, Fn&& fn) {
        for (std::size_t p = 0; p < list.size();) {
            const index_t k = list[p];
            if (w[static_cast<std::size_t>(k)] == 0) {
                in[static_cast<std::size_t>(k)] = 0;
                list[p] = list.back();
                list.pop_back();
                continue;
            }
            fn(k);
            ++p;
        }
    }
};

}  // namespace

void weighted_filter(const std::uint32_t* grid, index_t rows, index_t cols, index_t domain,
                     index_t sr, index_t sc, index_t cr, index_t cc, BorderMode mode,
                     std::int64_t rank, std::uint32_t* out) {
    const index_t gs = cols + 1;  // grid row stride; row `rows`, column `cols`: the border
    auto idx = [](index_t i, index_t n, BorderMode m) {
        const index_t k = map_index(i, n, m);
        return k < 0 ? n : k;
    };
    // Bands of rows, each walked in snake order from one full initialisation.
    const index_t init = std::min(sr, rows + 1) * std::min(sc, cols + 1);
    const index_t step = std::min(sr, rows + 1) + 8;
    const index_t band = std::max<index_t>(
        1, std::min<index_t>(rows, (init + 64) / std::max<index_t>(cols * step, 1) + 1));
    const index_t bands = (rows + band - 1) / band;
    const double ns_per_band = 2.0 * static_cast<double>(init + band * cols * step);
    const auto grain = static_cast<index_t>(1e5 / ns_per_band) + 1;
    detail::parallel_for(bands, grain, [&](index_t lo, index_t hi) {
        WeightedHistogram h(domain);
        std::vector<std::int64_t> wr, wc;
        Active ar, ac;
        for (index_t bnd = lo; bnd < hi; ++bnd) {
            const index_t i0 = bnd * band, i1 = std::min(rows, i0 + band);
            axis_weights(i0 - cr, sr, rows, mode, wr);
            axis_weights(-(cc), sc, cols, mode, wc);
            ar.reset(wr);
            ac.reset(wc);
            ar.each(wr, [&](index_t r) {
                ac.each(wc, [&](index_t c) {
                    h.add(grid[r * gs + c],
                          wr[static_cast<std::size_t>(r)] * wc[static_cast<std::size_t>(c)]);
                });
            });
            index_t j = 0;
            // Moves column multiplicity from `from` to `to` (both grid columns).
            auto shift_col = [&](index_t from, index_t to) {
                if (from == to) return;
                ar.each(wr, [&](index_t r) {
                    const std::int64_t w = wr[static_cast<std::size_t>(r)];
                    h.add(grid[r * gs + from], -w);
                    h.add(grid[r * gs + to], w);
                });
                --wc[static_cast<std::size_t>(from)];
                ++wc[static_cast<std::size_t>(to)];
                ac.touch(to);
            };
            for (index_t i = i0; i < i1; ++i) {
                if (i > i0) {  // row window moves down by one
                    const index_t p = i - 1 - cr;
                    const index_t from = idx(p, rows, mode), to = idx(p + sr, rows, mode);
                    if (from != to) {
                        ac.each(wc, [&](index_t c) {
                            const std::int64_t w = wc[static_cast<std::size_t>(c)];
                            h.add(grid[from * gs + c], -w);
                            h.add(grid[to * gs + c], w);
                        });
                        --wr[static_cast<std::size_t>(from)];
                        ++wr[static_cast<std::size_t>(to)];
                        ar.touch(to);
                    }
                }
                const bool forward = (i - i0) % 2 == 0;
                for (index_t k = 0; k < cols; ++k) {
                    if (k > 0) {
                        if (forward) {  // j -> j + 1
                            const index_t p = j - cc;
                            shift_col(idx(p, cols, mode), idx(p + sc, cols, mode));
                            ++j;
                        } else {  // j -> j - 1
                            const index_t p = j - cc;
                            shift_col(idx(p + sc - 1, cols, mode), idx(p - 1, cols, mode));
                            --j;
                        }
                    }
                    out[i * cols + j] = h.select(rank);
                }
            }
            // Empty the histogram for the next band.
            ar.each(wr, [&](index_t r) {
                ac.each(wc, [&](index_t c) {
                    h.add(grid[r * gs + c],
                          -(wr[static_cast<std::size_t>(r)] * wc[static_cast<std::size_t>(c)]));
                });
            });
        }
    });
}

}  // namespace fastcpp::median_detail
