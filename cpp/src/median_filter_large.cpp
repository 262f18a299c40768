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
// i + y + k - 1), with two neighbouring output columns (a pair) per lane
// (Adams' sharing in both directions): every padded column's m = k - R + 1
// common rows are sorted once; per block of pairs the `core` network merges
// the k - 1 sorted columns both boxes of a pair share, pruned to the ranks
// that can still be a median once the box's own column and R - 1 own rows
// join; per box column `mid` merges in its own sorted column (serving R
// rows); per output row `fin` sorts the box's own rows, merges them with
// mid's candidates and keeps the median. Pairs as lanes need the even and
// odd columns apart: the padded tile is split once and the medians are
// interleaved back, with vector shuffles.
// The comparator lists come from Batcher's odd-even merge sort and merge
// (Knuth TAOCP 5.3.4), pruned backwards as in median_filter_network.hpp,
// whose fixed-size compile-time tables are too small for these sizes.
#include "median_filter_large.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <type_traits>
#include <utility>
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

/// Comparators as byte offsets of their wires in a state of `bytes` per
/// wire (B vectors of W bytes): the interpreter adds them to the state's
/// address as they are.
std::vector<std::uint32_t> scaled(const Ops& L, int bytes) {
    std::vector<std::uint32_t> s;
    s.reserve(2 * L.size());
    for (const auto& op : L) {
        s.push_back(static_cast<std::uint32_t>(op[0] * bytes));
        s.push_back(static_cast<std::uint32_t>(op[1] * bytes));
    }
    return s;
}

/// The comparator lists of one LargeNet scaled for blocks of B vectors of W
/// bytes.
struct Scaled {
    std::vector<std::uint32_t> col, core, mid, fin;
};

/// The four networks of one box side k and R output rows per pass, for
/// pairs of adjacent output columns (2-D sharing, Adams section 4): the two
/// boxes of a pair share k - 1 columns, R consecutive rows share m = k - R + 1
/// rows, so the `core` of (k - 1) x m values serves 2R boxes.
struct LargeNet {
    int k = 0, R = 0, m = 0;  ///< m = k - R + 1 common rows
    int kn2 = 0;              ///< core candidates handed to mid
    int kn = 0;               ///< mid candidates handed to fin
    Ops col;                  ///< sorts m wires (one padded column)
    Ops core;         ///< on (k - 1) * m wires: wire c * m + r is rank r of box column c + 1
    Wires need2;      ///< core wire of mid candidate x
    Ops mid;          ///< wires 0 .. kn2 - 1 the candidates, then the own column's m ranks
    Wires need;       ///< mid wire of fin candidate x
    Ops fin;          ///< wires 0 .. kn - 1 the candidates, then R - 1 rows of k
    int out = 0;      ///< fin's median wire
    double cost = 0;  ///< compare-exchanges and copies per output vector
    /// Scaled lists per B = 1, 2, 4, 8 and W = 16, 32, 64, built when first used.
    std::array<std::array<std::unique_ptr<Scaled>, 3>, 4> by_block;
};

/// The ranks lo .. hi of a sorted wire list that can still be the median
/// (rank t of k * k) once `add` more values join: a value of rank x has x
/// values below it in every box, so x > t can not be the median, nor
/// x < t - add.
std::pair<int, int> live_ranks(int t, int add, int count) {
    return {std::max(0, t - add), std::min(count - 1, t)};
}

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
    // core: merge the k - 1 shared sorted columns; the own column (m) and
    // own rows (extra) are still to come.
    const int c2 = (k - 1) * m;
    std::vector<Wires> lists(static_cast<std::size_t>(k - 1));
    for (int c = 0; c < k - 1; ++c)
        for (int r = 0; r < m; ++r) lists[static_cast<std::size_t>(c)].push_back(c * m + r);
    Ops core;
    const Wires merged = merge_all(lists, core);
    const auto [lo2, hi2] = live_ranks(t, m + extra, c2);
    for (int x = lo2; x <= hi2; ++x) N.need2.push_back(merged[static_cast<std::size_t>(x)]);
    N.kn2 = static_cast<int>(N.need2.size());
    N.core = layered(prune(core, c2, N.need2), c2);
    // mid: the candidates (core ranks lo2 + x) and the own column; merged
    // position p is rank lo2 + p of the k * m common values for every rank
    // that can still be the median.
    Wires kept, own;
    for (int x = 0; x < N.kn2; ++x) kept.push_back(x);
    for (int r = 0; r < m; ++r) own.push_back(N.kn2 + r);
    Ops mid;
    const Wires both = batcher_merge(kept, own, mid);
    const auto [lo, hi] = live_ranks(t, extra, k * m);
    for (int x = lo; x <= hi; ++x) N.need.push_back(both[static_cast<std::size_t>(x - lo2)]);
    N.kn = static_cast<int>(N.need.size());
    N.mid = layered(prune(mid, N.kn2 + m, N.need), N.kn2 + m);
    // fin: the R - 1 own rows, sorted and merged with the candidates.
    kept.clear();
    for (int x = 0; x < N.kn; ++x) kept.push_back(x);
    std::vector<Wires> rows(static_cast<std::size_t>(R - 1));
    Ops fin;
    for (int e = 0; e < R - 1; ++e) {
        for (int c = 0; c < k; ++c) rows[static_cast<std::size_t>(e)].push_back(N.kn + e * k + c);
        batcher_sort(rows[static_cast<std::size_t>(e)], fin);
    }
    const Wires all = batcher_merge(kept, merge_all(rows, fin), fin);
    N.out = all[static_cast<std::size_t>(t - lo)];
    N.fin = layered(prune(fin, N.kn + extra, {N.out}), N.kn + extra);
    // Per output: the column sort (shared by R rows), the core and its
    // loads (2R boxes), mid and its copies (R rows), fin and its copies.
    N.cost = static_cast<double>(N.col.size() + m) / R +
             static_cast<double>(N.core.size() + c2) / (2 * R) +
             static_cast<double>(N.mid.size() + N.kn2 + m) / R +
             static_cast<double>(N.fin.size() + N.kn + extra);
    return N;
}

std::mutex nets_mutex;

/// The cheapest R for side k, built once per process.
LargeNet& net_for(int k) {
    static std::array<std::unique_ptr<LargeNet>, kLargeBoxMax + 1> nets;
    const std::lock_guard<std::mutex> lock(nets_mutex);
    auto& slot = nets[static_cast<std::size_t>(k)];
    if (!slot) {
        auto best = std::make_unique<LargeNet>(build(k, 2));
        for (int R = 3; R <= 6; ++R) {
            auto n = std::make_unique<LargeNet>(build(k, R));
            if (n->cost < best->cost) best = std::move(n);
        }
        slot = std::move(best);
    }
    return *slot;
}

/// N's comparator lists for blocks of B vectors of W bytes, built once per
/// (k, B, W).
const Scaled& scaled_for(LargeNet& N, int B, int W) {
    const std::lock_guard<std::mutex> lock(nets_mutex);
    auto& slot =
        N.by_block[static_cast<std::size_t>(std::countr_zero(static_cast<unsigned>(B)))]
                  [static_cast<std::size_t>(std::countr_zero(static_cast<unsigned>(W)) - 4)];
    const int bytes = B * W;
    if (!slot)
        slot = std::make_unique<Scaled>(Scaled{scaled(N.col, bytes), scaled(N.core, bytes),
                                               scaled(N.mid, bytes), scaled(N.fin, bytes)});
    return *slot;
}

// Vectors of W bytes and their unaligned load: the network kernels' own.
using net::load;
using net::Vec;

/// Runs the comparators L (byte offsets, two per comparator) on the state
/// s, B vectors per wire. Vector by vector: a load, a min, a max and a store
/// per wire and vector, with no spills.
template <int B, class V>
[[gnu::always_inline]] inline void run_ops(V* __restrict s,
                                           const std::vector<std::uint32_t>& L) noexcept {
    const std::uint32_t* ops = L.data();
    const std::size_t n = L.size();
    auto* base = reinterpret_cast<unsigned char*>(s);
    for (std::size_t o = 0; o < n; o += 2) {
        V* x = reinterpret_cast<V*>(base + ops[o]);
        V* y = reinterpret_cast<V*>(base + ops[o + 1]);
        // Plain pointers in registers: otherwise GCC addresses every vector
        // as base + offset + u * W and spends an lea on each.
        asm("" : "+r"(x), "+r"(y));
#pragma GCC unroll 16
        for (int u = 0; u < B; ++u) {
            const V p = x[u], q = y[u];
            x[u] = p < q ? p : q;
            y[u] = p < q ? q : p;
        }
    }
}

/// Even and odd entries of the 2N keys at p (N = lanes of V).
template <class V, std::size_t... I>
[[gnu::always_inline]] inline void split_pair(const void* p, V& ev, V& od,
                                              std::index_sequence<I...>) noexcept {
    using K = std::remove_cvref_t<decltype(V{}[0])>;
    constexpr std::size_t N = sizeof...(I);
    const V lo = load<V>(p), hi = load<V>(static_cast<const K*>(p) + N);
    ev = __builtin_shuffle(lo, hi, V{static_cast<K>(2 * I)...});
    od = __builtin_shuffle(lo, hi, V{static_cast<K>(2 * I + 1)...});
}

/// The inverse: ev[0], od[0], ev[1], od[1] ... as 2N keys at p.
template <class V, std::size_t... I>
[[gnu::always_inline]] inline void join_pair(void* p, V ev, V od,
                                             std::index_sequence<I...>) noexcept {
    using K = std::remove_cvref_t<decltype(V{}[0])>;
    constexpr std::size_t N = sizeof...(I);
    const V lo = __builtin_shuffle(ev, od, V{static_cast<K>(I / 2 + (I % 2) * N)...});
    const V hi = __builtin_shuffle(ev, od, V{static_cast<K>((I + N) / 2 + (I % 2) * N)...});
    std::memcpy(p, &lo, sizeof(V));
    std::memcpy(static_cast<K*>(p) + N, &hi, sizeof(V));
}

/// Aligned scratch of `bytes` bytes, reused by the thread.
template <int W>
void* scratch(std::vector<unsigned char>& buf, std::size_t bytes) {
    if (buf.size() < bytes + W) buf.resize(bytes + W);
    auto p = reinterpret_cast<std::uintptr_t>(buf.data());
    return reinterpret_cast<void*>((p + W - 1) / W * W);
}

/// One tile: output column pairs (2P, 2P + 1) are the lanes, so the padded
/// tile is first split into its even and odd columns (`split`: padded row p,
/// parity a at split + (2p + a) * hl), and box column c of pair P is entry
/// P + c / 2 of parity c % 2. Medians are gathered per pass in `got` (row y,
/// parity a at got + (2y + a) * hl) and interleaved into the output.
template <class K, int W, int B>
FASTCPP_MEDIAN_KERNEL void large_kernel(const Tile<K>& tile, LargeNet& N) {  // allocates
    using V = Vec<K, W>;
    constexpr index_t lanes = W / static_cast<index_t>(sizeof(K));
    constexpr index_t span = B * lanes;  // pairs per block
    const Tile<K> t = tile;
    const Scaled& S = scaled_for(N, B, W);
    constexpr auto lane_seq = std::make_index_sequence<static_cast<std::size_t>(lanes)>{};
    const int k = N.k, R = N.R, m = N.m, kn2 = N.kn2, kn = N.kn, extra = (R - 1) * k;
    const index_t pairs = (t.cols + 1) / 2;
    const index_t pw = t.cols + k - 1;  // padded columns the boxes read
    // Entries per parity row: the last block's reach (pairs rounded up to
    // span, + k / 2 + 1), in whole blocks.
    const index_t hl = (pairs + span - 1) / span * span + (k / 2 + span) / span * span;
    const index_t prows = t.rows + k - 1;
    thread_local std::vector<unsigned char> pbuf, sbuf, gbuf, cbuf, mbuf, fbuf;
    K* split =
        static_cast<K*>(scratch<W>(pbuf, static_cast<std::size_t>(2 * prows * hl) * sizeof(K)));
    K* sorted = static_cast<K*>(scratch<W>(sbuf, static_cast<std::size_t>(2 * m * hl) * sizeof(K)));
    K* got = static_cast<K*>(scratch<W>(gbuf, static_cast<std::size_t>(2 * R * hl) * sizeof(K)));
    V* cs =
        static_cast<V*>(scratch<W>(cbuf, static_cast<std::size_t>((k - 1) * m * B) * sizeof(V)));
    V* ms = static_cast<V*>(scratch<W>(mbuf, static_cast<std::size_t>((kn2 + m) * B) * sizeof(V)));
    V* fs =
        static_cast<V*>(scratch<W>(fbuf, static_cast<std::size_t>((kn + extra) * B) * sizeof(V)));
    for (index_t p = 0; p < prows; ++p) {
        const K* __restrict src = t.pad + p * t.pad_stride;
        K* __restrict ev = split + 2 * p * hl;
        K* __restrict od = ev + hl;
        const index_t whole = pw / 2;
        index_t q = 0;
        for (; q + lanes <= whole; q += lanes) {
            V e, o;
            split_pair(src + 2 * q, e, o, lane_seq);
            std::memcpy(ev + q, &e, sizeof(V));
            std::memcpy(od + q, &o, sizeof(V));
        }
        for (; q < whole; ++q) {
            ev[q] = src[2 * q];
            od[q] = src[2 * q + 1];
        }
        // Entries past the padded row feed only discarded outputs.
        std::fill(ev + whole, ev + hl, K{});
        std::fill(od + whole, od + hl, K{});
        if (pw % 2) ev[whole] = src[pw - 1];
    }
    auto row_of = [&](index_t p, index_t c) { return split + (2 * p + c % 2) * hl + c / 2; };
    for (index_t i = 0; i < t.rows; i += R) {
        // Sort the common rows i + R - 1 .. i + k - 1 of every padded column.
        for (int a = 0; a < 2; ++a)
            for (index_t q = 0; q < hl; q += span) {
                for (int r = 0; r < m; ++r) {
                    const K* src = row_of(i + r + R - 1, a) + q;
#pragma GCC unroll 16
                    for (int u = 0; u < B; ++u) cs[r * B + u] = load<V>(src + u * lanes);
                }
                run_ops<B>(cs, S.col);
                for (int r = 0; r < m; ++r) {
                    K* dst = sorted + (2 * r + a) * hl + q;
#pragma GCC unroll 16
                    for (int u = 0; u < B; ++u)
                        std::memcpy(dst + u * lanes, &cs[r * B + u], sizeof(V));
                }
            }
        auto sorted_of = [&](int r, index_t c) { return sorted + (2 * r + c % 2) * hl + c / 2; };
        const int nrows = static_cast<int>(std::min<index_t>(R, t.rows - i));
        for (index_t j = 0; j < pairs; j += span) {
            for (int c = 1; c < k; ++c)
                for (int r = 0; r < m; ++r) {
                    const K* src = sorted_of(r, c) + j;
#pragma GCC unroll 16
                    for (int u = 0; u < B; ++u)
                        cs[((c - 1) * m + r) * B + u] = load<V>(src + u * lanes);
                }
            run_ops<B>(cs, S.core);
            for (int a = 0; a < 2; ++a) {  // the pair's left and right box
                for (int x = 0; x < kn2; ++x)
#pragma GCC unroll 16
                    for (int u = 0; u < B; ++u)
                        ms[x * B + u] = cs[N.need2[static_cast<std::size_t>(x)] * B + u];
                for (int r = 0; r < m; ++r) {
                    const K* src = sorted_of(r, a * k) + j;
#pragma GCC unroll 16
                    for (int u = 0; u < B; ++u) ms[(kn2 + r) * B + u] = load<V>(src + u * lanes);
                }
                run_ops<B>(ms, S.mid);
                for (int y = 0; y < nrows; ++y) {
                    for (int x = 0; x < kn; ++x)
#pragma GCC unroll 16
                        for (int u = 0; u < B; ++u)
                            fs[x * B + u] = ms[N.need[static_cast<std::size_t>(x)] * B + u];
                    // The box's own rows: above the common ones, then below.
                    for (int e = 0; e < R - 1; ++e) {
                        const index_t p = e < R - 1 - y ? i + y + e : i + k + (e - (R - 1 - y));
                        for (int c = 0; c < k; ++c) {
                            const K* src = row_of(p, a + c) + j;
#pragma GCC unroll 16
                            for (int u = 0; u < B; ++u)
                                fs[(kn + e * k + c) * B + u] = load<V>(src + u * lanes);
                        }
                    }
                    run_ops<B>(fs, S.fin);
                    K* dst = got + (2 * y + a) * hl + j;
#pragma GCC unroll 16
                    for (int u = 0; u < B; ++u)
                        std::memcpy(dst + u * lanes, &fs[N.out * B + u], sizeof(V));
                }
            }
        }
        for (int y = 0; y < nrows; ++y) {
            K* __restrict dst = t.out + (i + y) * t.out_stride;
            const K* __restrict ev = got + 2 * y * hl;
            const K* __restrict od = ev + hl;
            index_t q = 0;
            for (; 2 * (q + lanes) <= t.cols; q += lanes)
                join_pair(dst + 2 * q, load<V>(ev + q), load<V>(od + q), lane_seq);
            for (; q < t.cols / 2; ++q) {
                dst[2 * q] = ev[q];
                dst[2 * q + 1] = od[q];
            }
            if (t.cols % 2) dst[t.cols - 1] = ev[t.cols / 2];
        }
    }
}

/// Blocks of B vectors whose core state ((k - 1) * m wires) stays within
/// ~40 KiB (L1 holds 48 KiB on recent x86): the more vectors per decoded
/// comparator, the fewer instructions per compare-exchange; but no more
/// blocks than the tile's column pairs fill.
template <class K, int W>
FASTCPP_MEDIAN_KERNEL void large_at(const Tile<K>& t, LargeNet& N) {
    const std::size_t wires = static_cast<std::size_t>((N.k - 1) * N.m);
    const auto vectors =
        static_cast<std::size_t>(((t.cols + 1) / 2 + W / static_cast<index_t>(sizeof(K)) - 1) /
                                 (W / static_cast<index_t>(sizeof(K))));
    auto fits = [&](std::size_t B) {
        return wires * B * W <= 40960 && (B == 1 || vectors > B / 2);
    };
    if (fits(8))
        large_kernel<K, W, 8>(t, N);
    else if (fits(4))
        large_kernel<K, W, 4>(t, N);
    else if (fits(2))
        large_kernel<K, W, 2>(t, N);
    else
        large_kernel<K, W, 1>(t, N);
}

}  // namespace

template <class K>
void large_box_tile(const Tile<K>& t) {
    LargeNet& N = net_for(static_cast<int>(t.kr));
    with_vector_width([&]<int W>() { large_at<K, W>(t, N); });
}

template void large_box_tile(const Tile<std::uint8_t>&);
template void large_box_tile(const Tile<std::uint32_t>&);

}  // namespace fastcpp::median_detail
