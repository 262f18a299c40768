// Exponentially weighted family: one Python function per row of the core's
// table (ema_family()); ema is pandas' ewm().mean() recursion.
#include <string>

#include "args.hpp"
#include "fastcall.hpp"
#include "fastcpp/ema.hpp"
#include "intake.hpp"
#include "register.hpp"

namespace fastcpp::bind {

namespace {

py::object ema_call(const void* data, const py::handle* args) {
    const auto& member = *static_cast<const EmaMember*>(data);
    const char* func = member.name;
    const double alpha = real_arg(func, "alpha", args[1]);
    const index_t axis = args[2] ? axis_arg(func, args[2]) : -1;
    const bool adjust = args[3] ? bool_arg(func, "adjust", args[3]) : false;
    return map_rows<1>(
        func, args[0], axis, py::none(),
        [&](index_t length) {
            check_ema(alpha);
            return length;
        },
        [&](auto in, auto outs) { fastcpp::ema_stat(member.stat, in, outs[0], alpha, adjust); });
}

constexpr const char* kParams = R"pbdoc(
Parameters
----------
a : array_like
    At least 1-D; float32 gives float32 and float16 float16 (float64 state),
    ints/bool float64.
alpha : float
    Smoothing factor, 0 < alpha <= 1.
axis : int
    Axis along which to average (default -1).
adjust : bool
    pandas' adjust: weights (1-alpha)**k normalised over the observations
    seen so far (True) or the classic recursion (False, default).

Returns
-------
ndarray
    Same shape as a.

Raises
------
ValueError
    If alpha is not in (0, 1] (NaN and inf included) or a is 0-d.
TypeError
    For unsupported dtypes.

Examples
--------
>>> fastcpp.ema([np.nan, 2, np.nan, np.nan, 8, 4], 0.3).round(6)
array([     nan, 2.      , 2.      , 2.      , 4.799378, 4.559565])
)pbdoc";

}  // namespace

void register_ema(py::module_& m) {
    for (const EmaMember& member : ema_family())
        def_fast(m,
                 Signature{member.name, {}, {}, 0}
                     .param("a")
                     .param("alpha")
                     .param("axis", "-1", true)
                     .param("adjust", "False", true),
                 std::string(member.doc) + kParams, &ema_call, &member);
}

}  // namespace fastcpp::bind
