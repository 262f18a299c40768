// Median filter, cubic 3 x 3 x 3 and 5 x 5 x 5 boxes of 32-bit keys (float32,
// int32, uint32 volumes) on 32- and 64-byte vectors: a separable sorting
// network in three dimensions, after Adams ("Fast median filters using
// separable sorting networks", ACM TOG 40(4), 2021), with SIMD lanes across
// output columns. Each padded row is sorted along x once (shared by the k x k
// windows that contain that run of k), the x-ranks along y once per output
// row and plane (shared by the k windows along z); two output planes then
// share the k - 1 planes their windows have in common (the "core", merged
// once) and each adds its own plane (the "fin"). After the three sorts the
// element of ranks (a, b, c) has at least (a+1)(b+1)(c+1) - 1 values of the
// window below it and (k-a)(k-b)(k-c) - 1 above: elements that cannot reach
// the ranks still needed are dropped before the merges, and the merge
// networks (Batcher's, median_filter_network.hpp) are pruned backwards to the
// wires the median depends on. Its own translation unit: the 5 x 5 x 5 core
// is a large unrolled block, compiled once per vector width.
#include <algorithm>
#include <array>
#include <cstring>
#include <utility>
#include <vector>

#include "median_filter_impl.hpp"
#include "median_filter_network.hpp"

// The 64-byte vectors never cross a non-inlined call, so the ABI note about
// passing them without AVX-512 does not apply.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace fastcpp::median_detail {
namespace {

using namespace net;

/// The networks of the k x k x k median, two output planes at a time.
/// Planes are "tableaux" after the x and y sorts: wire a * k + b holds the
/// value of x-rank a and y-rank b. `core` works on the k - 1 shared planes
/// (wire (a * k + b) * (k - 1) + c: plane c of the shared ones), sorts each
/// (a, b) along z and merges what can still matter into the sorted list of
/// which only ranks t - k*k ... t (t = k*k*k / 2) are needed (`need`,
/// ascending: with the k*k values of a window's own plane added, a lower
/// core rank has at most t - 1 values below it in the window, a higher one
/// at least t + 1). `fin` merges those k*k + 1 values (wires 0 ... k*k) with
/// one plane's tableau (wires k*k + 1 + a * k + b) and selects rank k*k of
/// the union: the window's median, on wire `out`.
/// An op list in an order that keeps few wires live, and for each op which
/// of its wires it touches first (bit 0: a, bit 1: b): the kernel loads a
/// wire there, not all up front (with 100 wires most would be spilled to the
/// stack straight after their load: 16 vector registers at x86-64-v3).
struct LazyList {
    OpList list;
    std::array<std::uint8_t, 1024> first{};
    std::array<bool, 128> touched{};
};

/// Depth-first post-order of the comparator DAG (each op after the last
/// earlier ops on its two wires): an op's inputs are computed just before it,
/// as in Sethi-Ullman ordering. Wires below `given` hold values on entry.
constexpr LazyList lazy(const OpList& L, int given) {
    const int n = L.count;
    std::array<std::array<int, 2>, 1024> pred{};
    std::array<bool, 1024> has_succ{}, done{};
    std::array<int, 128> last{};
    std::array<int, 1024> depth{};
    last.fill(-1);
    for (int i = 0; i < n; ++i) {
        const Op o = L.ops[static_cast<std::size_t>(i)];
        pred[static_cast<std::size_t>(i)] = {last[o.a], last[o.b]};
        for (int p : pred[static_cast<std::size_t>(i)])
            if (p >= 0) has_succ[static_cast<std::size_t>(p)] = true;
        last[o.a] = last[o.b] = i;
        int d = 0;  // longest chain of ops ending here
        for (int p : pred[static_cast<std::size_t>(i)])
            if (p >= 0) d = std::max(d, depth[static_cast<std::size_t>(p)]);
        depth[static_cast<std::size_t>(i)] = d + 1;
    }
    LazyList out;
    std::array<int, 1024> stack{};
    for (int root = 0; root < n; ++root) {
        if (has_succ[static_cast<std::size_t>(root)]) continue;
        int sp = 0;
        stack[static_cast<std::size_t>(sp++)] = root;
        while (sp > 0) {  // the stack is a path of the DAG: at most n deep
            const int i = stack[static_cast<std::size_t>(sp - 1)];
            if (done[static_cast<std::size_t>(i)]) {
                --sp;
                continue;
            }
            int next = -1;  // the deeper input first (Sethi-Ullman)
            for (int p : pred[static_cast<std::size_t>(i)])
                if (p >= 0 && !done[static_cast<std::size_t>(p)] &&
                    (next < 0 ||
                     depth[static_cast<std::size_t>(p)] > depth[static_cast<std::size_t>(next)]))
                    next = p;
            if (next >= 0) {
                stack[static_cast<std::size_t>(sp++)] = next;
                continue;
            }
            done[static_cast<std::size_t>(i)] = true;
            const Op o = L.ops[static_cast<std::size_t>(i)];
            auto& f = out.first[static_cast<std::size_t>(out.list.count)];
            if (o.a >= given && !out.touched[o.a]) f |= 1;
            if (o.b >= given && !out.touched[o.b]) f |= 2;
            out.touched[o.a] = out.touched[o.b] = true;
            out.list.ops[static_cast<std::size_t>(out.list.count++)] = o;
            --sp;
        }
    }
    return out;
}

struct CubeNet {
    OpList line;  ///< full sort of k wires (the x and y sorts)
    LazyList core;
    std::array<std::uint8_t, 32> need{};
    LazyList fin;
    int out = 0;
};

/// Merges sorted wire lists pairwise, shortest first (as pair_net).
constexpr Wires merge_lists(std::array<Wires, 32>& lists, int nl, OpList& L) {
    while (nl > 1) {
        std::sort(lists.begin(), lists.begin() + nl,
                  [](const Wires& x, const Wires& y) { return x.n < y.n; });
        lists[0] = merge_ops(lists[0], lists[1], L);
        lists[1] = lists[static_cast<std::size_t>(nl - 1)];
        --nl;
    }
    return lists[0];
}

constexpr CubeNet cube_net(int k) {
    CubeNet N;
    const int m = k - 1, kk = k * k, t = kk * k / 2;
    const int core_n = kk * m, need_lo = t - kk;
    Wires line;
    for (int i = 0; i < k; ++i) line.push(i);
    batcher_ops(line, N.line);
    // Core: sort each (a, b) along z, keep what can rank in need_lo ... t.
    OpList core;
    std::array<Wires, 32> lists{};
    int nl = 0, below_dropped = 0;
    for (int a = 0; a < k; ++a)
        for (int b = 0; b < k; ++b) {
            Wires z;
            for (int c = 0; c < m; ++c) z.push((a * k + b) * m + c);
            batcher_ops(z, core);
            Wires kept;
            for (int c = 0; c < m; ++c) {
                const int below = (a + 1) * (b + 1) * (c + 1) - 1;
                const int above = (k - a) * (k - b) * (m - c) - 1;
                if (below > t) continue;  // core rank above t
                if (above >= core_n - need_lo) {
                    ++below_dropped;  // core rank below need_lo
                    continue;
                }
                kept.push((a * k + b) * m + c);
            }
            if (kept.n > 0) lists[static_cast<std::size_t>(nl++)] = kept;
        }
    const Wires merged = merge_lists(lists, nl, core);
    std::array<bool, 128> live{};
    for (int x = 0; x <= kk; ++x) {
        const int w = merged[need_lo + x - below_dropped];
        N.need[static_cast<std::size_t>(x)] = static_cast<std::uint8_t>(w);
        live[static_cast<std::size_t>(w)] = true;
    }
    N.core = lazy(prune(core, live), 0);
    // Fin: the needed core values (sorted) and the tableau's rows along y.
    OpList fin;
    std::array<Wires, 32> fl{};
    for (int x = 0; x <= kk; ++x) fl[0].push(x);
    for (int a = 0; a < k; ++a)
        for (int b = 0; b < k; ++b) fl[static_cast<std::size_t>(a + 1)].push(kk + 1 + a * k + b);
    const Wires all = merge_lists(fl, k + 1, fin);
    N.out = all[kk];
    std::array<bool, 128> want{};
    want[static_cast<std::size_t>(N.out)] = true;
    N.fin = lazy(prune(fin, want), kk + 1);
    return N;
}

template <int k>
struct CubeNetOf {
    static constexpr CubeNet value = cube_net(k);
};
static_assert(CubeNetOf<3>::value.fin.touched[CubeNetOf<3>::value.out]);
static_assert(CubeNetOf<5>::value.fin.touched[CubeNetOf<5>::value.out]);

template <const OpList& L, class V>
[[gnu::always_inline]] inline void run_all(V* r) noexcept {
    run_list<L>(r, std::make_index_sequence<static_cast<std::size_t>(L.count)>{});
}

/// Runs a LazyList on r, wire w loaded as ld(integral_constant<w>) where the
/// list first touches it.
template <const LazyList& L, class V, class Ld, std::size_t... I>
[[gnu::always_inline]] inline void run_lazy(V* r, Ld&& ld, std::index_sequence<I...>) noexcept {
    auto step = [&]<std::size_t i>() __attribute__((always_inline)) {
        constexpr Op op = L.list.ops[i];
        if constexpr ((L.first[i] & 1) != 0) r[op.a] = ld(std::integral_constant<int, op.a>{});
        if constexpr ((L.first[i] & 2) != 0) r[op.b] = ld(std::integral_constant<int, op.b>{});
        apply(r, op);
    };
    (step.template operator()<I>(), ...);
}

template <const LazyList& L, class V, class Ld>
[[gnu::always_inline]] inline void run_lazy(V* r, Ld&& ld) noexcept {
    run_lazy<L>(r, ld, std::make_index_sequence<static_cast<std::size_t>(L.list.count)>{});
}

template <class F, int... i>
[[gnu::always_inline]] inline void constexpr_for_impl(F& f, std::integer_sequence<int, i...>) {
    (f.template operator()<i>(), ...);
}

/// f.template operator()<i>() for i = 0 ... n - 1.
template <int n, class F>
[[gnu::always_inline]] inline void constexpr_for(F&& f) {
    constexpr_for_impl(f, std::make_integer_sequence<int, n>{});
}

/// The k x k x k medians of one tile (see CubeTile), keys into t.out.
template <int k, class K, int W>
FASTCPP_MEDIAN_KERNEL void cube_median(const CubeTile<K>& tile) {  // allocates
    using V = Vec<K, W>;
    using N = CubeNetOf<k>;
    constexpr index_t lanes = W / sizeof(K);
    constexpr int m = k - 1, kk = k * k;
    const CubeTile<K> t = tile;  // a local copy: stores through K* cannot alias it
    const index_t tcv = (t.cols + lanes - 1) / lanes * lanes;
    const index_t planes = k + t.group - 1, prows = t.rows + k - 1;
    // sx: every padded row sorted along x, rank a of the run at column j at
    // sx[((q * prows + p) * k + a) * tcv + j]; sy: for one output row, every
    // plane's tableau, value (a, b) of column j at sy[(q * kk + a * k + b) * tcv + j].
    const auto sx_size = static_cast<std::size_t>(planes * prows * k * tcv);
    const auto sy_size = static_cast<std::size_t>(planes * kk * tcv);
    thread_local std::vector<K> buf;
    if (buf.size() < sx_size + sy_size) buf.resize(sx_size + sy_size);
    K* const sx = buf.data();
    K* const sy = sx + sx_size;
    for (index_t q = 0; q < planes; ++q)
        for (index_t p = 0; p < prows; ++p) {
            const K* row = t.pad + (q * prows + p) * t.pad_stride;
            K* dst = sx + (q * prows + p) * k * tcv;
            for (index_t j = 0; j < tcv; j += lanes) {
                V v[k];
#pragma GCC unroll 8
                for (int c = 0; c < k; ++c) v[c] = load<V>(row + j + c);
                run_all<N::value.line>(v);
#pragma GCC unroll 8
                for (int a = 0; a < k; ++a) std::memcpy(dst + a * tcv + j, &v[a], sizeof(V));
            }
        }
    for (index_t i = 0; i < t.rows; ++i) {
        for (index_t q = 0; q < planes; ++q)
            for (int a = 0; a < k; ++a) {
                const K* src = sx + ((q * prows + i) * k + a) * tcv;
                K* dst = sy + (q * kk + a * k) * tcv;
                for (index_t j = 0; j < tcv; j += lanes) {
                    V v[k];
#pragma GCC unroll 8
                    for (int b = 0; b < k; ++b) v[b] = load<V>(src + b * k * tcv + j);
                    run_all<N::value.line>(v);
#pragma GCC unroll 8
                    for (int b = 0; b < k; ++b) std::memcpy(dst + b * tcv + j, &v[b], sizeof(V));
                }
            }
        auto fin = [&](const V* kept, const K* plane) __attribute__((always_inline)) {
            V f[2 * kk + 1];
#pragma GCC unroll 32
            for (int x = 0; x <= kk; ++x) f[x] = kept[x];
            run_lazy<N::value.fin>(f, [&](auto w) __attribute__((always_inline)) {
                return load<V>(plane + (decltype(w)::value - kk - 1) * tcv);
            });
            return f[N::value.out];
        };
        for (index_t g = 0; g < t.group; g += 2) {
            const bool two = g + 1 < t.group;
            K* out0 = t.out + g * t.out_plane_stride + i * t.out_stride;
            for (index_t j = 0; j < tcv; j += lanes) {
                // Wire (a * k + b) * m + c: value (a, b) of plane g + 1 + c.
                const K* core = sy + (g + 1) * kk * tcv + j;
                auto ld = [&](auto w) __attribute__((always_inline)) {
                    constexpr int c = decltype(w)::value % m, ab = decltype(w)::value / m;
                    return load<V>(core + (c * kk + ab) * tcv);
                };
                V r[kk * m];
                run_lazy<N::value.core>(r, ld);
                V kept[kk + 1];
                constexpr_for<kk + 1>([&]<int x>() __attribute__((always_inline)) {
                    constexpr int w = N::value.need[x];
                    if constexpr (N::value.core.touched[w])
                        kept[x] = r[w];
                    else
                        kept[x] = ld(std::integral_constant<int, w>{});
                });
                const V lo = fin(kept, sy + g * kk * tcv + j);
                std::memcpy(out0 + j, &lo, sizeof(V));
                if (two) {
                    const V hi = fin(kept, sy + (g + k) * kk * tcv + j);
                    std::memcpy(out0 + t.out_plane_stride + j, &hi, sizeof(V));
                }
            }
        }
    }
}

/// Smallest vector width the kernels are compiled for: 32-bit keys have no
/// unsigned min/max on 16-byte vectors (SSE2).
constexpr int kCubeMinWidth = 32;

}  // namespace

index_t cube_max(std::size_t key_bytes) noexcept {
    if (!kUnrolledNetworks || key_bytes != 4 || vector_bytes() < kCubeMinWidth) return 0;
    return kCubeMax;
}

template <class K>
void cube_tile(const CubeTile<K>& t) {
    with_vector_width([&]<int W>() {
        if constexpr (W >= kCubeMinWidth) {
            if (t.k == 3) cube_median<3, K, W>(t);
            if (t.k == 5) cube_median<5, K, W>(t);
        }
    });
}

template void cube_tile(const CubeTile<std::uint32_t>&);

}  // namespace fastcpp::median_detail
