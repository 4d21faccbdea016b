#!/usr/bin/env python3
"""Writes golden `op` cases from PyTorch's OpInfo database: the sample inputs PyTorch tests its own
operators with (empty and 0-d tensors, broadcasting, non-contiguous views, keyword forms), run through
PyTorch for the outputs, the gradients and the grad_fn name. Each case is an `expression` in Python syntax
(`F.conv2d(input, a1, a2, stride=(2, 2))`) that the golden harness evaluates with Ember's API.

Usage: scripts/golden/opinfo_cases.py <output folder>     (writes <output folder>/opinfo/*.json)
Needs torch 2.15 and the packages its test database imports (expecttest, hypothesis).

OPINFOS lists the OpInfos Ember implements ("name" or "name.variant"); README's feature status quotes
its length against the database's size.
"""
import json
import math
import os
import shutil
import random
import sys

import numpy
import torch
from torch.testing._internal.common_methods_invocations import op_db

OPINFOS = """
H T abs acos acosh add addbmm addcdiv addcmul addmm addmm.decomposed addmv addr all allclose amax amin aminmax
angle any argmax argmin argsort argwhere as_strided asin asinh atan atan2 atanh atleast_1d atleast_2d
atleast_3d baddbmm bincount bitwise_and bitwise_left_shift bitwise_not bitwise_or bitwise_right_shift
bitwise_xor block_diag bmm bmm.triton_optimized bool broadcast_tensors broadcast_to bucketize cartesian_prod
cat cdist ceil cholesky_inverse cholesky_solve chunk clamp clamp_max clamp_min clone column_stack combinations
conj conj_physical contiguous copysign corrcoef cos cosh count_nonzero cov cross cummax cummin cumprod cumsum
cumulative_trapezoid deg2rad diag diag_embed diagflat diagonal diagonal_scatter diff digamma dist
div.floor_rounding div.no_rounding_mode div.trunc_rounding dot double dsplit dstack einsum eq equal erf erfc
erfinv exp exp2 expand expand_as expm1 fill flatten flip fliplr flipud float float_power floor floor_divide
fmax fmin fmod frac frexp full_like gather ge gt heaviside histc hsplit hstack hypot index_add index_copy
index_fill index_put index_reduce.amax index_reduce.amin index_reduce.mean index_reduce.prod index_select
inner int isclose isfinite isin isinf isnan isneginf isposinf isreal item kthvalue ldexp le lerp lgamma
linalg.cholesky linalg.cholesky_ex linalg.cond linalg.cross linalg.det linalg.eigh linalg.eigvalsh linalg.inv
linalg.inv_ex linalg.lstsq linalg.matrix_norm linalg.matrix_power linalg.matrix_rank
linalg.matrix_rank.hermitian linalg.multi_dot linalg.norm linalg.norm.subgradients_at_zero linalg.pinv
linalg.pinv.hermitian linalg.qr linalg.slogdet linalg.solve linalg.solve_triangular linalg.svd linalg.svdvals
linalg.vecdot linalg.vector_norm linspace.tensor_overload log log10 log1p log2 log_softmax
log_softmax.with_dtype logaddexp logaddexp2 logcumsumexp logdet logical_and logical_not logical_or logical_xor
logit logspace logspace.tensor_overload logsumexp long lt mH mT masked.amax masked.amin masked.argmax
masked.argmin masked.cumprod masked.cumsum masked.log_softmax masked.logsumexp masked.mean masked.norm
masked.prod masked.softmax masked.softmin masked.sum masked_fill masked_scatter masked_select matmul
max.binary max.reduction_no_dim max.reduction_with_dim maximum mean median meshgrid.list_of_tensors
meshgrid.variadic_tensors min.binary min.reduction_no_dim min.reduction_with_dim minimum mm mode movedim msort
mul mv mvlgamma.mvlgamma_p_1 mvlgamma.mvlgamma_p_3 mvlgamma.mvlgamma_p_5 nan_to_num nanmean nanmedian nansum
narrow ne neg new_full new_ones new_zeros nextafter nn.functional.adaptive_avg_pool1d
nn.functional.adaptive_avg_pool2d nn.functional.adaptive_avg_pool3d nn.functional.avg_pool1d
nn.functional.avg_pool2d nn.functional.avg_pool3d nn.functional.binary_cross_entropy
nn.functional.binary_cross_entropy_with_logits nn.functional.celu nn.functional.channel_shuffle
nn.functional.conv1d nn.functional.conv2d nn.functional.conv3d nn.functional.conv_transpose1d
nn.functional.conv_transpose2d nn.functional.cosine_embedding_loss nn.functional.cosine_similarity
nn.functional.elu nn.functional.embedding nn.functional.embedding_bag nn.functional.gaussian_nll_loss
nn.functional.gelu nn.functional.glu nn.functional.grid_sample nn.functional.group_norm
nn.functional.hardshrink nn.functional.hardsigmoid nn.functional.hardswish nn.functional.hardtanh
nn.functional.hinge_embedding_loss nn.functional.huber_loss nn.functional.instance_norm
nn.functional.interpolate.area nn.functional.interpolate.bicubic nn.functional.interpolate.bilinear
nn.functional.interpolate.linear nn.functional.interpolate.nearest nn.functional.interpolate.nearest-exact
nn.functional.interpolate.trilinear nn.functional.kl_div nn.functional.l1_loss nn.functional.leaky_relu
nn.functional.linear nn.functional.logsigmoid nn.functional.margin_ranking_loss nn.functional.max_pool1d
nn.functional.max_pool2d nn.functional.max_pool3d nn.functional.mish nn.functional.mse_loss
nn.functional.multi_margin_loss nn.functional.multilabel_soft_margin_loss nn.functional.nll_loss
nn.functional.normalize nn.functional.pad.circular nn.functional.pad.constant nn.functional.pad.reflect
nn.functional.pad.replicate nn.functional.pad.replicate_negative nn.functional.pairwise_distance
nn.functional.pdist nn.functional.pixel_shuffle nn.functional.pixel_unshuffle nn.functional.poisson_nll_loss
nn.functional.prelu nn.functional.relu nn.functional.relu6 nn.functional.scaled_dot_product_attention
nn.functional.selu nn.functional.silu nn.functional.smooth_l1_loss nn.functional.soft_margin_loss
nn.functional.softmin nn.functional.softmin.with_dtype nn.functional.softplus nn.functional.softshrink
nn.functional.softsign nn.functional.tanhshrink nn.functional.threshold nn.functional.triplet_margin_loss
nn.functional.unfold nonzero norm norm.fro norm.inf ones_like outer permute pinverse polygamma.polygamma_n_0
polygamma.polygamma_n_1 polygamma.polygamma_n_2 polygamma.polygamma_n_3 polygamma.polygamma_n_4 positive pow
prod put quantile rad2deg ravel real reciprocal remainder renorm repeat repeat_interleave reshape reshape_as
resolve_conj resolve_neg roll rot90 round round.decimals_0 round.decimals_3 round.decimals_neg_3 rsqrt rsub
scalar_tensor scatter scatter_add scatter_reduce.amax scatter_reduce.amin scatter_reduce.mean
scatter_reduce.prod scatter_reduce.sum searchsorted select select_scatter sigmoid sign signbit sin sinc sinh
slice_scatter softmax softmax.with_dtype sort special.chebyshev_polynomial_t special.chebyshev_polynomial_u
special.chebyshev_polynomial_v special.chebyshev_polynomial_w special.entr special.erfcx
special.hermite_polynomial_h special.hermite_polynomial_he special.laguerre_polynomial_l
special.legendre_polynomial_p special.log_ndtr special.ndtr special.ndtri
special.shifted_chebyshev_polynomial_t special.shifted_chebyshev_polynomial_u
special.shifted_chebyshev_polynomial_v special.shifted_chebyshev_polynomial_w special.spherical_bessel_j0
special.xlog1py special.zeta split split.list_args split_with_sizes sqrt square squeeze squeeze.multiple stack
std std.unbiased std_mean std_mean.unbiased sub sum sum_to_size svd t take take_along_dim tan tanh
tensor_split tensordot tile topk trace transpose trapezoid trapz triangular_solve tril triu true_divide trunc
unbind unflatten unfold unique unique_consecutive unsqueeze var var.unbiased var_mean var_mean.unbiased vdot
view view_as vsplit vstack where xlogy zeros_like
""".split()

DTYPES = [torch.float32, torch.float64]
INTEGER_DTYPES = [torch.int64, torch.int32, torch.uint8, torch.bool]   # the first one an integer-only op supports
TOLERANCES = {torch.float32: (1e-4, 1e-5), torch.float64: (1e-7, 1e-7)}
MAX_SAMPLES = {torch.float32: 6, torch.float64: 3}   # per OpInfo; integer dtypes take float32's
# OpInfos whose first samples leave modes untested: every float64 sample (float64, so that the case checks
# the formulas, not float32 rounding in PyTorch's kernel).
ALL_FLOAT64_SAMPLES = {"nn.functional.grid_sample"}
ATTRIBUTES = {"T", "mT", "H", "mH"}   # OpInfos of Tensor attributes, not methods
# OpInfos whose sample puts the operands first and the function takes them later: the call with the sample's
# input as {0} and its first argument as {1}.
# {rest} is the remaining arguments and keywords.
REORDERED = {"einsum": "torch.einsum({1}, {0}{rest})", "nn.functional.embedding": "F.embedding({1}, {0}{rest})",
             "nn.functional.embedding_bag": "F.embedding_bag({1}, {0}{rest})"}
MAX_NUMEL = 1000      # per tensor, to keep the case files small
DTYPE_NAMES = {torch.float32: "float32", torch.float64: "float64", torch.int64: "int64", torch.int32: "int32",
               torch.uint8: "uint8", torch.bool: "bool"}


# Looser float32 tolerances where PyTorch's CPU kernel sums in another order (its flash attention), as
# PyTorch's own tests loosen them for these ops.
TOLERANCE_OVERRIDES = {"nn.functional.scaled_dot_product_attention": {torch.float32: (1e-3, 1e-4)}}
# Decompositions whose vectors are defined only up to sign (LAPACK implementations choose differently): the
# case compares what the sign cannot change, as PyTorch's own tests do (the absolute values of the vectors),
# written around the call {call} and applied to PyTorch's outputs alike.
GAUGE_FREE = {
    "linalg.eigh": ("({call}[0], {call}[1].abs())", lambda r: (r[0], r[1].abs())),
    "linalg.svd": ("({call}[0].abs(), {call}[1], {call}[2].abs())", lambda r: (r[0].abs(), r[1], r[2].abs())),
    "svd": ("({call}[0].abs(), {call}[1], {call}[2].abs())", lambda r: (r[0].abs(), r[1], r[2].abs())),
}
# Samples whose result depends on random draws made after the sample was built (Ember cannot see that state).
RANDOM_SAMPLES = {"nn.functional.scaled_dot_product_attention": lambda sample: sample.kwargs.get("dropout_p", 0) > 0}


class Unsupported(Exception):
    """A sample the golden format cannot carry (complex values, callables, other dtypes)."""


def encode(t):
    t = t.detach()
    if t.dtype not in DTYPE_NAMES or t.numel() > MAX_NUMEL:
        raise Unsupported(f"tensor {t.dtype} {tuple(t.shape)}")
    values = t.contiguous().reshape(-1).tolist()
    if t.dtype == torch.float32:   # the shortest text that round-trips in float32
        values = [float(str(numpy.float32(v))) for v in values]
    if t.dtype.is_floating_point:
        values = [("nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")) if not math.isfinite(v) else v
                  for v in values]
    return {"dtype": DTYPE_NAMES[t.dtype], "shape": list(t.shape), "data": values}


class Call:
    """Renders a sample as Python source, naming its tensors as the case's inputs."""

    def __init__(self):
        self.inputs = {}

    def tensor(self, t, name=None):
        for known, value in self.inputs.items():
            if value is t:
                return known
        name = name or f"a{len(self.inputs)}"
        self.inputs[name] = t
        return name

    def render(self, value, name=None):
        if isinstance(value, torch.Tensor):
            return self.tensor(value, name)
        if isinstance(value, bool) or value is None:
            return repr(value)
        if isinstance(value, int):
            return repr(value)
        if isinstance(value, float):
            return f"float('{value}')" if not math.isfinite(value) else repr(value)
        if isinstance(value, str):
            return repr(value)
        if isinstance(value, torch.dtype):
            if value not in DTYPE_NAMES:
                raise Unsupported(f"dtype {value}")
            return f"torch.{DTYPE_NAMES[value]}"
        if isinstance(value, (tuple, list, torch.Size)):
            items = [self.render(v) for v in value]
            if isinstance(value, list):
                return "[" + ", ".join(items) + "]"
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
        raise Unsupported(f"argument of type {type(value).__name__}")


def callee(op):
    """`F.x`, `torch.linalg.x`, `torch.special.x` and `torch.masked.x` for those namespaces; `torch.x` when the OpInfo calls that function, else a
    method of the input (OpInfos such as `where` call the method form: `input.where(condition, other)`)."""
    if op.name.startswith("nn.functional."):
        return "F." + op.name[len("nn.functional."):], False
    if op.name.startswith(("linalg.", "special.", "masked.")):
        return "torch." + op.name, False
    if op.op is getattr(torch, op.name, None):
        return "torch." + op.name, False
    return op.name, True


def flatten(result):
    if isinstance(result, torch.Tensor):
        return [result]
    if isinstance(result, (bool, int, float)):   # Python numbers (`allclose`, `item`) as 0-d tensors
        return [torch.tensor(result, dtype=torch.float64 if isinstance(result, float) else None)]
    if isinstance(result, (tuple, list)):
        return [t for item in result for t in flatten(item)]
    raise Unsupported(f"result of type {type(result).__name__}")


def make_case(op, full_name, dtype, index, sample):
    call = Call()
    function, is_method = callee(op)
    if isinstance(sample.input, torch.Tensor):
        first = call.render(sample.input, "input")
    elif isinstance(sample.input, (list, tuple)) and all(isinstance(t, torch.Tensor) for t in sample.input):
        first = "[" + ", ".join(call.tensor(t, f"t{i}") for i, t in enumerate(sample.input)) + "]"
    else:
        raise Unsupported("input is not a tensor")
    args = [call.render(a) for a in sample.args]
    kwargs = [f"{k}={call.render(v, k if isinstance(v, torch.Tensor) and k not in call.inputs else None)}"
              for k, v in sample.kwargs.items()]
    if op.name in REORDERED:
        rest = "".join(", " + a for a in args[1:] + kwargs)
        expression = REORDERED[op.name].format(first, args[0], rest=rest)
    elif op.name in ATTRIBUTES:
        expression = f"{first}.{function}"
    elif is_method:
        expression = f"{first}.{function}({', '.join(args + kwargs)})"
    else:
        expression = f"{function}({', '.join([first] + args + kwargs)})"

    result = op(sample.input, *sample.args, **sample.kwargs)
    if full_name in GAUGE_FREE:
        template, gauge_free = GAUGE_FREE[full_name]
        expression, result = template.format(call=expression), gauge_free(result)
    outputs = flatten(result)
    rtol, atol = TOLERANCE_OVERRIDES.get(full_name, {}).get(dtype) or TOLERANCES.get(dtype, (0, 0))
    case = {"kind": "op", "name": f"{full_name}/{DTYPE_NAMES[dtype]}_{index}", "op": "expression",
            "expression": expression, "opinfo": full_name,
            "inputs": {name: encode(t) for name, t in call.inputs.items()},
            "outputs": [encode(t) for t in outputs], "rtol": rtol, "atol": atol}

    leaves = {name: t for name, t in call.inputs.items() if t.requires_grad}
    roots = [t for t in outputs if t.dtype.is_floating_point]
    if leaves and roots and all(t.grad_fn is not None for t in roots):
        generator = torch.Generator().manual_seed(index)
        seeds = [torch.randn(t.shape, dtype=t.dtype, generator=generator) for t in roots]
        try:
            grads = torch.autograd.grad(roots, list(leaves.values()), seeds, allow_unused=True)
        except RuntimeError:   # a node PyTorch does not differentiate (floor_divide)
            grads = [None] * len(leaves)
        reached = {name: g for name, g in zip(leaves, grads) if g is not None}
        if reached:
            case["requires_grad"] = list(leaves)
            case["grad_outputs"] = [encode(s) for s in seeds]
            case["grads"] = {name: encode(g) for name, g in reached.items()}
            case["grad_fn"] = type(roots[0].grad_fn).__name__
    return case


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: scripts/golden/opinfo_cases.py <output folder>")
    folder = os.path.join(sys.argv[1], "opinfo")
    by_name = {o.name + ("." + o.variant_test_name if o.variant_test_name else ""): o for o in op_db}
    unknown = [name for name in OPINFOS if name not in by_name]
    if unknown:
        sys.exit(f"not in PyTorch's OpInfo database: {unknown}")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    written = 0
    for full_name in OPINFOS:
        op = by_name[full_name]
        supported = op.supported_dtypes("cpu")
        dtypes = [d for d in DTYPES if d in supported] or [d for d in INTEGER_DTYPES if d in supported][:1]
        for dtype in dtypes:
            torch.manual_seed(0)
            random.seed(0)   # some sample generators draw options (meshgrid's indexing) from Python's generator
            samples = op.sample_inputs("cpu", dtype, requires_grad=op.supports_autograd)
            index = 0
            for sample in samples:
                if index == MAX_SAMPLES.get(dtype, MAX_SAMPLES[torch.float32]) and not (
                        dtype == torch.float64 and full_name in ALL_FLOAT64_SAMPLES):
                    break
                if RANDOM_SAMPLES.get(full_name, lambda _: False)(sample):
                    continue
                try:
                    case = make_case(op, full_name, dtype, index, sample)
                except Unsupported:
                    continue
                path = os.path.join(folder, case["name"].replace("/", "_") + ".json")
                with open(path, "w") as f:
                    json.dump(case, f, separators=(",", ":"))
                index += 1
                written += 1
    print(f"wrote {written} cases for {len(OPINFOS)} of {len(op_db)} OpInfos into {folder}")


if __name__ == "__main__":
    main()
