"""Bad Python-API inputs raise InvalidArgument naming the argument (not ValueError, TypeError,
AttributeError or MemoryError from deep inside), and sizes that cannot finish are refused up front."""

import time
from fractions import Fraction

import numpy as np
import pytest

from mus_verify import certificates, distributions, smoothing
from mus_verify._validation import as_fraction, check_binary_vector
from mus_verify.checks import CheckConfig, run_check
from mus_verify.errors import InvalidArgument


def h(inputs):
    return np.tile([1.0, 0.0], (len(inputs), 1))


D = distributions.lqv([0, 1], 4, "1/4")

CASES = {
    "lqv: q·n too large for memory": (lambda: distributions.lqv([0], 10**12, Fraction(1, 10**12)), "q"),
    "lqv: a huge seed vector": (lambda: distributions.lqv([0] * 10**7, 64, "1/4"), "n"),
    "random_seed_vector: huge n": (lambda: distributions.random_seed_vector(10**12, 4, 0), "n"),
    "random_seed_vector: q beyond int64": (lambda: distributions.random_seed_vector(3, 10**30, 0), "q"),
    "finite: masks None": (lambda: distributions.finite(None, [1]), "masks"),
    "finite: weights None": (lambda: distributions.finite([[1]], None), "weights"),
    "finite: zero features": (lambda: distributions.finite([[]], [1]), "masks[0]"),
    "MaskDistribution: a list": (lambda: distributions.MaskDistribution([[True]], (1,), 1), "masks"),
    "smooth: distribution None": (lambda: smoothing.smooth(h, [1.0, 2.0], [1, 1], None), "distribution"),
    "smooth: a list of distributions": (lambda: smoothing.smooth(h, [1.0, 2.0], [1, 1], [D]), "distribution"),
    "smooth: h not callable": (lambda: smoothing.smooth(None, [1.0, 2.0], [1, 1], D), "h"),
    "smooth: alpha a set": (lambda: smoothing.smooth(h, [1.0, 2.0], {0, 1}, D), "alpha"),
    "top_two: None": (lambda: certificates.top_two(None), "probabilities"),
    "top_two: an int": (lambda: certificates.top_two(5), "probabilities"),
    "certify: distribution None": (lambda: certificates.certify(h, [1.0, 2.0], [1, 1], None), "distribution"),
    "lipschitz_constant: None": (lambda: certificates.lipschitz_constant(None), "distribution"),
    "as_fraction: a huge decimal exponent": (lambda: as_fraction("1e100000000", "lam"), "lam"),
    "binary vector: a dict": (lambda: check_binary_vector({0: 1}, None, "alpha"), "alpha"),
    "run_check: config a dict": (lambda: run_check("marginals", {"n": 3}), "config"),
    "run_check: name a list": (lambda: run_check(["marginals"]), "check"),
    "check: q beyond int64": (lambda: run_check("marginals", CheckConfig(q=10**30, lam=Fraction(1, 10**30))), "--q"),
    "check: q·n too large": (lambda: run_check("lipschitz", CheckConfig(n=2, q=10**8, lam=Fraction(1, 10**8))), "--q"),
    "marginals: n = 1e8": (lambda: run_check("marginals", CheckConfig(n=10**8)), "--n"),
    "check: classifiers an int": (lambda: run_check("lipschitz", CheckConfig(n=2, classifiers=3)), "--classifiers"),
    "check: extra None": (lambda: run_check("lipschitz", CheckConfig(n=2, extra=None)), "config.extra"),
    "check: modes an int": (lambda: run_check("lipschitz", CheckConfig(n=2, extra={"modes": 3})), "modes"),
    "check: inputs an int": (lambda: run_check("lipschitz", CheckConfig(n=2, extra={"inputs": 3})), "inputs"),
    "check: distributions an int": (lambda: run_check("lipschitz", CheckConfig(n=2, extra={"distributions": 3})), "distributions"),
    "check: classifier objects of ints": (lambda: run_check("lipschitz", CheckConfig(n=2, extra={"classifier_objects": [3]})), "classifier_objects[0]"),
    "check: exhaustive n = 25 is above the 24-feature cap": (lambda: run_check("incremental-stability", CheckConfig(n=25, q=64, lam="16/64")), "--n"),
}


@pytest.mark.parametrize("call, argument", list(CASES.values()), ids=list(CASES))
def test_bad_input_raises_invalid_argument_naming_it(call, argument):
    started = time.perf_counter()
    with pytest.raises(InvalidArgument) as info:
        call()
    assert info.value.argument == argument
    assert time.perf_counter() - started < 5  # refused up front, not after the work


def test_the_limits_leave_room_for_a_vit_configuration():
    d = distributions.lqv(distributions.random_seed_vector(196, 4096, 0), 4096, "1024/4096")
    assert d.masks.shape == (4096, 196)
