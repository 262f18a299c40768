// Exponential moving average (pandas ewm().mean() recursion).
#include "fastcpp/ema.hpp"
#include "intake.hpp"
#include "register.hpp"

namespace fastcpp::bind {

void register_ema(py::module_& m) {
    m.def(
        "ema",
        [](const py::object& a, double alpha, int axis, bool adjust) {
            return map_rows("ema", a, axis, py::none(), [&](auto in, auto out) {
                fastcpp::ema(in, out, alpha, adjust);
            });
        },
        py::arg("a"), py::arg("alpha"), py::kw_only(), py::arg("axis") = -1,
        py::arg("adjust") = false, R"pbdoc(ema(a, alpha, *, axis=-1, adjust=False)

Exponential moving average along an axis: the recursion of pandas
``Series.ewm(alpha=alpha, adjust=adjust, ignore_na=False, min_periods=0).mean()``.
Leading NaNs stay NaN; a NaN step repeats the last value and still decays the
old weight. With adjust=False and no NaN this is y = alpha*x + (1-alpha)*y.

Note the default adjust=False differs from pandas' default (adjust=True).
Differences from pandas: +-inf follow IEEE arithmetic (pandas treats inf as
missing); the recursion itself is the reference, so pandas 3.0-3.1.1's
deviation at alpha=0.5 with NaN gaps is not copied.

Parameters
----------
a : array_like
    At least 1-D; float32 gives float32 (float64 state), ints/bool float64.
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
)pbdoc");
}

}  // namespace fastcpp::bind
