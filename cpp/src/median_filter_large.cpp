// Median filter, square boxes 10 x 10 ... 25 x 25 (8- and 32-bit keys): the
// column-sharing separable sorting networks of Adams ("Fast median filters
// using separable sorting networks", ACM TOG 40(4), 2021), generalised from
// median_filter_pair.cpp's two output rows to R rows per pass, built at run
// time (these networks have up to ~7000 comparators: too large to unroll per
// size, key type and level) and interpreted on blocks of B vectors, so that
// one decoded comparator drives B vector compare-exchanges and the loop's
// overhead is amortised (the state lives in L1, as an unrolled network of
// this size would spill there anyway).
//
// Per pass of R output rows i .. i + R - 1 (boxes of padded rows i + y ..
// i + y + k - 1): every padded column's m = k - R + 1 common rows are sorted
// once; per block of output columns the `core` network merges the k sorted
// columns of the common rows, pruned to the ranks that can still be a box's
// median once its R - 1 own rows join; per output row the `fin` network sorts
// those rows, merges them with the core's candidates and keeps the median.
// The comparator lists come from Batcher's odd-even merge sort and merge
// (Knuth TAOCP 5.3.4), pruned backwards as in median_filter_network.hpp,
// whose fixed-size compile-time tables are too small for these sizes.
#include "median_filter_large.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

#include "median_filter_network.hpp"

// The 64-byte vectors never cross a non-inlined call, so the ABI note about
// passing them without AVX-512 does not apply.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace fastcpp::median_detail {
namespace {

using Wires = std::vector<int>;
using Ops = std::vector<std::array<int, 2>>;  // wire a gets the min, wire b the max

/// Batcher's odd-even merge sort of the wires `w` (in that order).
void batcher_sort(const Wires& w, Ops& L) {
    const int n = static_cast<int>(w.size());
    for (int p = 1; p < n; p <<= 1)
        for (int k = p; k >= 1; k >>= 1)
            for (int j = k % p; j + k < n; j += 2 * k)
                for (int i = 0; i < k && i < n - j - k; ++i)
                    if ((i + j) / (2 * p) == (i + j + k) / (2 * p))
                        L.push_back({w[static_cast<std::size_t>(i + j)],
                                     w[static_cast<std::size_t>(i + j + k)]});
}

/// Batcher's odd-even merge of two sorted wire lists of any lengths; returns
/// the merged order (as net::merge_ops).
Wires batcher_merge(const Wires& a, const Wires& b, Ops& L) {
    if (a.empty()) return b;
    if (b.empty()) return a;
    if (a.size() == 1 && b.size() == 1) {
        L.push_back({a[0], b[0]});
        return {a[0], b[0]};
    }
    Wires ae, ao, be, bo;
    for (std::size_t i = 0; i < a.size(); ++i) (i % 2 ? ao : ae).push_back(a[i]);
    for (std::size_t i = 0; i < b.size(); ++i) (i % 2 ? bo : be).push_back(b[i]);
    const Wires v = batcher_merge(ae, be, L);
    const Wires w = batcher_merge(ao, bo, L);
    Wires out{v[0]};
    std::size_t k = 0;
    for (; k < w.size() && k + 1 < v.size(); ++k) {
        L.push_back({w[k], v[k + 1]});
        out.push_back(w[k]);
        out.push_back(v[k + 1]);
    }
    out.insert(out.end(), w.begin() + static_cast<std::ptrdiff_t>(k), w.end());
    if (k + 1 < v.size())
        out.insert(out.end(), v.begin() + static_cast<std::ptrdiff_t>(k + 1), v.end());
    return out;
}

/// Merges sorted lists pairwise, shortest first, into one sorted list.
Wires merge_all(std::vector<Wires> lists, Ops& L) {
    while (lists.size() > 1) {
        std::stable_sort(lists.begin(), lists.end(),
                         [](const Wires& x, const Wires& y) { return x.size() < y.size(); });
        Wires m = batcher_merge(lists[0], lists[1], L);
        lists.erase(lists.begin(), lists.begin() + 2);
        lists.push_back(std::move(m));
    }
    return lists.empty() ? Wires{} : lists[0];
}

/// The comparators of L that the wires in `live` depend on (backward
/// liveness). A comparator one of whose outputs is dead still writes it:
/// nothing reads that wire again.
Ops prune(const Ops& L, int wires, const Wires& live_wires) {
    std::vector<bool> live(static_cast<std::size_t>(wires), false);
    for (int w : live_wires) live[static_cast<std::size_t>(w)] = true;
    Ops rev;
    for (auto it = L.rbegin(); it != L.rend(); ++it) {
        const auto a = static_cast<std::size_t>((*it)[0]), b = static_cast<std::size_t>((*it)[1]);
        if (!live[a] && !live[b]) continue;
        live[a] = live[b] = true;
        rev.push_back(*it);
    }
    return {rev.rbegin(), rev.rend()};
}

/// L in layers: each comparator after the last one touching its wires, so
/// consecutive comparators are independent. (Interpreted, a comparator
/// reads its wires from memory: in Batcher's order most depend on the one
/// just before, and every step would wait for a store to be forwarded.)
Ops layered(const Ops& L, int wires) {
    std::vector<int> depth_of_wire(static_cast<std::size_t>(wires), 0);
    std::vector<std::pair<int, std::size_t>> order;
    for (std::size_t o = 0; o < L.size(); ++o) {
        auto& da = depth_of_wire[static_cast<std::size_t>(L[o][0])];
        auto& db = depth_of_wire[static_cast<std::size_t>(L[o][1])];
        const int d = std::max(da, db) + 1;
        da = db = d;
        order.emplace_back(d, o);
    }
    std::stable_sort(order.begin(), order.end(),
                     [](const auto& x, const auto& y) { return x.first < y.first; });
    Ops out;
    for (const auto& [d, o] : order) out.push_back(L[o]);
    return out;
}

/// The three networks of one box side k and R output rows per pass.
struct LargeNet {
    int k = 0, R = 0, m = 0;  ///< m = k - R + 1 common rows
    int kn = 0;               ///< core candidates handed to fin
    Ops col;                  ///< sorts m wires (one padded column)
    Ops core;                 ///< on k * m wires: wire c * m + r is rank r of column c
    Wires need;               ///< core wire of candidate x (core rank clo + x)
    Ops fin;                  ///< wires 0 .. kn - 1 the candidates, then R - 1 rows of k
    int out = 0;              ///< fin's median wire
    double cost = 0;          ///< compare-exchanges per output vector
};

LargeNet build(int k, int R) {
    LargeNet N;
    N.k = k;
    N.R = R;
    N.m = k - R + 1;
    const int m = N.m, t = k * k / 2, extra = (R - 1) * k;
    Wires column;
    for (int r = 0; r < m; ++r) column.push_back(r);
    batcher_sort(column, N.col);
    N.col = layered(N.col, m);
    std::vector<Wires> lists(static_cast<std::size_t>(k));
    for (int c = 0; c < k; ++c)
        for (int r = 0; r < m; ++r) lists[static_cast<std::size_t>(c)].push_back(c * m + r);
    Ops core;
    const Wires merged = merge_all(lists, core);
    // A core value of rank x has x values below it in every box: x > t can
    // not be the median, nor x < t - extra (at most `extra` more can join
    // below it).
    const int clo = std::max(0, t - extra), chi = std::min(k * m - 1, t);
    for (int x = clo; x <= chi; ++x) N.need.push_back(merged[static_cast<std::size_t>(x)]);
    N.kn = static_cast<int>(N.need.size());
    N.core = layered(prune(core, k * m, N.need), k * m);
    Wires kept;
    for (int x = 0; x < N.kn; ++x) kept.push_back(x);
    std::vector<Wires> rows(static_cast<std::size_t>(R - 1));
    Ops fin;
    for (int e = 0; e < R - 1; ++e) {
        for (int c = 0; c < k; ++c) rows[static_cast<std::size_t>(e)].push_back(N.kn + e * k + c);
        batcher_sort(rows[static_cast<std::size_t>(e)], fin);
    }
    const Wires own = merge_all(rows, fin);
    const Wires all = batcher_merge(kept, own, fin);
    N.out = all[static_cast<std::size_t>(t - clo)];
    N.fin = layered(prune(fin, N.kn + extra, {N.out}), N.kn + extra);
    // Per output row: the shared column sorts and core (and their loads),
    // its own fin and the candidates' and rows' copies into it.
    N.cost = static_cast<double>(N.col.size() + N.core.size() + k * m) / R +
             static_cast<double>(N.fin.size() + N.kn + extra);
    return N;
}

/// The cheapest R for side k, built once per process.
const LargeNet& net_for(int k) {
    static std::mutex mu;
    static std::array<std::unique_ptr<LargeNet>, kLargeBoxMax + 1> nets;
    const std::lock_guard<std::mutex> lock(mu);
    auto& slot = nets[static_cast<std::size_t>(k)];
    if (!slot) {
        LargeNet best = build(k, 2);
        for (int R = 3; R <= 6; ++R) {
            LargeNet n = build(k, R);
            if (n.cost < best.cost) best = std::move(n);
        }
        slot = std::make_unique<LargeNet>(std::move(best));
    }
    return *slot;
}

/// Comparators as pairs of wire indices pre-multiplied by B (offsets into a
/// state of B vectors per wire).
std::vector<std::uint32_t> scaled(const Ops& L, int B) {
    std::vector<std::uint32_t> s;
    s.reserve(2 * L.size());
    for (const auto& op : L) {
        s.push_back(static_cast<std::uint32_t>(op[0] * B));
        s.push_back(static_cast<std::uint32_t>(op[1] * B));
    }
    return s;
}

// Vectors of W bytes and their unaligned load: the network kernels' own.
using net::load;
using net::Vec;

/// Runs the comparators `ops` (n offsets, two per comparator) on the state
/// s, B vectors per wire.
template <int B, class V>
[[gnu::always_inline]] inline void run_ops(V* __restrict s, const std::uint32_t* ops,
                                           std::size_t n) noexcept {
    for (std::size_t o = 0; o < n; o += 2) {
        V* x = s + ops[o];
        V* y = s + ops[o + 1];
        V p[B], q[B];
#pragma GCC unroll 8
        for (int u = 0; u < B; ++u) {
            p[u] = x[u];
            q[u] = y[u];
        }
#pragma GCC unroll 8
        for (int u = 0; u < B; ++u) {
            x[u] = p[u] < q[u] ? p[u] : q[u];
            y[u] = p[u] < q[u] ? q[u] : p[u];
        }
    }
}

/// Aligned scratch of `n` vectors of W bytes, reused by the thread.
template <int W>
void* scratch(std::vector<unsigned char>& buf, std::size_t bytes) {
    if (buf.size() < bytes + W) buf.resize(bytes + W);
    auto p = reinterpret_cast<std::uintptr_t>(buf.data());
    return reinterpret_cast<void*>((p + W - 1) / W * W);
}

template <class K, int W, int B>
FASTCPP_MEDIAN_KERNEL void large_kernel(const Tile<K>& tile, const LargeNet& N) {  // allocates
    using V = Vec<K, W>;
    constexpr index_t lanes = W / static_cast<index_t>(sizeof(K));
    constexpr index_t span = B * lanes;
    const Tile<K> t = tile;
    const int k = N.k, R = N.R, m = N.m, kn = N.kn, extra = (R - 1) * k;
    // Sorted common rows: rank r of padded column q at sorted[r * len + q],
    // readable up to the last block's reach (cols rounded up to span, + k).
    const index_t len = (t.cols + span + k + lanes - 1) / lanes * lanes;
    thread_local std::vector<unsigned char> sbuf, cbuf, fbuf;
    thread_local std::vector<std::uint32_t> col_ops, core_ops, fin_ops, need;
    K* sorted = static_cast<K*>(scratch<W>(sbuf, static_cast<std::size_t>(m * len) * sizeof(K)));
    V* cs = static_cast<V*>(scratch<W>(cbuf, static_cast<std::size_t>(k * m * B) * sizeof(V)));
    V* fs =
        static_cast<V*>(scratch<W>(fbuf, static_cast<std::size_t>((kn + extra) * B) * sizeof(V)));
    col_ops = scaled(N.col, 1);
    core_ops = scaled(N.core, B);
    fin_ops = scaled(N.fin, B);
    need.assign(N.need.begin(), N.need.end());
    for (index_t i = 0; i < t.rows; i += R) {
        const K* top = t.pad + i * t.pad_stride;  // padded row i
        // Sort the common rows i + R - 1 .. i + k - 1 of every padded column.
        for (index_t q = 0; q < len; q += lanes) {
            V* c = cs;  // m wires, one vector each
            for (int r = 0; r < m; ++r) c[r] = load<V>(top + (r + R - 1) * t.pad_stride + q);
            run_ops<1>(c, col_ops.data(), col_ops.size());
            for (int r = 0; r < m; ++r) std::memcpy(sorted + r * len + q, &c[r], sizeof(V));
        }
        const int nrows = static_cast<int>(std::min<index_t>(R, t.rows - i));
        for (index_t j = 0; j < t.cols; j += span) {
            for (int c = 0; c < k; ++c)
                for (int r = 0; r < m; ++r) {
                    const K* src = sorted + r * len + j + c;
#pragma GCC unroll 8
                    for (int u = 0; u < B; ++u) cs[(c * m + r) * B + u] = load<V>(src + u * lanes);
                }
            run_ops<B>(cs, core_ops.data(), core_ops.size());
            for (int y = 0; y < nrows; ++y) {
                for (int x = 0; x < kn; ++x)
#pragma GCC unroll 8
                    for (int u = 0; u < B; ++u)
                        fs[x * B + u] = cs[need[static_cast<std::size_t>(x)] * B + u];
                // The box's own rows: above the common ones, then below.
                for (int e = 0; e < R - 1; ++e) {
                    const index_t p = e < R - 1 - y ? i + y + e : i + k + (e - (R - 1 - y));
                    const K* src = t.pad + p * t.pad_stride + j;
                    for (int c = 0; c < k; ++c)
#pragma GCC unroll 8
                        for (int u = 0; u < B; ++u)
                            fs[(kn + e * k + c) * B + u] = load<V>(src + c + u * lanes);
                }
                run_ops<B>(fs, fin_ops.data(), fin_ops.size());
                K* dst = t.out + (i + y) * t.out_stride + j;
#pragma GCC unroll 8
                for (int u = 0; u < B; ++u)
                    std::memcpy(dst + u * lanes, &fs[N.out * B + u], sizeof(V));
            }
        }
    }
}

/// Blocks of B vectors whose core state (k * m wires) stays within ~40 KiB
/// (L1 holds 48 KiB on recent x86): the more vectors per decoded
/// comparator, the fewer instructions per compare-exchange (B = 8 saves 8%
/// over 4 at 10 x 10).
template <class K, int W>
FASTCPP_MEDIAN_KERNEL void large_at(const Tile<K>& t, const LargeNet& N) {
    const std::size_t wires = static_cast<std::size_t>(N.k * N.m);
    if (wires * 8 * W <= 40960)
        large_kernel<K, W, 8>(t, N);
    else if (wires * 4 * W <= 40960)
        large_kernel<K, W, 4>(t, N);
    else if (wires * 2 * W <= 40960)
        large_kernel<K, W, 2>(t, N);
    else
        large_kernel<K, W, 1>(t, N);
}

}  // namespace

template <class K>
void large_box_tile(const Tile<K>& t) {
    const LargeNet& N = net_for(static_cast<int>(t.kr));
    with_vector_width([&]<int W>() { large_at<K, W>(t, N); });
}

template void large_box_tile(const Tile<std::uint8_t>&);
template void large_box_tile(const Tile<std::uint32_t>&);

}  // namespace fastcpp::median_detail
