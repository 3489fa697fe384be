"""The log-cost targets are the same bits whatever SIMD kernels NumPy picks on this CPU."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np

from asc.selectors.scoring import decode_log_costs, encode_log_costs, portable_exp10, portable_log10

SCRIPT = """
import json, sys
import numpy as np
from asc.selectors.scoring import encode_log_costs, decode_log_costs
costs = np.array(json.loads(sys.stdin.read()))
target, base = encode_log_costs(costs, 0.01)
print(json.dumps([target.tolist(), decode_log_costs(target, base).tolist()]))
"""


def make_costs(seed: int = 0) -> np.ndarray:
    """Runtimes over six decades and PAR10 timeouts, as in a real cost matrix."""
    rng = np.random.default_rng(seed)
    costs = 10.0 ** rng.uniform(-3, 3, size=(200, 12))
    costs[rng.random(costs.shape) < 0.1] = 50_000.0
    return costs


def _in_subprocess(costs: np.ndarray, disabled: str) -> tuple[np.ndarray, np.ndarray]:
    env = dict(os.environ, NPY_DISABLE_CPU_FEATURES=disabled)
    out = subprocess.run([sys.executable, "-c", SCRIPT], input=json.dumps(costs.tolist()), env=env,
                         capture_output=True, text=True, check=True).stdout
    target, decoded = json.loads(out)
    return np.array(target), np.array(decoded)


def test_log_targets_do_not_depend_on_the_simd_level():
    """With NumPy's AVX-512 (and AVX2) kernels off, as on an older host, the targets are identical.

    ``np.log10`` itself differs in the last bit between those levels on hosts that have
    AVX-512, which is what made the default model retrain differently elsewhere.
    """
    costs = make_costs()
    target, base = encode_log_costs(costs, 0.01)
    decoded = decode_log_costs(target, base)
    for disabled in ("X86_V4 AVX512_ICL AVX512_SPR", "X86_V3 X86_V4 AVX512_ICL AVX512_SPR"):
        other_target, other_decoded = _in_subprocess(costs, disabled)
        np.testing.assert_array_equal(other_target, target)
        np.testing.assert_array_equal(other_decoded, decoded)


def test_portable_functions_agree_with_numpy_within_a_unit_in_the_last_place():
    x = make_costs(1)
    np.testing.assert_array_max_ulp(portable_log10(x), np.log10(x), maxulp=1)
    y = np.linspace(-3, 5, 1001)
    np.testing.assert_allclose(portable_exp10(y), 10.0 ** y, rtol=1e-15)


def test_portable_functions_keep_shape_and_special_values():
    out = portable_log10(np.array([[0.0, 1.0], [np.nan, -1.0]]))
    assert out.shape == (2, 2)
    assert out[0, 0] == -np.inf and out[0, 1] == 0.0 and np.isnan(out[1]).all()
    assert portable_exp10(np.array([400.0, -np.inf, 2.0])).tolist() == [np.inf, 0.0, 100.0]
