// Median filter, square boxes 12 x 12 ... 25 x 25 (8- and 32-bit keys; 10 and
// 11 where the pair networks are not compiled, under the sanitizers): the
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
// i + y + k - 1), with a group of G = 4 (or 2) neighbouring output columns
// per lane (Adams' sharing in both directions, as a tree): every padded
// column's m = k - R + 1 common rows are sorted once; per block of groups the
// `core` network merges the k - G + 1 sorted columns all G boxes share,
// pruned to the ranks that can still be a median once the rest of a box
// joins; with G = 4, `pair` merges in the two more columns each half of the
// group shares; per box `mid` merges in its own sorted column (serving R
// rows); per output row `fin` sorts the box's own rows, merges them with
// mid's candidates and keeps the median. Groups as lanes need the padded
// tile's columns apart by phase (column mod G): the tile is split once and
// the medians are interleaved back, with vector shuffles.
// The comparator lists come from Batcher's odd-even merge sort and merge
// (Knuth TAOCP 5.3.4), pruned backwards as in median_filter_network.hpp,
// whose fixed-size compile-time tables are too small for these sizes. All
// networks' states share one arena: a network reads the candidates the one
// before left where they are (no copies), a comparator with one live output
// computes only that one, and the kernel binds the lists to the arena's
// addresses once per tile (no address arithmetic per comparator).
#include "median_filter_large.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <queue>
#include <stdexcept>
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

/// How the interpreter runs a comparator (wire a gets the min, wire b the
/// max).
enum Kind : std::uint32_t {
    kExchange,  ///< both outputs live
    kMin,       ///< only a's output is live: a = min, b left as it was
    kMax,       ///< only b's: b = max
    kHandOver,  ///< the first use of a wire the network before left: read there, not copied
    kEnd,       ///< (bound code) the end
};

/// One network's comparators as the interpreter runs them: runs of one kind,
/// each {kind, count, then per comparator the byte offsets of its wires in
/// the arena: a and b, or for kHandOver the two read and the two written}.
using Code = std::vector<std::uint32_t>;

/// Where a network's wires are in the arena (all networks' states, B
/// vectors per wire): its own wire w at wire base + w; its wires x <
/// from->size() start as wire (*from)[x] of the network before it, at
/// from_base.
struct Place {
    int base = 0;
    const Wires* from = nullptr;
    int from_base = 0;
};

/// One comparator of L placed in the arena: the wires it reads and writes.
struct Placed {
    Kind kind = kExchange;
    int ra = 0, rb = 0, wa = 0, wb = 0;
};

/// The comparators of L (on `wires` wires, `live` its outputs) placed at
/// `at`: a comparator with one live output computes only that one (kMin,
/// kMax); one that first uses a wire handed over reads it where the network
/// before left it (kHandOver), which replaces copying the candidates.
std::vector<Placed> place(const Ops& L, int wires, const Wires& live_out, const Place& at) {
    std::vector<Placed> P(L.size());
    std::vector<bool> live(static_cast<std::size_t>(wires), false);
    for (int w : live_out) live[static_cast<std::size_t>(w)] = true;
    for (std::size_t o = L.size(); o-- > 0;) {
        const auto a = static_cast<std::size_t>(L[o][0]), b = static_cast<std::size_t>(L[o][1]);
        P[o].kind = live[a] && live[b] ? kExchange : live[a] ? kMin : kMax;
        live[a] = live[b] = true;
    }
    const int handed = at.from ? static_cast<int>(at.from->size()) : 0;
    std::vector<bool> used(static_cast<std::size_t>(wires), false);
    auto read = [&](int w, bool& from_before) {
        from_before = w < handed && !used[static_cast<std::size_t>(w)];
        used[static_cast<std::size_t>(w)] = true;
        return from_before ? at.from_base + (*at.from)[static_cast<std::size_t>(w)] : at.base + w;
    };
    for (std::size_t o = 0; o < L.size(); ++o) {
        bool ha = false, hb = false;
        P[o].ra = read(L[o][0], ha);
        P[o].rb = read(L[o][1], hb);
        P[o].wa = at.base + L[o][0];
        P[o].wb = at.base + L[o][1];
        if (ha || hb) P[o].kind = kHandOver;
    }
    // Every live wire handed over is used (each element of a merge meets a
    // comparator, and pruning keeps those of live wires): nothing to copy.
    for (int w : live_out)
        if (w < handed && !used[static_cast<std::size_t>(w)])
            throw std::logic_error("median_filter_large: a live candidate skips the network");
    return P;
}

/// The order to run P in: each comparator after those before it in P on
/// its wires, runs of one kind as long as possible (each run costs a jump),
/// else P's order (its layers: consecutive comparators independent).
std::vector<std::size_t> schedule(const std::vector<Placed>& P, const Ops& L, int wires) {
    const std::size_t n = P.size();
    std::vector<int> pending(n, 0);
    // next[o][e]: the comparator after o on o's wire e.
    std::vector<std::array<std::ptrdiff_t, 2>> next(n, {-1, -1});
    std::vector<std::ptrdiff_t> last(static_cast<std::size_t>(wires), -1);
    for (std::size_t o = 0; o < n; ++o) {
        std::array<std::ptrdiff_t, 2> prev{};
        for (std::size_t e = 0; e < 2; ++e) {
            const int w = L[o][e];
            auto& l = last[static_cast<std::size_t>(w)];
            prev[e] = l;
            if (l >= 0)
                next[static_cast<std::size_t>(l)][L[static_cast<std::size_t>(l)][0] == w ? 0 : 1] =
                    static_cast<std::ptrdiff_t>(o);
            l = static_cast<std::ptrdiff_t>(o);
        }
        pending[o] = (prev[0] >= 0 ? 1 : 0) + (prev[1] >= 0 && prev[1] != prev[0] ? 1 : 0);
    }
    using Ready = std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>>;
    std::array<Ready, 4> ready;
    for (std::size_t o = 0; o < n; ++o)
        if (pending[o] == 0) ready[P[o].kind].push(o);
    std::vector<std::size_t> order;
    order.reserve(n);
    std::size_t kind = 0;
    while (order.size() < n) {
        if (ready[kind].empty())
            for (std::size_t c = 0; c < ready.size(); ++c)
                if (!ready[c].empty() &&
                    (ready[kind].empty() || ready[c].top() < ready[kind].top()))
                    kind = c;
        const std::size_t o = ready[kind].top();
        ready[kind].pop();
        order.push_back(o);
        const auto [s0, s1] = next[o];
        for (std::ptrdiff_t s : {s0, s1 == s0 ? -1 : s1})
            if (s >= 0 && --pending[static_cast<std::size_t>(s)] == 0)
                ready[P[static_cast<std::size_t>(s)].kind].push(static_cast<std::size_t>(s));
    }
    return order;
}

/// L placed at `at` as Code for wires of `bytes` bytes.
Code encode(const Ops& L, int wires, const Wires& live_out, const Place& at, int bytes) {
    const std::vector<Placed> P = place(L, wires, live_out, at);
    Code code;
    std::size_t count_at = 0;
    Kind kind = kExchange;
    auto off = [&](int w) { code.push_back(static_cast<std::uint32_t>(w * bytes)); };
    for (std::size_t o : schedule(P, L, wires)) {
        const Placed& p = P[o];
        if (code.empty() || p.kind != kind) {
            kind = p.kind;
            code.push_back(kind);
            count_at = code.size();
            code.push_back(0);
        }
        ++code[count_at];
        off(p.ra);
        off(p.rb);
        if (kind == kHandOver) {
            off(p.wa);
            off(p.wb);
        }
    }
    return code;
}

/// The networks of one LargeNet as Code for blocks of B vectors of W bytes.
struct Scaled {
    Code col, core, pair, mid, fin;
};

/// The networks of one box side k, R output rows per pass and groups of G
/// (2 or 4) neighbouring output columns per lane (2-D sharing, Adams
/// section 4): the G boxes of a group share k - G + 1 columns and R
/// consecutive rows share m = k - R + 1 rows, so the `core` of
/// (k - G + 1) x m values serves G R boxes. With G = 4 each half of the group
/// (two boxes) then merges the two more columns its boxes share (`pair`);
/// each box merges its own column (`mid`, serving R rows) and each output
/// its own rows (`fin`).
struct LargeNet {
    int k = 0, R = 0, G = 0, m = 0;  ///< m = k - R + 1 common rows
    int kn4 = 0;                     ///< core candidates handed to pair (G = 4)
    int kn2 = 0;                     ///< candidates handed to mid
    int kn = 0;                      ///< mid candidates handed to fin
    Ops col;                         ///< sorts m wires (one padded column)
    Ops core;     ///< on (k - G + 1) * m wires: wire c * m + r is rank r of box column c + G - 1
    Wires top;    ///< core wire of candidate x (of pair's if G = 4, else of mid's)
    Ops pair;     ///< G = 4: wires 0 .. kn4 - 1 the candidates, then two sorted columns
    Wires need2;  ///< pair wire of mid candidate x (G = 4)
    Ops mid;      ///< wires 0 .. kn2 - 1 the candidates, then the own column's m ranks
    Wires need;   ///< mid wire of fin candidate x
    Ops fin;      ///< wires 0 .. kn - 1 the candidates, then R - 1 rows of k
    int out = 0;  ///< fin's median wire
    /// The arena (in wires): core (also the column sort's state), pair, mid
    /// and fin's states at wires 0, at_pair, at_mid, at_fin.
    int at_pair = 0, at_mid = 0, at_fin = 0, arena = 0;
    /// Compare-exchanges, loads and candidates handed over per output vector.
    double cost = 0;
    /// Code per B = 1, 2, 4, 8 and W = 16, 32, 64, built when first used.
    std::array<std::array<std::unique_ptr<Scaled>, 3>, 4> by_block;
};

/// The ranks lo .. hi of a sorted wire list that can still be the median
/// (rank t of k * k) once `add` more values join: a value of rank x has x
/// values below it in every box, so x > t can not be the median, nor
/// x < t - add.
std::pair<int, int> live_ranks(int t, int add, int count) {
    return {std::max(0, t - add), std::min(count - 1, t)};
}

LargeNet build(int k, int R, int G) {
    LargeNet N;
    N.k = k;
    N.R = R;
    N.G = G;
    N.m = k - R + 1;
    const int m = N.m, t = k * k / 2, extra = (R - 1) * k;
    Wires column;
    for (int r = 0; r < m; ++r) column.push_back(r);
    batcher_sort(column, N.col);
    N.col = layered(N.col, m);
    // core: merge the k - G + 1 sorted columns the whole group shares; the
    // G - 1 other columns of a box and its own rows (extra) are still to come.
    const int shared = k - G + 1, c2 = shared * m;
    std::vector<Wires> lists(static_cast<std::size_t>(shared));
    for (int c = 0; c < shared; ++c)
        for (int r = 0; r < m; ++r) lists[static_cast<std::size_t>(c)].push_back(c * m + r);
    Ops core;
    const Wires merged = merge_all(lists, core);
    const auto [lo4, hi4] = live_ranks(t, (G - 1) * m + extra, c2);
    for (int x = lo4; x <= hi4; ++x) N.top.push_back(merged[static_cast<std::size_t>(x)]);
    N.core = layered(prune(core, c2, N.top), c2);
    int lo2 = lo4;
    Wires kept;
    if (G == 4) {
        // pair: the core's candidates (ranks lo4 + x) and two more columns.
        N.kn4 = static_cast<int>(N.top.size());
        for (int x = 0; x < N.kn4; ++x) kept.push_back(x);
        std::vector<Wires> two(2);
        for (int e = 0; e < 2; ++e)
            for (int r = 0; r < m; ++r)
                two[static_cast<std::size_t>(e)].push_back(N.kn4 + e * m + r);
        Ops pair;
        const Wires both = batcher_merge(kept, merge_all(two, pair), pair);
        const auto [lo, hi] = live_ranks(t, m + extra, (k - 1) * m);
        for (int x = lo; x <= hi; ++x) N.need2.push_back(both[static_cast<std::size_t>(x - lo4)]);
        N.pair = layered(prune(pair, N.kn4 + 2 * m, N.need2), N.kn4 + 2 * m);
        lo2 = lo;
        N.kn2 = static_cast<int>(N.need2.size());
    } else {
        N.kn2 = static_cast<int>(N.top.size());
    }
    // mid: the candidates (ranks lo2 + x) and the own column; merged
    // position p is rank lo2 + p of the k * m common values for every rank
    // that can still be the median.
    Wires own;
    kept.clear();
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
    N.at_pair = c2;
    N.at_mid = N.at_pair + (G == 4 ? N.kn4 + 2 * m : 0);
    N.at_fin = N.at_mid + N.kn2 + m;
    N.arena = N.at_fin + N.kn + extra;
    // Per output: the column sort (shared by R rows), the core and its
    // loads (G R boxes), pair and its candidates (2 R boxes), mid and its
    // candidates (R rows), fin and its candidates.
    N.cost = static_cast<double>(N.col.size() + m) / R +
             static_cast<double>(N.core.size() + c2) / (G * R) +
             (G == 4 ? static_cast<double>(N.pair.size() + N.kn4 + 2 * m) / (2 * R) : 0.0) +
             static_cast<double>(N.mid.size() + N.kn2 + m) / R +
             static_cast<double>(N.fin.size() + N.kn + extra);
    return N;
}

std::mutex nets_mutex;

// The builders below are called from the kernels, which are flattened into
// one function per level (with_vector_width): noinline keeps one compiled
// copy of them instead of one inlined per kernel (compile time, and the
// sanitizers' instrumentation of those giant functions).

/// The cheapest R for side k and groups of G columns, built once per process.
[[gnu::noinline]] LargeNet& net_for(int k, int G) {
    static std::array<std::array<std::unique_ptr<LargeNet>, kLargeBoxMax + 1>, 2> nets;
    const std::lock_guard<std::mutex> lock(nets_mutex);
    auto& slot = nets[G == 4 ? 1 : 0][static_cast<std::size_t>(k)];
    if (!slot) {
        auto best = std::make_unique<LargeNet>(build(k, 2, G));
        for (int R = 3; R <= 6; ++R) {
            auto n = std::make_unique<LargeNet>(build(k, R, G));
            if (n->cost < best->cost) best = std::move(n);
        }
        slot = std::move(best);
    }
    return *slot;
}

/// N's comparator lists for blocks of B vectors of W bytes, built once per
/// (k, G, B, W).
[[gnu::noinline]] const Scaled& scaled_for(LargeNet& N, int B, int W) {
    const std::lock_guard<std::mutex> lock(nets_mutex);
    auto& slot =
        N.by_block[static_cast<std::size_t>(std::countr_zero(static_cast<unsigned>(B)))]
                  [static_cast<std::size_t>(std::countr_zero(static_cast<unsigned>(W)) - 4)];
    const int bytes = B * W;
    if (!slot) {
        const int m = N.m;
        Wires column(static_cast<std::size_t>(m));
        for (int r = 0; r < m; ++r) column[static_cast<std::size_t>(r)] = r;
        const Wires& cand = N.G == 4 ? N.need2 : N.top;
        slot = std::make_unique<Scaled>(Scaled{
            encode(N.col, m, column, {}, bytes),
            encode(N.core, (N.k - N.G + 1) * m, N.top, {}, bytes),
            encode(N.pair, N.kn4 + 2 * m, N.need2, {N.at_pair, &N.top, 0}, bytes),
            encode(N.mid, N.kn2 + m, N.need, {N.at_mid, &cand, N.G == 4 ? N.at_pair : 0}, bytes),
            encode(N.fin, N.kn + (N.R - 1) * N.k, {N.out}, {N.at_fin, &N.need, N.at_mid}, bytes)});
    }
    return *slot;
}

// Vectors of W bytes and their unaligned load: the network kernels' own.
using net::load;
using net::Vec;

/// One comparator of kind Kd (not kHandOver) on B vectors per wire: per
/// vector, two loads, the min and/or max and their stores, with no spills.
/// (restrict holds for one call: its two wires differ; consecutive calls may
/// share wires, and GCC keeps the order between inlined calls.)
template <Kind Kd, int B, class V>
[[gnu::always_inline]] inline void compare_exchange(V* __restrict x, V* __restrict y) noexcept {
#pragma GCC unroll 16
    for (int u = 0; u < B; ++u) {
        const V p = x[u], q = y[u];
        if constexpr (Kd != kMax) x[u] = p < q ? p : q;
        if constexpr (Kd != kMin) y[u] = p < q ? q : p;
    }
}

/// A kHandOver comparator: reads x and y, writes the min to xo and the max
/// to yo (x is xo, or y is yo, where that wire was used before).
template <int B, class V>
[[gnu::always_inline]] inline void hand_over(const V* x, const V* y, V* xo, V* yo) noexcept {
#pragma GCC unroll 16
    for (int u = 0; u < B; ++u) {
        const V p = x[u], q = y[u];
        xo[u] = p < q ? p : q;
        yo[u] = p < q ? q : p;
    }
}

/// Code bound to an arena: the offsets turned into addresses, so that the
/// interpreter loads a wire's address and adds nothing (an add per wire was
/// about a tenth of its instructions at k = 10).
using Bound = std::vector<std::uintptr_t>;

/// Appends `code` bound to the arena at `base` to `out`; returns where it
/// starts.
[[gnu::noinline]] std::size_t bind(const Code& code, const void* base, Bound& out) {
    const std::size_t start = out.size();
    const auto at = reinterpret_cast<std::uintptr_t>(base);
    for (std::size_t p = 0; p < code.size();) {
        const std::uint32_t kind = code[p], n = code[p + 1];
        out.push_back(kind);
        out.push_back(n);
        const std::size_t wires = n * (kind == kHandOver ? 4u : 2u);
        for (std::size_t w = 0; w < wires; ++w) out.push_back(at + code[p + 2 + w]);
        p += 2 + wires;
    }
    out.push_back(kEnd);
    out.push_back(0);  // the end is a whole entry: run_code reads both words first
    return start;
}

/// Runs the run of n comparators of kind Kd at ops; returns the end of the
/// run. Two comparators per loop step (one per step ran about a fifth more
/// instructions in all at k = 10; four per step ran more than two);
/// kHandOver, with four wires each, one per step.
template <Kind Kd, int B, class V>
[[gnu::always_inline]] inline const std::uintptr_t* run_kind(const std::uintptr_t* ops,
                                                             std::uintptr_t n) noexcept {
    auto at = [](std::uintptr_t address) { return reinterpret_cast<V*>(address); };
    if constexpr (Kd == kHandOver) {
        for (std::uintptr_t o = 0; o < n; ++o, ops += 4)
            hand_over<B>(at(ops[0]), at(ops[1]), at(ops[2]), at(ops[3]));
    } else {
        std::uintptr_t o = 0;
        for (; o + 2 <= n; o += 2, ops += 4) {
            compare_exchange<Kd, B>(at(ops[0]), at(ops[1]));
            compare_exchange<Kd, B>(at(ops[2]), at(ops[3]));
        }
        if (o < n) {
            compare_exchange<Kd, B>(at(ops[0]), at(ops[1]));
            ops += 2;
        }
    }
    return ops;
}

/// Runs bound code, B vectors per wire.
template <int B, class V>
[[gnu::always_inline]] inline void run_code(const std::uintptr_t* p) noexcept {
    for (;;) {
        const std::uintptr_t kind = p[0], n = p[1];
        p += 2;
        switch (kind) {
            case kExchange:
                p = run_kind<kExchange, B, V>(p, n);
                break;
            case kMin:
                p = run_kind<kMin, B, V>(p, n);
                break;
            case kMax:
                p = run_kind<kMax, B, V>(p, n);
                break;
            case kHandOver:
                p = run_kind<kHandOver, B, V>(p, n);
                break;
            default:
                return;
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

/// Scratch of `bytes` bytes aligned to W, reused by the thread.
template <int W>
[[gnu::noinline]] void* scratch(std::vector<unsigned char>& buf, std::size_t bytes) {
    if (buf.size() < bytes + W) buf.resize(bytes + W);
    auto p = reinterpret_cast<std::uintptr_t>(buf.data());
    return reinterpret_cast<void*>((p + W - 1) / W * W);
}

/// The n keys at src apart: even entries to ev, odd ones to od, each filled
/// with zeros up to hl entries (they feed only discarded outputs).
template <class V, class K, class Seq>
[[gnu::always_inline]] inline void deinterleave(const K* __restrict src, index_t n,
                                                K* __restrict ev, K* __restrict od, index_t hl,
                                                Seq seq) noexcept {
    constexpr index_t lanes = sizeof(V) / sizeof(K);
    const index_t whole = n / 2;
    index_t q = 0;
    for (; q + lanes <= whole; q += lanes) {
        V e, o;
        split_pair(src + 2 * q, e, o, seq);
        std::memcpy(ev + q, &e, sizeof(V));
        std::memcpy(od + q, &o, sizeof(V));
    }
    for (; q < whole; ++q) {
        ev[q] = src[2 * q];
        od[q] = src[2 * q + 1];
    }
    std::fill(ev + whole, ev + hl, K{});
    std::fill(od + whole, od + hl, K{});
    if (n % 2) ev[whole] = src[n - 1];
}

/// The inverse: ev[0], od[0], ev[1], od[1] ... as n keys at dst.
template <class V, class K, class Seq>
[[gnu::always_inline]] inline void interleave(K* __restrict dst, index_t n, const K* __restrict ev,
                                              const K* __restrict od, Seq seq) noexcept {
    constexpr index_t lanes = sizeof(V) / sizeof(K);
    index_t q = 0;
    for (; 2 * (q + lanes) <= n; q += lanes)
        join_pair(dst + 2 * q, load<V>(ev + q), load<V>(od + q), seq);
    for (; q < n / 2; ++q) {
        dst[2 * q] = ev[q];
        dst[2 * q + 1] = od[q];
    }
    if (n % 2) dst[n - 1] = ev[n / 2];
}

/// One tile: groups of G (2 or 4) neighbouring output columns are the
/// lanes, so the padded tile is first split into its G phases of columns
/// (`split`: padded row p, phase a at split + (G p + a) * hl; G = 4 splits
/// twice), and box column c of group P is entry P + c / G of phase c % G.
/// Medians are gathered per pass in `got` (row y, phase a at
/// got + (G y + a) * hl) and interleaved into the output.
template <class K, int W, int B>
FASTCPP_MEDIAN_KERNEL void large_kernel(const Tile<K>& tile, LargeNet& N) {  // allocates
    using V = Vec<K, W>;
    constexpr index_t lanes = W / static_cast<index_t>(sizeof(K));
    constexpr index_t span = B * lanes;  // groups per block
    const Tile<K> t = tile;
    const Scaled& S = scaled_for(N, B, W);
    constexpr auto lane_seq = std::make_index_sequence<static_cast<std::size_t>(lanes)>{};
    const int k = N.k, R = N.R, G = N.G, m = N.m, kn4 = N.kn4, kn2 = N.kn2, kn = N.kn;
    const int shared = k - G + 1;
    const index_t groups = (t.cols + G - 1) / G;
    const index_t pw = t.cols + k - 1;  // padded columns the boxes read
    // Entries per phase row: the last block's reach (groups rounded up to
    // span, + (k + G - 2) / G + 1), in whole blocks.
    const index_t main = (groups + span - 1) / span * span, reach = (k + G - 2) / G;
    const index_t hl = main + (reach + span) / span * span;
    // `halves` (G = 4): a padded row's ceil(pw / 2) even columns at 0, its
    // odd ones at `half`, between the two splits; an output row's halves
    // (t.cols <= pw) on the way back. Nothing reads or writes past them:
    // (de)interleave take whole vectors only while they fit, then keys.
    const index_t half = (pw + 1) / 2;
    const index_t prows = t.rows + k - 1;
    thread_local std::vector<unsigned char> pbuf, sbuf, gbuf, hbuf, abuf;
    K* split =
        static_cast<K*>(scratch<W>(pbuf, static_cast<std::size_t>(G * prows * hl) * sizeof(K)));
    K* sorted = static_cast<K*>(scratch<W>(sbuf, static_cast<std::size_t>(G * m * hl) * sizeof(K)));
    K* got = static_cast<K*>(scratch<W>(gbuf, static_cast<std::size_t>(G * R * hl) * sizeof(K)));
    K* halves = static_cast<K*>(scratch<W>(hbuf, static_cast<std::size_t>(2 * half) * sizeof(K)));
    V* arena = static_cast<V*>(scratch<W>(abuf, static_cast<std::size_t>(N.arena * B) * sizeof(V)));
    V* const cs = arena;  // the column sort's and the core's state
    V* const qs = arena + N.at_pair * B;
    V* const ms = arena + N.at_mid * B;
    V* const fs = arena + N.at_fin * B;
    thread_local Bound bound;
    bound.clear();
    const std::size_t at_col = bind(S.col, arena, bound), at_core = bind(S.core, arena, bound),
                      at_pair = bind(S.pair, arena, bound), at_mid = bind(S.mid, arena, bound),
                      at_fin = bind(S.fin, arena, bound);
    const std::uintptr_t* const code = bound.data();
    for (index_t p = 0; p < prows; ++p) {
        const K* src = t.pad + p * t.pad_stride;
        K* ph = split + G * p * hl;
        if (G == 2) {
            deinterleave<V>(src, pw, ph, ph + hl, hl, lane_seq);
        } else {  // columns 4q, 4q + 2 from the even half, 4q + 1, 4q + 3 from the odd
            deinterleave<V>(src, pw, halves, halves + half, half, lane_seq);
            deinterleave<V>(halves, (pw + 1) / 2, ph, ph + 2 * hl, hl, lane_seq);
            deinterleave<V>(halves + half, pw / 2, ph + hl, ph + 3 * hl, hl, lane_seq);
        }
    }
    // Phase c % G and entry c / G of column c >= 0 (G = 2 or 4: no division)
    const int g_shift = G == 4 ? 2 : 1;
    auto row_of = [&](index_t p, index_t c) {
        return split + (G * p + (c & (G - 1))) * hl + (c >> g_shift);
    };
    for (index_t i = 0; i < t.rows; i += R) {
        // Sort the common rows i + R - 1 .. i + k - 1 of every padded column:
        // whole blocks up to the last group's block, then the few entries
        // past it that the last block's boxes reach, one vector at a time
        // (the first vector of each wire's block: the same comparator list).
        for (int a = 0; a < G; ++a) {
            index_t q = 0;
            for (; q < main; q += span) {
                for (int r = 0; r < m; ++r) {
                    const K* src = row_of(i + r + R - 1, a) + q;
#pragma GCC unroll 16
                    for (int u = 0; u < B; ++u) cs[r * B + u] = load<V>(src + u * lanes);
                }
                run_code<B, V>(code + at_col);
                for (int r = 0; r < m; ++r) {
                    K* dst = sorted + (G * r + a) * hl + q;
#pragma GCC unroll 16
                    for (int u = 0; u < B; ++u)
                        std::memcpy(dst + u * lanes, &cs[r * B + u], sizeof(V));
                }
            }
            for (; q < main + reach; q += lanes) {
                for (int r = 0; r < m; ++r) cs[r * B] = load<V>(row_of(i + r + R - 1, a) + q);
                run_code<1, V>(code + at_col);
                for (int r = 0; r < m; ++r)
                    std::memcpy(sorted + (G * r + a) * hl + q, &cs[r * B], sizeof(V));
            }
        }
        auto sorted_of = [&](int r, index_t c) {
            return sorted + (G * r + (c & (G - 1))) * hl + (c >> g_shift);
        };
        // The sorted column c (m ranks) to wires w, w + 1 ... of state s.
        auto load_column = [&](V* s, int w, index_t c, index_t j) {
            for (int r = 0; r < m; ++r) {
                const K* src = sorted_of(r, c) + j;
#pragma GCC unroll 16
                for (int u = 0; u < B; ++u) s[(w + r) * B + u] = load<V>(src + u * lanes);
            }
        };
        const int nrows = static_cast<int>(std::min<index_t>(R, t.rows - i));
        for (index_t j = 0; j < groups; j += span) {
            for (int c = 0; c < shared; ++c) load_column(cs, c * m, G - 1 + c, j);
            run_code<B, V>(code + at_core);
            for (int h = 0; h < G / 2; ++h) {  // boxes 2h and 2h + 1
                if (G == 4) {                  // the two more columns boxes 2h and 2h + 1 share
                    load_column(qs, kn4, h == 0 ? 1 : k, j);
                    load_column(qs, kn4 + m, h == 0 ? 2 : k + 1, j);
                    run_code<B, V>(code + at_pair);
                }
                for (int a = 0; a < 2; ++a) {
                    const int b = 2 * h + a;  // box columns b .. b + k - 1 of the group
                    load_column(ms, kn2, 2 * h + a * k, j);
                    run_code<B, V>(code + at_mid);
                    for (int y = 0; y < nrows; ++y) {
                        // The box's own rows: above the common ones, then below.
                        for (int e = 0; e < R - 1; ++e) {
                            const index_t p = e < R - 1 - y ? i + y + e : i + k + (e - (R - 1 - y));
                            for (int c = 0; c < k; ++c) {
                                const K* src = row_of(p, b + c) + j;
#pragma GCC unroll 16
                                for (int u = 0; u < B; ++u)
                                    fs[(kn + e * k + c) * B + u] = load<V>(src + u * lanes);
                            }
                        }
                        run_code<B, V>(code + at_fin);
                        K* dst = got + (G * y + b) * hl + j;
#pragma GCC unroll 16
                        for (int u = 0; u < B; ++u)
                            std::memcpy(dst + u * lanes, &fs[N.out * B + u], sizeof(V));
                    }
                }
            }
        }
        for (int y = 0; y < nrows; ++y) {
            K* dst = t.out + (i + y) * t.out_stride;
            const K* ph = got + G * y * hl;
            if (G == 2) {
                interleave<V>(dst, t.cols, ph, ph + hl, lane_seq);
            } else {  // the even output columns from phases 0 and 2, the odd from 1 and 3
                interleave<V>(halves, (t.cols + 1) / 2, ph, ph + 2 * hl, lane_seq);
                interleave<V>(halves + half, t.cols / 2, ph + hl, ph + 3 * hl, lane_seq);
                interleave<V>(dst, t.cols, halves, halves + half, lane_seq);
            }
        }
    }
}

/// Groups of G = 4 columns per lane where the tile still fills blocks of
/// at least 3 vectors (the core then serves 4R boxes: at k = 10 about 165
/// compare-exchanges per output instead of 210), else pairs (G = 2: narrow
/// tiles, fewer blocks lose more to decoding each comparator). Blocks of B
/// vectors whose core state ((k - G + 1) * m wires) stays within ~40 KiB (L1
/// holds 48 KiB on recent x86): the more vectors per decoded comparator, the
/// fewer instructions per compare-exchange; but no more blocks than the
/// tile's column groups fill. Blocks of one vector only with 64-byte vectors
/// (for k >= ~21); with narrower ones a tile of one vector of groups takes a
/// block of two (half of it discarded: such tiles are small), which saves
/// compiling a kernel per key and level. MaxB: the largest block compiled.
template <class K, int W, int MaxB = 8>
FASTCPP_MEDIAN_KERNEL void large_at(const Tile<K>& t) {
    constexpr index_t lanes = W / static_cast<index_t>(sizeof(K));
    auto vectors_at = [&](index_t G) {
        return static_cast<std::size_t>(((t.cols + G - 1) / G + lanes - 1) / lanes);
    };
    // 8-bit keys, 257 ... 512 columns: two 64-byte vectors of groups of four,
    // too few for them (else pairs); 32-byte vectors fill three or four, and
    // with groups of four beat 64-byte ones with pairs (512 x 512 uint8,
    // k = 10 at x86-64-v4: 1.69 ms with pairs, 1.14 ms so). Blocks of at most
    // 4 vectors there: two kernels more to compile, not three.
    if constexpr (W == 64 && sizeof(K) == 1)
        if (vectors_at(4) == 2) return large_at<K, 32, 4>(t);
    const int G = vectors_at(4) >= 3 ? 4 : 2;
    LargeNet& N = net_for(static_cast<int>(t.kr), G);
    const std::size_t wires = static_cast<std::size_t>((N.k - G + 1) * N.m);
    const std::size_t vectors = vectors_at(G);
    auto fits = [&](std::size_t B) {
        return wires * B * W <= 40960 && (B == 1 || vectors > B / 2);
    };
    if constexpr (MaxB >= 8)
        if (fits(8)) return large_kernel<K, W, 8>(t, N);
    if (fits(4))
        large_kernel<K, W, 4>(t, N);
    else if constexpr (W < 64)  // never beyond L1 here: B = 1 only for tiny tiles
        large_kernel<K, W, 2>(t, N);
    else if (fits(2))
        large_kernel<K, W, 2>(t, N);
    else
        large_kernel<K, W, 1>(t, N);
}

}  // namespace

template <class K>
void large_box_tile(const Tile<K>& t) {
    with_vector_width([&]<int W>() { large_at<K, W>(t); });
}

template void large_box_tile(const Tile<std::uint8_t>&);
template void large_box_tile(const Tile<std::uint32_t>&);

}  // namespace fastcpp::median_detail
