// Exponentially weighted family: one Python function per row of the core's
// table (ema_family()): ema, ema_var, ema_std, ema_cov, ema_corr (pandas'
// ewm().mean()/var()/std()/cov()/corr() recursions). The binding converts
// arguments (times to float64 positions, a timedelta halflife to the unit of
// the times); every value check is the core's (ema_alpha()).
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "args.hpp"
#include "fastcall.hpp"
#include "fastcpp/ema.hpp"
#include "intake.hpp"
#include "register.hpp"

namespace fastcpp::bind {

namespace {

/// The parameters a member may take; slot[p] is its position in the
/// member's signature, or -1 when the member does not take it.
enum P {
    a_,
    b_,
    alpha_,
    span_,
    halflife_,
    com_,
    times_,
    adjust_,
    ignore_na_,
    min_periods_,
    bias_,
    axis_,
    out_,
    kP
};

struct EmaBinding {
    const EmaMember* member;
    Signature sig;
    int slot[kP];
};

EmaBinding binding_of(const EmaMember& m) {
    EmaBinding b{&m, Signature{m.name, {}, {}, 0}, {}};
    for (int& s : b.slot) s = -1;
    auto add = [&](P p, const char* name, const char* def, bool kw_only) {
        b.sig.param(name, def, kw_only);
        b.slot[p] = static_cast<int>(b.sig.names.size()) - 1;
    };
    add(a_, "a", "", false);
    if (m.inputs == 2) add(b_, "b", "", false);
    add(alpha_, "alpha", "None", false);
    add(span_, "span", "None", true);
    add(halflife_, "halflife", "None", true);
    add(com_, "com", "None", true);
    if (m.takes_times) add(times_, "times", "None", true);
    add(adjust_, "adjust", "False", true);
    add(ignore_na_, "ignore_na", "False", true);
    add(min_periods_, "min_periods", "0", true);
    if (m.takes_bias) add(bias_, "bias", "False", true);
    add(axis_, "axis", "-1", true);
    add(out_, "out", "None", true);
    return b;
}

bool is_timedelta(py::handle h) {
    auto np = py::module_::import("numpy");
    auto dt = py::module_::import("datetime");
    return py::isinstance(h, np.attr("timedelta64")) || py::isinstance(h, dt.attr("timedelta"));
}

/// times as float64 positions (datetime64: integer counts of its unit) and
/// the halflife in the same unit; NaT and a mismatched halflife type raise.
py::array times_arg(const char* func, py::handle times, py::handle halflife, EmaOptions& opt) {
    auto np = py::module_::import("numpy");
    py::array t = as_array(func, "times", times);
    if (t.ndim() != 1)
        throw py::value_error(std::string(func) + ": times must be 1-D, got " +
                              std::to_string(t.ndim()) + " dimensions");
    const char kind = t.dtype().kind();
    py::array tf;
    if (kind == 'M') {
        if (np.attr("isnat")(t).attr("any")().cast<bool>())
            throw py::value_error(std::string(func) + ": times contains NaT");
        if (halflife && !halflife.is_none()) {
            if (!is_timedelta(halflife))
                raise_type(func, "halflife",
                           "a timedelta (numpy.timedelta64 or datetime.timedelta) when times "
                           "are datetime64",
                           halflife);
            py::object td = np.attr("timedelta64")(halflife);
            if (np.attr("isnat")(td).cast<bool>())
                throw py::value_error(std::string(func) + ": halflife is NaT");
            py::object unit = np.attr("datetime_data")(t.dtype())[py::int_(0)];
            opt.halflife =
                py::float_(td.attr("__truediv__")(np.attr("timedelta64")(1, unit))).cast<double>();
        }
        tf = t.attr("view")(np.attr("int64")).attr("astype")(np.attr("float64"));
    } else if (kind == 'f' || kind == 'i' || kind == 'u') {
        if (halflife && !halflife.is_none()) {
            if (is_timedelta(halflife))
                raise_type(func, "halflife", "a real number when times are numbers", halflife);
            opt.halflife = real_arg(func, "halflife", halflife);
        }
        tf = np.attr("ascontiguousarray")(t, np.attr("float64"));
    } else {
        throw py::type_error(std::string(func) +
                             ": times must be datetime64 or real numbers, got "
                             "dtype " +
                             py::str(t.dtype()).cast<std::string>());
    }
    opt.times = std::span<const double>(static_cast<const double*>(tf.data()),
                                        static_cast<std::size_t>(tf.size()));
    return tf;
}

/// Two inputs of the same shape along `axis`, K = 1 output (cov, corr):
/// map_rows for pairs. Result dtype by the elementwise rule (float32 when
/// both are float32 or float16, float16 when both are float16).
template <class Kernel>
py::object map_pairs_same_shape(const char* func, py::handle a_obj, py::handle b_obj,
                                index_t axis_arg, py::object out, Kernel&& kernel) {
    const py::array ra = as_array(func, "a", a_obj), rb = as_array(func, "b", b_obj);
    const Real real = result_real(func, {ra, rb}, {"a", "b"}, {false, false});
    if (ra.ndim() == 0)
        throw py::value_error(std::string(func) + ": a must be at least 1-D, got a 0-d array");
    const std::vector<py::ssize_t> shape(ra.shape(), ra.shape() + ra.ndim());
    const std::vector<py::ssize_t> shape_b(rb.shape(), rb.shape() + rb.ndim());
    if (shape != shape_b)
        throw py::value_error(std::string(func) + ": a and b must have the same shape, got " +
                              py::str(ra.attr("shape")).cast<std::string>() + " and " +
                              py::str(rb.attr("shape")).cast<std::string>());
    return bind::map_row_pairs(func, real, ra, rb, normalize_axis(axis_arg, ra.ndim()),
                               std::move(out), kernel);
}

py::object ema_call(const void* data, const py::handle* args) {
    const auto& b = *static_cast<const EmaBinding*>(data);
    const EmaMember& member = *b.member;
    const char* func = member.name;
    auto arg = [&](P p) -> py::handle { return b.slot[p] < 0 ? py::handle() : args[b.slot[p]]; };
    auto given = [&](P p) { return arg(p) && !arg(p).is_none(); };
    EmaOptions opt;
    if (given(alpha_)) opt.alpha = real_arg(func, "alpha", arg(alpha_));
    if (given(span_)) opt.span = real_arg(func, "span", arg(span_));
    if (given(com_)) opt.com = real_arg(func, "com", arg(com_));
    py::array times;  // keeps the float64 positions alive
    if (given(times_)) {
        times = times_arg(func, arg(times_), arg(halflife_), opt);
    } else if (given(halflife_)) {
        if (is_timedelta(arg(halflife_)))
            throw py::value_error(std::string(func) +
                                  ": halflife can be a timedelta only together with times");
        opt.halflife = real_arg(func, "halflife", arg(halflife_));
    }
    if (given(adjust_)) opt.adjust = bool_arg(func, "adjust", arg(adjust_));
    if (given(ignore_na_)) opt.ignore_na = bool_arg(func, "ignore_na", arg(ignore_na_));
    if (arg(min_periods_))
        opt.min_periods = optional_int_arg(func, "min_periods", arg(min_periods_)).value_or(0);
    if (given(bias_)) opt.bias = bool_arg(func, "bias", arg(bias_));
    const index_t axis = arg(axis_) ? axis_arg(func, arg(axis_)) : -1;
    py::object out = given(out_) ? py::reinterpret_borrow<py::object>(arg(out_)) : py::none();
    if (member.inputs == 2) {
        // Checked before anything is allocated: the kernel checks again.
        return map_pairs_same_shape(func, arg(a_), arg(b_), axis, std::move(out),
                                    [&](auto in_a, auto in_b, auto dst) {
                                        fastcpp::ema_stat(member.stat, in_a, in_b, dst, opt);
                                    });
    }
    return map_rows<1>(
        func, arg(a_), axis, std::move(out),
        [&](index_t length) {
            ema_alpha(func, opt, length);
            return length;
        },
        [&](auto in, auto outs) { fastcpp::ema_stat(member.stat, in, in, outs[0], opt); });
}

std::string params_doc(const EmaMember& m) {
    std::string d = "\nParameters\n----------\n";
    d += "a : array_like\n"
         "    At least 1-D; float32 gives float32 and float16 float16 (float64 state),\n"
         "    ints/bool float64.\n";
    if (m.inputs == 2)
        d += "b : array_like\n"
             "    The other series, the shape of a (float32 result when both are float32).\n";
    d += "alpha : float, optional\n"
         "    Smoothing factor, 0 < alpha <= 1. Exactly one of alpha, span, halflife,\n"
         "    com is given.\n"
         "span : float, optional\n"
         "    span >= 1: alpha = 2 / (span + 1).\n";
    d += m.takes_times ? "halflife : float or timedelta, optional\n"
                       : "halflife : float, optional\n";
    d += "    halflife > 0: alpha = 1 - exp(log(0.5) / halflife).";
    if (m.takes_times)
        d += " With times, the time\n"
             "    over which a weight halves (a timedelta for datetime64 times).";
    d += "\ncom : float, optional\n"
         "    Centre of mass, com >= 0: alpha = 1 / (1 + com).\n";
    if (m.takes_times)
        d += "times : array_like, optional\n"
             "    1-D, the length of the axis, non-decreasing (datetime64 or numbers): the\n"
             "    weight of a point decays by 0.5**(dt / halflife); needs halflife.\n";
    d += "adjust : bool\n"
         "    pandas' adjust: weights (1-alpha)**k normalised over the observations\n"
         "    seen so far (True) or the classic recursion (False, default).\n"
         "ignore_na : bool\n"
         "    False (default): weights decay by the position of the points, NaN ones\n"
         "    included; True: by the number of observations (pandas' ignore_na).\n"
         "min_periods : int\n"
         "    Observations needed for a result (else NaN); 0 and 1 are the same.\n";
    if (m.takes_bias)
        d += "bias : bool\n"
             "    False (default): the unbiased estimate, as pandas.\n";
    d += "axis : int\n"
         "    Axis along which to compute (default -1).\n"
         "out : ndarray, optional\n"
         "    Result array: the shape of a and the result dtype.\n"
         "\nReturns\n-------\nndarray\n    Same shape as a.\n"
         "\nRaises\n------\nValueError\n"
         "    Unless exactly one of alpha, span, halflife, com is given; alpha not in\n"
         "    (0, 1], span < 1, halflife <= 0, com < 0 (NaN and inf included);\n"
         "    min_periods < 0; a is 0-d";
    if (m.inputs == 2) d += "; a and b of different shapes";
    if (m.takes_times)
        d += ";\n    times not 1-D, of another length, decreasing, not finite or NaT,\n"
             "    or without halflife";
    d += ".\nTypeError\n    For unsupported dtypes or argument types.\n";
    return d;
}

constexpr const char* kMeanExample = R"pbdoc(
Examples
--------
>>> fastcpp.ema([np.nan, 2, np.nan, np.nan, 8, 4], 0.3).round(6)
array([     nan, 2.      , 2.      , 2.      , 4.799378, 4.559565])
)pbdoc";

/// Private, for fastcpp.dask's sequential adjust=True chain: the rows of x
/// (2-D float64) continued from the carried states (mean, weight: one per
/// row), as ema_adjusted_from. Returns (y, mean, weight): the state after.
py::tuple ema_adjusted_from_py(
    const py::array_t<double, py::array::c_style | py::array::forcecast>& x, double alpha,
    const py::array_t<double, py::array::c_style | py::array::forcecast>& mean,
    const py::array_t<double, py::array::c_style | py::array::forcecast>& weight) {
    constexpr const char* func = "_ema_adjusted_from";
    if (x.ndim() != 2)
        throw py::value_error(std::string(func) + ": x must be 2-D, got " +
                              std::to_string(x.ndim()) + "-D");
    const auto rows = static_cast<index_t>(x.shape(0)), n = static_cast<index_t>(x.shape(1));
    for (const auto& [name, a] : {std::pair{"mean", &mean}, std::pair{"weight", &weight}})
        if (a->ndim() != 1 || a->shape(0) != rows)
            throw py::value_error(std::string(func) + ": " + name + " must be 1-D of length " +
                                  std::to_string(rows) + " (x's rows)");
    py::array_t<double> y({rows, n}), m_out(rows), w_out(rows);
    const double* xd = x.data();
    double* yd = y.mutable_data();
    double* md = m_out.mutable_data();
    double* wd = w_out.mutable_data();
    {
        py::gil_scoped_release nogil;
        for (index_t r = 0; r < rows; ++r) {
            EmaCarry carry{mean.data()[r], weight.data()[r]};
            ema_adjusted_from<double>(Strided<const double>(xd + r * n, n, 1),
                                      Strided<double>(yd + r * n, n, 1), alpha, carry);
            md[r] = carry.mean;
            wd[r] = carry.weight;
        }
    }
    return py::make_tuple(y, m_out, w_out);
}

}  // namespace

void register_ema(py::module_& m) {
    static std::vector<EmaBinding> bindings = [] {
        std::vector<EmaBinding> v;
        for (const EmaMember& member : ema_family()) v.push_back(binding_of(member));
        return v;
    }();
    py::list family;
    for (const EmaBinding& b : bindings) {
        std::string doc = std::string(b.member->doc) + params_doc(*b.member);
        if (b.member->stat == EmaStat::mean) doc += kMeanExample;
        def_fast(m, b.sig, doc, &ema_call, &b);
        family.append(py::make_tuple(b.member->name, b.member->inputs, b.member->takes_times,
                                     b.member->takes_bias));
    }
    // The table for Python (fastcpp.dask): (name, inputs, takes times, takes bias).
    m.attr("_ema_family") = py::tuple(family);
    m.def("_ema_adjusted_from", &ema_adjusted_from_py, py::arg("x"), py::arg("alpha"),
          py::arg("mean"), py::arg("weight"),
          "_ema_adjusted_from(x, alpha, mean, weight) -> (y, mean, weight)\n\n"
          "Private (fastcpp.dask): adjust=True ema of the rows of x continued from\n"
          "the carried mean and total weight per row (NaN weight: nothing yet),\n"
          "bit for bit as one call on the whole rows; returns the state after.");
}

}  // namespace fastcpp::bind
