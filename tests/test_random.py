"""jaxlite.random against JAX 0.10.2: reference values in both threefry layouts, a table of
sampler outputs computed with the real JAX (embedded below), distribution tests, and the
behaviour of keys under jit, vmap and grad."""
import contextlib

import numpy as np
import pytest
import scipy.stats

import jaxlite
import jaxlite.numpy as jnp
from jaxlite import random
from jaxlite._src.random.gamma import random_gamma_grad_p

nan, inf = np.nan, np.inf


@contextlib.contextmanager
def partitionable(flag):
  old = jaxlite.config.read("jax_threefry_partitionable")
  jaxlite.config.update("jax_threefry_partitionable", flag)
  try:
    yield
  finally:
    jaxlite.config.update("jax_threefry_partitionable", old)


# ---------------------------------------------------------------------------
# The reference values of the brief

# Values through erf_inv agree to float32 rounding: JAX's float32 erf_inv is XLA's
# polynomial approximation, jaxlite's may round differently in the last bits.
NORMAL_RTOL = 1e-6


@pytest.mark.parametrize("flag, expected", [
    (False, (-0.18471177, 0.107961535, -1.2226542)),
    (True, (-0.028304616, 0.60576403, 0.4323065)),
])
def test_reference_normals(flag, expected):
  with partitionable(flag):
    key = random.PRNGKey(42)
    _, s1, s2 = random.split(key, num=3)
    got = [random.normal(k) for k in (key, s1, s2)]
  for g in got:
    assert g.dtype == np.float32 and g.shape == ()
  np.testing.assert_allclose(np.array(got), np.array(expected, np.float32), rtol=NORMAL_RTOL)


@pytest.mark.parametrize("flag, expected", [
    (False, [[3134548294, 3733159049], [3746501087, 894150801], [801545058, 2363201431]]),
    (True, [[1832780943, 270669613], [64467757, 2916123636], [2465931498, 255383827]]),
])
def test_reference_split_is_bit_exact(flag, expected):
  with partitionable(flag):
    keys = random.split(random.PRNGKey(42), 3)
  assert keys.dtype == np.uint32 and keys.shape == (3, 2)
  np.testing.assert_array_equal(np.asarray(keys), np.array(expected, np.uint32))


def test_flag_is_restored_and_changes_results():
  before = jaxlite.config.read("jax_threefry_partitionable")
  assert before is True  # JAX's default
  with partitionable(False):
    old_layout = np.asarray(random.bits(random.PRNGKey(0), (4,)))
  new_layout = np.asarray(random.bits(random.PRNGKey(0), (4,)))
  assert jaxlite.config.read("jax_threefry_partitionable") is before
  assert not np.array_equal(old_layout, new_layout)


# ---------------------------------------------------------------------------
# Sampler table: each expression evaluated with jax.random in JAX 0.10.2 for the legacy key
# PRNGKey(42) and the typed key key(2024), in both layouts (complex values as [re, im]).

KEYS = {"k42": lambda: random.PRNGKey(42), "typed": lambda: random.key(2024)}


def f32(x):
  return np.array(x, np.float32)

SPEC = {
    "bits_u32": lambda k: random.bits(k, (5,)),
    "bits_u8": lambda k: random.bits(k, (5,), np.uint8),
    "bits_u16": lambda k: random.bits(k, (2, 3), np.uint16),
    "split3": lambda k: random.key_data(random.split(k, 3)),
    "split_shape": lambda k: random.key_data(random.split(k, (2, 2))),
    "fold_in": lambda k: random.key_data(random.fold_in(k, 12345)),
    "uniform": lambda k: random.uniform(k, (5,)),
    "uniform_minmax":
        lambda k: random.uniform(k, (2, 3), minval=np.float32(-2.), maxval=f32([1., 2., 3.])),
    "uniform_f16": lambda k: random.uniform(k, (4,), np.float16),
    "uniform_bf16": lambda k: random.uniform(k, (4,), 'bfloat16').astype(np.float32),
    "normal": lambda k: random.normal(k, (5,)),
    "normal_c64": lambda k: random.normal(k, (3,), np.complex64),
    "truncated_normal": lambda k: random.truncated_normal(k, -1., 2., (5,)),
    "truncated_normal_b":
        lambda k: random.truncated_normal(k, np.array([-3., 0., 1.], np.float32), 3.),
    "bernoulli": lambda k: random.bernoulli(k, 0.3, (8,)),
    "bernoulli_high": lambda k: random.bernoulli(k, 0.3, (6,), mode='high'),
    "exponential": lambda k: random.exponential(k, (5,)),
    "gumbel": lambda k: random.gumbel(k, (5,)),
    "gumbel_high": lambda k: random.gumbel(k, (4,), mode='high'),
    "gumbel_highest": lambda k: random.gumbel(k, (4,), mode='highest'),
    "laplace": lambda k: random.laplace(k, (5,)),
    "logistic": lambda k: random.logistic(k, (5,)),
    "cauchy": lambda k: random.cauchy(k, (5,)),
    "pareto": lambda k: random.pareto(k, 3., (5,)),
    "rayleigh": lambda k: random.rayleigh(k, 2., (5,)),
    "wald": lambda k: random.wald(k, 1.5, (5,)),
    "weibull_min": lambda k: random.weibull_min(k, 2., 1.5, (5,)),
    "maxwell": lambda k: random.maxwell(k, (5,)),
    "double_sided_maxwell": lambda k: random.double_sided_maxwell(k, 1., 2., (4,)),
    "rademacher": lambda k: random.rademacher(k, (8,)),
    "triangular": lambda k: random.triangular(k, 0., 1., 3., (5,)),
    "lognormal": lambda k: random.lognormal(k, 0.5, (5,)),
    "geometric": lambda k: random.geometric(k, 0.25, (6,)),
    "gamma": lambda k: random.gamma(k, np.array([0.2, 1., 3.5, 50.], np.float32)),
    "loggamma": lambda k: random.loggamma(k, np.array([0.05, 1., 7.], np.float32)),
    "beta": lambda k: random.beta(k, 2., 5., (5,)),
    "dirichlet": lambda k: random.dirichlet(k, np.array([0.5, 1., 2.], np.float32), (2,)),
    "t": lambda k: random.t(k, 4., (5,)),
    "chisquare": lambda k: random.chisquare(k, 3., (5,)),
    "f": lambda k: random.f(k, 4., 6., (5,)),
    "generalized_normal": lambda k: random.generalized_normal(k, 1.5, (5,)),
    "ball": lambda k: random.ball(k, 3, 2, (2,)),
    "randint": lambda k: random.randint(k, (8,), 0, 10),
    "randint_u8": lambda k: random.randint(k, (6,), 0, 256, np.uint8),
    "randint_bounds": lambda k: random.randint(k, (2, 3), np.array([-5, 0, 7]), 100),
    "permutation": lambda k: random.permutation(k, 8),
    "permutation_2d": lambda k: random.permutation(k, np.arange(12).reshape(4, 3)),
    "permutation_indep":
        lambda k: random.permutation(k, np.arange(12).reshape(3, 4), axis=1, independent=True),
    "choice": lambda k: random.choice(k, 10, (4,)),
    "choice_norep": lambda k: random.choice(k, np.arange(10.), (4,), replace=False),
    "choice_p": lambda k: random.choice(k, 4, (6,), p=f32([0.1, 0.2, 0.3, 0.4])),
    "choice_p_norep":
        lambda k: random.choice(k, 4, (3,), replace=False, p=f32([0.1, 0.2, 0.3, 0.4])),
    "categorical":
        lambda k: random.categorical(k, np.array([[0., 1., 2.], [2., 1., 0.]], np.float32)),
    "categorical_shape":
        lambda k: random.categorical(k, np.array([0., 1., 2.], np.float32), shape=(5,)),
    "categorical_norep":
        lambda k: random.categorical(k, np.zeros(6, np.float32), shape=(3,), replace=False),
    "poisson": lambda k: random.poisson(k, np.array([0., 0.7, 4., 12., 300.], np.float32)),
    "binomial":
        lambda k: random.binomial(k, f32([4., 30., 200., 1000.]), f32([0.3, 0.7, 0.1, 0.45])),
    "multinomial": lambda k: random.multinomial(k, 30., f32([0.2, 0.3, 0.5])),
    "multivariate_normal":
        lambda k: random.multivariate_normal(k, f32([1., 0.]), f32([[2., .5], [.5, 1.]]), (2,)),
    "orthogonal": lambda k: random.orthogonal(k, 3),
}

EXPECTED = {
    ("bits_u32", "k42", True): [2098992034, 2919706841, 2646866425, 2409546199, 1935504149],
    ("bits_u32", "k42", False): [3134548294, 3733159049, 843694964, 894150801, 801545058],
    ("bits_u32", "typed", True): [300553748, 496906351, 3643843825, 740875782, 3875270236],
    ("bits_u32", "typed", False): [871888290, 3784946017, 1910944540, 534719396, 943282923],
    ("bits_u8", "k42", True): [162, 217, 249, 215, 21],
    ("bits_u8", "k42", False): [45, 179, 215, 3, 244],
    ("bits_u8", "typed", True): [20, 111, 241, 6, 92],
    ("bits_u8", "typed", False): [111, 180, 190, 181, 0],
    ("bits_u16", "k42", True): [[5026, 12505, 63993], [49623, 29461, 20184]],
    ("bits_u16", "k42", False): [[8426, 37627, 63599], [6563, 55571, 3896]],
    ("bits_u16", "typed", True): [[5652, 12399, 42225], [56838, 61020, 478]],
    ("bits_u16", "typed", False): [[21267, 32715, 21886], [48560, 63458, 42747]],
    ("split3", "k42", True):
        [[1832780943, 270669613], [64467757, 2916123636], [2465931498, 255383827]],
    ("split3", "k42", False):
        [[3134548294, 3733159049], [3746501087, 894150801], [801545058, 2363201431]],
    ("split3", "typed", True):
        [[1982900149, 1742385569], [3049174127, 2820703232], [2144031507, 2801530850]],
    ("split3", "typed", False):
        [[871888290, 3784946017], [3809071079, 534719396], [943282923, 1174458418]],
    ("split_shape", "k42", True):
        [[[1832780943, 270669613], [64467757, 2916123636]], [[2465931498, 255383827], [3134548294,
        894150801]]],
    ("split_shape", "k42", False):
        [[[2954079971, 2575172198], [1139032965, 1035738655]], [[3276725750, 1223413151],
        [173471767, 13772463]]],
    ("split_shape", "typed", True):
        [[[1982900149, 1742385569], [3049174127, 2820703232]], [[2144031507, 2801530850],
        [871888290, 534719396]]],
    ("split_shape", "typed", False):
        [[[4017637935, 4256112412], [4253944704, 58705784]], [[159622259, 3759415973],
        [1462781959, 1145683552]]],
    ("fold_in", "k42", True): [605133419, 3761158475],
    ("fold_in", "k42", False): [605133419, 3761158475],
    ("fold_in", "typed", True): [948506433, 1192138619],
    ("fold_in", "typed", False): [948506433, 1192138619],
    ("uniform", "k42", True): [0.48870957, 0.6797972, 0.6162715, 0.5610161, 0.4506446],
    ("uniform", "k42", False): [0.7298188, 0.8691938, 0.19643795, 0.20818567, 0.18662417],
    ("uniform", "typed", True): [0.06997812, 0.115695, 0.84839845, 0.17249858, 0.90228164],
    ("uniform", "typed", False): [0.20300221, 0.88125134, 0.44492638, 0.12449896, 0.21962512],
    ("uniform_minmax", "k42", True):
        [[-0.5338713, 0.7191887, 1.0813575], [-0.31695175, -0.19742155, 0.9293293]],
    ("uniform_minmax", "k42", False):
        [[0.18945646, 1.4767752, 2.3615007], [-1.375443, -1.2535033, 0.7511281]],
    ("uniform_minmax", "typed", True):
        [[-1.7900656, -1.53722, 2.2419922], [-1.4825042, 1.6091266, 1.128891]],
    ("uniform_minmax", "typed", False):
        [[-1.3909934, 1.5250053, 2.434342], [-1.6265031, -1.1214995, -0.6327505]],
    ("uniform_f16", "k42", True): [0.076171875, 0.19042969, 0.97558594, 0.75683594],
    ("uniform_f16", "k42", False): [0.69921875, 0.0146484375, 0.51464844, 0.67871094],
    ("uniform_f16", "typed", True): [0.0859375, 0.18847656, 0.6435547, 0.8671875],
    ("uniform_f16", "typed", False): [0.70410156, 0.7089844, 0.515625, 0.65625],
    ("uniform_bf16", "k42", True): [0.6328125, 0.84375, 0.96875, 0.8359375],
    ("uniform_bf16", "k42", False): [0.5546875, 0.015625, 0.2421875, 0.421875],
    ("uniform_bf16", "typed", True): [0.078125, 0.4296875, 0.9375, 0.0234375],
    ("uniform_bf16", "typed", False): [0.703125, 0.6484375, 0.1875, 0.4609375],
    ("normal", "k42", True): [-0.028304616, 0.46713185, 0.29570296, 0.15354592, -0.12403282],
    ("normal", "k42", False): [0.6122652, 1.1225883, -0.8544134, -0.8127325, -0.890405],
    ("normal", "typed", True): [-1.4759539, -1.1967858, 1.0295887, -0.94433737, 1.2946627],
    ("normal", "typed", False): [-0.8309453, 1.1812656, -0.13849044, -1.1527866, -0.7734598],
    ("normal_c64", "k42", True):
        [[0.05368746, 0.42833984], [-0.34389618, 0.5650095], [0.91239446, -0.6427085]],
    ("normal_c64", "k42", False):
        [[0.4478112, -0.40131858], [0.67959476, 0.2010954], [0.96348715, -0.6590665]],
    ("normal_c64", "typed", True):
        [[0.29221395, 0.17260388], [0.7631552, -0.32064626], [0.9883865, -0.16179231]],
    ("normal_c64", "typed", False):
        [[1.3052121, 0.09081794], [-0.25142106, -0.9197389], [-0.53798383, -0.21108621]],
    ("truncated_normal", "k42", True): [0.14770006, 0.5684449, 0.4210255, 0.29997, 0.06911382],
    ("truncated_normal", "k42", False):
        [0.6937516, 1.1272073, -0.46921414, -0.44246906, -0.49181584],
    ("truncated_normal", "typed", True):
        [-0.78598213, -0.6639457, 1.0500377, -0.52479845, 1.2660819],
    ("truncated_normal", "typed", False):
        [-0.45422974, 1.1752009, 0.05735696, -0.64159083, -0.4167267],
    ("truncated_normal_b", "k42", True): [-0.028228255, 0.9902782, 1.540556],
    ("truncated_normal_b", "k42", False): [0.18642484, 0.12551962, 1.039433],
    ("truncated_normal_b", "typed", True): [-1.46736, 0.14511845, 1.9565938],
    ("truncated_normal_b", "typed", False): [-0.0020094602, 1.1239632, 1.5888441],
    ("bernoulli", "k42", True): [False, False, False, False, False, False, True, False],
    ("bernoulli", "k42", False): [False, False, True, True, False, True, True, True],
    ("bernoulli", "typed", True): [True, True, False, True, False, False, True, True],
    ("bernoulli", "typed", False): [False, False, False, True, True, False, False, True],
    ("bernoulli_high", "k42", True): [False, False, False, False, False, False],
    ("bernoulli_high", "k42", False): [False, True, False, False, True, True],
    ("bernoulli_high", "typed", True): [True, True, False, True, False, False],
    ("bernoulli_high", "typed", False): [False, False, False, False, True, False],
    ("exponential", "k42", True): [0.6708175, 1.1388006, 0.95782, 0.8232925, 0.5990097],
    ("exponential", "k42", False): [1.3086625, 2.0340383, 0.21870089, 0.23342834, 0.206562],
    ("exponential", "typed", True): [0.07254717, 0.12295325, 1.8864995, 0.18934447, 2.325666],
    ("exponential", "typed", False): [0.22690338, 2.1307461, 0.5886545, 0.13295895, 0.24798085],
    ("gumbel", "k42", True): [0.3340934, 0.95201945, 0.72553056, 0.5481715, 0.22680496],
    ("gumbel", "k42", False): [1.1553129, 1.9647626, -0.48698896, -0.45064557, -0.51799494],
    ("gumbel", "typed", True): [-0.97816545, -0.76862466, 1.805423, -0.56381625, 2.274692],
    ("gumbel", "typed", False): [-0.46658432, 2.0682056, 0.21091062, -0.734029, -0.41596523],
    ("gumbel_high", "k42", True): [0.399258, -0.12997562, 0.043095414, 0.19444373],
    ("gumbel_high", "k42", False): [-0.15195875, 0.088570334, 1.1771387, 1.2875233],
    ("gumbel_high", "typed", True): [2.6235168, 2.0959504, -0.634723, 1.6641873],
    ("gumbel_high", "typed", False): [-1.0079554, -1.5487019, -1.5370966, 4.2857914],
    ("gumbel_highest", "k42", True): [0.3992578, -0.12997583, 0.0430951, 0.19444339],
    ("gumbel_highest", "k42", False): [-0.15195884, 0.08857027, 1.1771382, 1.2875233],
    ("gumbel_highest", "typed", True): [2.6235185, 2.0959508, -0.63472325, 1.6641873],
    ("gumbel_highest", "typed", False): [-1.0079556, -1.5487034, -1.5370986, 4.2857876],
    ("laplace", "k42", True): [0.022839652, -0.44565356, -0.2646729, -0.13014539, 0.103929006],
    ("laplace", "k42", False): [-0.6155155, -1.3408915, 0.9342613, 0.8761776, 0.9855111],
    ("laplace", "typed", True): [1.9664251, 1.4636505, -1.1933526, 1.0642189, -1.632519],
    ("laplace", "typed", False): [0.9013911, -1.4375992, 0.1166992, 1.3903105, 0.8226859],
    ("logistic", "k42", True): [-0.045169413, 0.7528398, 0.47375232, 0.24528676, -0.19806653],
    ("logistic", "k42", False): [0.9937036, 1.8938491, -1.4087077, -1.3358966, -1.4720964],
    ("logistic", "typed", True): [-2.5870254, -2.0338447, 1.7220947, -1.5680218, 2.2228374],
    ("logistic", "typed", False): [-1.367635, 2.0043337, -0.22119194, -1.950499, -1.2678523],
    ("cauchy", "k42", True): [-0.03548463, 0.6337261, 0.38244057, 0.1940707, -0.15630901],
    ("cauchy", "k42", False): [0.88060784, 2.2948992, -1.4092793, -1.3044772, -1.5055559],
    ("cauchy", "typed", True): [-4.47518, -2.6290455, 1.9384376, -1.6610099, 3.154442],
    ("cauchy", "typed", False): [-1.3494308, 2.5550117, -0.17476608, -2.4250004, -1.2116945],
    ("pareto", "k42", True): [1.2505779, 1.4617002, 1.3761275, 1.3157816, 1.2209996],
    ("pareto", "k42", False): [1.5468504, 1.9699591, 1.0756233, 1.0809166, 1.0712798],
    ("pareto", "typed", True): [1.0244771, 1.0418359, 1.875421, 1.0651492, 2.1710742],
    ("pareto", "typed", False): [1.0785682, 2.0344973, 1.2167923, 1.0453165, 1.0861728],
    ("rayleigh", "k42", True): [2.3933022, 1.7571814, 1.9678774, 2.1503594, 2.5251951],
    ("rayleigh", "k42", False): [1.5873474, 1.0590153, 3.6082225, 3.543247, 3.6645966],
    ("rayleigh", "typed", True): [4.612654, 4.1538396, 1.1468388, 3.749524, 0.9069887],
    ("rayleigh", "typed", False): [3.5715973, 1.0056337, 2.5453432, 4.082605, 3.482336],
    ("wald", "k42", True): [1.6461202, 2.6983466, 0.35188103, 0.80199766, 1.0403848],
    ("wald", "k42", False): [0.40514654, 5.6900764, 0.10038066, 1.1424397, 2.2246342],
    ("wald", "typed", True): [0.9089983, 0.43377215, 0.31787694, 0.38735604, 0.18680441],
    ("wald", "typed", False): [3.5601237, 0.8527198, 2.1487586, 0.4206456, 1.9888043],
    ("weibull_min", "k42", True): [1.5326145, 2.1810308, 1.943357, 1.7568423, 1.4211913],
    ("weibull_min", "k42", False): [2.392848, 3.2107224, 0.7259895, 0.75822663, 0.69887084],
    ("weibull_min", "typed", True): [0.34789133, 0.49452698, 3.0535226, 0.6594751, 3.5107095],
    ("weibull_min", "typed", False): [0.7440303, 3.311701, 1.4047649, 0.52100474, 0.78942114],
    ("maxwell", "k42", True): [0.5535825, 0.29328507, 1.708603, 1.5084578, 1.8060526],
    ("maxwell", "k42", False): [2.6775997, 2.2278674, 0.9032399, 2.4524753, 1.2113425],
    ("maxwell", "typed", True): [2.1612008, 1.6342485, 1.8080804, 2.3135076, 2.061163],
    ("maxwell", "typed", False): [1.1917919, 2.3408332, 1.6083745, 2.3599849, 1.1208543],
    ("double_sided_maxwell", "k42", True): [-1.7620435, -0.35137796, 5.4440427, 2.3511],
    ("double_sided_maxwell", "k42", False): [2.945817, -0.8085213, 2.9300165, -1.9812937],
    ("double_sided_maxwell", "typed", True): [-2.6273437, 6.112009, 3.934044, 5.494666],
    ("double_sided_maxwell", "typed", False): [-2.0168247, 2.2296371, 5.640971, 2.1369796],
    ("rademacher", "k42", True): [1, -1, -1, -1, 1, -1, 1, -1],
    ("rademacher", "k42", False): [-1, -1, 1, 1, -1, 1, 1, 1],
    ("rademacher", "typed", True): [1, 1, -1, 1, -1, -1, 1, 1],
    ("rademacher", "typed", False): [-1, -1, -1, 1, 1, -1, 1, 1],
    ("triangular", "k42", True): [1.2485027, 1.6139203, 1.4826434, 1.3770695, 1.1844746],
    ("triangular", "k42", False): [1.7267808, 2.1140895, 0.76766783, 0.7902892, 0.7482463],
    ("triangular", "typed", True): [0.45818594, 0.5891392, 2.0462656, 0.7193718, 2.234291],
    ("triangular", "typed", False): [0.7803888, 2.1559076, 1.1750503, 0.61114395, 0.8117114],
    ("lognormal", "k42", True): [0.9859474, 1.2630961, 1.1593407, 1.0797969, 0.93986744],
    ("lognormal", "k42", False): [1.3581624, 1.7529396, 0.6523287, 0.66606617, 0.6406945],
    ("lognormal", "typed", True): [0.4780801, 0.54969436, 1.6732943, 0.6236483, 1.9104358],
    ("lognormal", "typed", False): [0.6600282, 1.8051304, 0.93309784, 0.5619214, 0.67927456],
    ("geometric", "k42", True): [3, 2, 2, 3, 3, 2],
    ("geometric", "k42", False): [2, 1, 1, 6, 6, 3],
    ("geometric", "typed", True): [10, 8, 1, 7, 1, 2],
    ("geometric", "typed", False): [6, 1, 1, 8, 6, 5],
    ("gamma", "k42", True): [0.167092, 0.33158407, 5.5229964, 46.532864],
    ("gamma", "k42", False): [0.002105701, 0.95811385, 1.844403, 48.30466],
    ("gamma", "typed", True): [0.0010141779, 0.69682634, 3.7953966, 47.945805],
    ("gamma", "typed", False): [5.29155e-06, 0.4610409, 1.5619029, 49.917984],
    ("loggamma", "k42", True): [-9.972712, -1.1038738, 2.2912617],
    ("loggamma", "k42", False): [-14.446821, 0.46314177, 2.4359722],
    ("loggamma", "typed", True): [-19.453909, -0.36121905, 2.0231028],
    ("loggamma", "typed", False): [-13.250364, -0.81860864, 1.9773761],
    ("beta", "k42", True): [0.2999818, 0.15156792, 0.46162656, 0.5041029, 0.16371007],
    ("beta", "k42", False): [0.24901268, 0.24443881, 0.55200684, 0.16408095, 0.060714662],
    ("beta", "typed", True): [0.08330241, 0.4163189, 0.21481054, 0.44845945, 0.16916248],
    ("beta", "typed", False): [0.26857853, 0.15063259, 0.14033742, 0.51453596, 0.5432084],
    ("dirichlet", "k42", True):
        [[0.20680316, 0.06861008, 0.7245868], [0.025705079, 0.16303171, 0.81126326]],
    ("dirichlet", "k42", False):
        [[0.057052504, 0.85161304, 0.09133447], [0.4105451, 0.49355298, 0.095901884]],
    ("dirichlet", "typed", True):
        [[0.009149199, 0.24395667, 0.74689406], [0.11678847, 0.74964064, 0.1335709]],
    ("dirichlet", "typed", False):
        [[0.06807404, 0.49915183, 0.43277416], [0.06621171, 0.12696731, 0.806821]],
    ("t", "k42", True): [0.08621217, -1.2958956, 2.0797083, 0.9826686, 0.21850161],
    ("t", "k42", False): [1.484334, -1.5087714, -3.8516452, -0.18101615, 0.42977878],
    ("t", "typed", True): [0.32289606, 1.3391831, 4.111362, 1.7482661, -2.0944293],
    ("t", "typed", False): [1.1597784, -0.4928494, -0.17044294, 2.2744062, -0.38432458],
    ("chisquare", "k42", True): [5.870714, 1.397851, 5.5594234, 1.4829895, 1.1388906],
    ("chisquare", "k42", False): [0.6855298, 2.7183967, 2.0290012, 0.90759706, 4.567427],
    ("chisquare", "typed", True): [0.25446716, 2.412841, 3.1270883, 1.8392861, 8.128479],
    ("chisquare", "typed", False): [6.2722626, 5.295678, 4.297543, 0.23980923, 7.9217725],
    ("f", "k42", True): [0.78100103, 0.52846515, 0.30461305, 0.22061527, 2.2746625],
    ("f", "k42", False): [0.82902324, 0.84937984, 0.28309003, 2.0387712, 2.622659],
    ("f", "typed", True): [3.7944028, 0.47106144, 0.34226415, 0.3533465, 1.5423471],
    ("f", "typed", False): [0.6039264, 1.6759936, 3.2522433, 0.19381374, 0.2247796],
    ("generalized_normal", "k42", True):
        [-0.87823755, -0.20616245, 1.160471, 0.10202969, 0.38633227],
    ("generalized_normal", "k42", False):
        [0.33646628, -0.45113552, 0.5588244, 0.6789714, -0.037838757],
    ("generalized_normal", "typed", True):
        [-0.022878334, 1.4856942, 0.22108278, 1.1245592, 0.83221596],
    ("generalized_normal", "typed", False):
        [-0.47359562, 0.58168054, -0.80290794, 1.0031252, -1.8557125],
    ("ball", "k42", True):
        [[0.3234023, 0.06133875, 0.018243387], [0.43724132, -0.077053934, 0.35943848]],
    ("ball", "k42", False):
        [[0.33328885, 0.22969273, -0.03467654], [-0.4765552, -0.5337109, 0.4697338]],
    ("ball", "typed", True):
        [[-0.07319737, -0.6383551, -0.48651823], [0.12058655, -0.775632, -0.038135268]],
    ("ball", "typed", False):
        [[0.015369027, -0.46696016, -0.20816164], [-0.056849945, -0.09176044, -0.9628178]],
    ("randint", "k42", True): [4, 4, 1, 9, 9, 9, 7, 7],
    ("randint", "k42", False): [5, 0, 6, 5, 5, 3, 3, 7],
    ("randint", "typed", True): [1, 4, 5, 9, 0, 4, 9, 8],
    ("randint", "typed", False): [8, 3, 8, 1, 0, 7, 8, 6],
    ("randint_u8", "k42", True): [196, 18, 183, 193, 141, 107],
    ("randint_u8", "k42", False): [116, 107, 61, 9, 72, 218],
    ("randint_u8", "typed", True): [129, 18, 109, 129, 134, 224],
    ("randint_u8", "typed", False): [29, 94, 49, 173, 1, 165],
    ("randint_bounds", "k42", True): [[94, 14, 43], [-1, 9, 76]],
    ("randint_bounds", "k42", False): [[17, 43, 23], [19, 84, 59]],
    ("randint_bounds", "typed", True): [[91, 14, 50], [74, 10, 57]],
    ("randint_bounds", "typed", False): [[91, 38, 52], [27, 37, 59]],
    ("permutation", "k42", True): [7, 4, 2, 5, 3, 6, 0, 1],
    ("permutation", "k42", False): [6, 0, 3, 7, 2, 5, 4, 1],
    ("permutation", "typed", True): [7, 4, 1, 2, 3, 0, 6, 5],
    ("permutation", "typed", False): [2, 6, 3, 4, 1, 5, 0, 7],
    ("permutation_2d", "k42", True): [[6, 7, 8], [9, 10, 11], [0, 1, 2], [3, 4, 5]],
    ("permutation_2d", "k42", False): [[6, 7, 8], [0, 1, 2], [3, 4, 5], [9, 10, 11]],
    ("permutation_2d", "typed", True): [[3, 4, 5], [6, 7, 8], [9, 10, 11], [0, 1, 2]],
    ("permutation_2d", "typed", False): [[9, 10, 11], [6, 7, 8], [3, 4, 5], [0, 1, 2]],
    ("permutation_indep", "k42", True): [[2, 3, 0, 1], [7, 4, 5, 6], [10, 11, 8, 9]],
    ("permutation_indep", "k42", False): [[0, 2, 3, 1], [4, 7, 6, 5], [11, 10, 8, 9]],
    ("permutation_indep", "typed", True): [[1, 2, 3, 0], [7, 4, 6, 5], [8, 10, 9, 11]],
    ("permutation_indep", "typed", False): [[1, 3, 0, 2], [5, 6, 4, 7], [9, 11, 8, 10]],
    ("choice", "k42", True): [4, 4, 1, 9],
    ("choice", "k42", False): [5, 4, 7, 3],
    ("choice", "typed", True): [1, 4, 5, 9],
    ("choice", "typed", False): [0, 1, 2, 3],
    ("choice_norep", "k42", True): [7.0, 4.0, 2.0, 5.0],
    ("choice_norep", "k42", False): [9.0, 0.0, 2.0, 6.0],
    ("choice_norep", "typed", True): [7.0, 8.0, 4.0, 1.0],
    ("choice_norep", "typed", False): [5.0, 6.0, 1.0, 4.0],
    ("choice_p", "k42", True): [2, 2, 2, 2, 2, 2],
    ("choice_p", "k42", False): [1, 1, 1, 3, 3, 2],
    ("choice_p", "typed", True): [3, 3, 1, 3, 0, 2],
    ("choice_p", "typed", False): [3, 1, 1, 3, 3, 3],
    ("choice_p_norep", "k42", True): [3, 2, 1],
    ("choice_p_norep", "k42", False): [1, 0, 3],
    ("choice_p_norep", "typed", True): [2, 3, 1],
    ("choice_p_norep", "typed", False): [3, 2, 1],
    ("categorical", "k42", True): [2, 0],
    ("categorical", "k42", False): [2, 0],
    ("categorical", "typed", True): [2, 1],
    ("categorical", "typed", False): [2, 0],
    ("categorical_shape", "k42", True): [2, 2, 2, 2, 1],
    ("categorical_shape", "k42", False): [1, 2, 2, 2, 1],
    ("categorical_shape", "typed", True): [2, 1, 2, 2, 1],
    ("categorical_shape", "typed", False): [2, 2, 0, 0, 2],
    ("categorical_norep", "k42", True): [1, 2, 5],
    ("categorical_norep", "k42", False): [2, 1, 0],
    ("categorical_norep", "typed", True): [4, 2, 5],
    ("categorical_norep", "typed", False): [2, 1, 5],
    ("poisson", "k42", True): [0, 1, 2, 9, 275],
    ("poisson", "k42", False): [0, 1, 3, 10, 297],
    ("poisson", "typed", True): [0, 0, 5, 12, 290],
    ("poisson", "typed", False): [0, 0, 2, 19, 308],
    ("binomial", "k42", True): [1.0, 20.0, 15.0, 439.0],
    ("binomial", "k42", False): [1.0, 20.0, 17.0, 466.0],
    ("binomial", "typed", True): [2.0, 22.0, 19.0, 449.0],
    ("binomial", "typed", False): [1.0, 23.0, 14.0, 484.0],
    ("multinomial", "k42", True): [6.0, 7.0, 17.0],
    ("multinomial", "k42", False): [6.0, 8.0, 16.0],
    ("multinomial", "typed", True): [5.0, 11.0, 14.0],
    ("multinomial", "typed", False): [9.0, 7.0, 14.0],
    ("multivariate_normal", "k42", True): [[0.95997125, 0.42695466], [1.4181871, 0.24817584]],
    ("multivariate_normal", "k42", False): [[1.2643666, 1.0626199], [-1.2052019, -1.9874386]],
    ("multivariate_normal", "typed", True): [[-1.0873141, -1.6413192], [2.4560583, -0.5193322]],
    ("multivariate_normal", "typed", False): [[0.9971506, -0.574193], [1.5536494, 0.8941599]],
    ("orthogonal", "k42", True):
        [[-0.0195297, 0.9952678, 0.09518957], [0.1059439, -0.09261153, 0.9900501], [-0.99418044,
        -0.02941984, 0.103633866]],
    ("orthogonal", "k42", False):
        [[0.27858758, -0.79498315, -0.53887886], [0.9120717, 0.04322896, 0.4077456], [-0.30085573,
        -0.60508907, 0.73712486]],
    ("orthogonal", "typed", True):
        [[-0.74135065, -0.23170444, 0.629851], [-0.47432724, 0.8448411, -0.24750212],
        [-0.47477663, -0.48224136, -0.7362272]],
    ("orthogonal", "typed", False):
        [[-0.99611735, 0.04453152, 0.075942114], [0.026969632, -0.6667932, 0.7447546],
        [0.083802745, 0.7439111, 0.6630033]],
}

DTYPES = {
    "bits_u32": "uint32", "bits_u8": "uint8", "bits_u16": "uint16", "split3": "uint32",
    "split_shape": "uint32", "fold_in": "uint32", "uniform": "float32",
    "uniform_minmax": "float32", "uniform_f16": "float16", "uniform_bf16": "float32",
    "normal": "float32", "normal_c64": "complex64",
    "truncated_normal": "float32", "truncated_normal_b": "float32", "bernoulli": "bool",
    "bernoulli_high": "bool", "exponential": "float32",
    "gumbel": "float32", "gumbel_high": "float32", "gumbel_highest": "float32",
    "laplace": "float32", "logistic": "float32", "cauchy": "float32", "pareto": "float32",
    "rayleigh": "float32", "wald": "float32", "weibull_min": "float32", "maxwell": "float32",
    "double_sided_maxwell": "float32", "rademacher": "int32", "triangular": "float32",
    "lognormal": "float32", "geometric": "int32", "gamma": "float32",
    "loggamma": "float32", "beta": "float32", "dirichlet": "float32", "t": "float32",
    "chisquare": "float32", "f": "float32", "generalized_normal": "float32", "ball": "float32",
    "randint": "int32", "randint_u8": "uint8", "randint_bounds": "int32", "permutation": "int32",
    "permutation_2d": "int32", "permutation_indep": "int32", "choice": "int32",
    "choice_norep": "float32", "choice_p": "int32", "choice_p_norep": "int32",
    "categorical": "int32", "categorical_shape": "int32", "categorical_norep": "int32",
    "poisson": "int32", "binomial": "float32", "multinomial": "float32",
    "multivariate_normal": "float32", "orthogonal": "float32",
}

DISCRETE_FLOATS = {"binomial", "multinomial", "choice_norep"}


@pytest.mark.parametrize("name", list(SPEC))
def test_sampler_matches_jax(name):
  for key_name, make_key in KEYS.items():
    for flag in (True, False):
      with partitionable(flag):
        got = np.asarray(SPEC[name](make_key()))
      assert got.dtype == np.dtype(DTYPES[name]), (name, got.dtype)
      if got.dtype.kind == "c":
        got = np.stack([got.real, got.imag], -1)
      want = np.array(EXPECTED[(name, key_name, flag)], dtype=got.dtype)
      assert got.shape == want.shape, (name, key_name, flag)
      msg = f"{name} with key {key_name}, partitionable={flag}"
      if got.dtype.kind in "biu" or name in DISCRETE_FLOATS:
        np.testing.assert_array_equal(got, want, err_msg=msg)
      else:
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=1e-7, err_msg=msg)


@pytest.mark.parametrize("flag, uniform, normal, randint, bits", [
    (True, [0.4267275666499091, 0.015010069515314584, 0.5741444178995352],
     [-0.18471174528191162, -2.169824560397754], [464050701877, -395020523842, 848944880791],
     [7871734211187709741, 276886910877598708, 10591095138341673235]),
    (False, [0.7298188969046309, 0.8691938242843895, 0.8723002596642415],
     [0.18693555179382582, 1.0653337121176834], [-114582051831, -977032942776, 657785173210],
     [13462782411356743825, 16033796027023006562, 16091099645456652183]),
])
def test_x64_samplers_match_jax(flag, uniform, normal, randint, bits):
  key = random.PRNGKey(42)
  with jaxlite.config._config._override("jax_enable_x64", True), partitionable(flag):
    u = random.uniform(key, (3,), np.float64)
    z = random.normal(key, (2,), np.float64)
    i = random.randint(key, (3,), -10 ** 12, 10 ** 12)
    b = random.bits(key, (3,), np.uint64)
    assert random.normal(key).dtype == np.float64
  assert (u.dtype, z.dtype, i.dtype, b.dtype) == (np.float64, np.float64, np.int64, np.uint64)
  np.testing.assert_array_equal(np.asarray(u), uniform)  # pure bit manipulation: exact
  np.testing.assert_allclose(np.asarray(z), normal, rtol=1e-14)
  np.testing.assert_array_equal(np.asarray(i), randint)
  np.testing.assert_array_equal(np.asarray(b), np.array(bits, np.uint64))


@pytest.mark.parametrize("seed, x64, expected", [
    (0, False, [0, 0]), (-1, False, [0, 4294967295]), (2 ** 32 + 5, False, [0, 5]),
    (np.int32(-5), False, [0, 4294967291]), (np.uint32(7), False, [0, 7]),
    (np.int8(-3), False, [0, 4294967293]), (True, False, [0, 1]),
    (-1, True, [4294967295, 4294967295]), (2 ** 40 + 7, True, [256, 7]),
])
def test_seeds(seed, x64, expected):
  with jaxlite.config._config._override("jax_enable_x64", x64):
    key = random.PRNGKey(seed)
    typed = random.key_data(random.key(seed))
  assert key.dtype == np.uint32 and key.shape == (2,)
  np.testing.assert_array_equal(np.asarray(key), expected)
  np.testing.assert_array_equal(np.asarray(typed), expected)


# ---------------------------------------------------------------------------
# Distributions: a fixed key, a test against scipy that the wrong law would fail

N = 3000
KS_CASES = {
    "uniform": (lambda k: random.uniform(k, (N,)), scipy.stats.uniform()),
    "uniform_range": (lambda k: random.uniform(k, (N,), minval=-2., maxval=3.),
                      scipy.stats.uniform(-2., 5.)),
    "normal": (lambda k: random.normal(k, (N,)), scipy.stats.norm()),
    "normal_real_part": (lambda k: random.normal(k, (N,), np.complex64).real,
                         scipy.stats.norm(scale=np.sqrt(0.5))),
    "truncated_normal": (lambda k: random.truncated_normal(k, -1., 2., (N,)),
                         scipy.stats.truncnorm(-1., 2.)),
    "exponential": (lambda k: random.exponential(k, (N,)), scipy.stats.expon()),
    "gumbel": (lambda k: random.gumbel(k, (N,)), scipy.stats.gumbel_r()),
    "gumbel_high": (lambda k: random.gumbel(k, (N,), mode="high"), scipy.stats.gumbel_r()),
    "gumbel_highest": (lambda k: random.gumbel(k, (N,), mode="highest"),
                       scipy.stats.gumbel_r()),
    "laplace": (lambda k: random.laplace(k, (N,)), scipy.stats.laplace()),
    "logistic": (lambda k: random.logistic(k, (N,)), scipy.stats.logistic()),
    "cauchy": (lambda k: random.cauchy(k, (N,)), scipy.stats.cauchy()),
    "pareto": (lambda k: random.pareto(k, 3., (N,)), scipy.stats.pareto(3.)),
    "rayleigh": (lambda k: random.rayleigh(k, 2., (N,)), scipy.stats.rayleigh(scale=2.)),
    "wald": (lambda k: random.wald(k, 1.5, (N,)), scipy.stats.invgauss(1.5)),
    "weibull_min": (lambda k: random.weibull_min(k, 2., 1.5, (N,)),
                    scipy.stats.weibull_min(1.5, scale=2.)),
    "maxwell": (lambda k: random.maxwell(k, (N,)), scipy.stats.maxwell()),
    "double_sided_maxwell_magnitude": (
        lambda k: jnp.abs(random.double_sided_maxwell(k, 1., 2., (N,)) - 1.) / 2.,
        scipy.stats.maxwell()),
    "triangular": (lambda k: random.triangular(k, 0., 1., 3., (N,)),
                   scipy.stats.triang(1 / 3, scale=3.)),
    "lognormal": (lambda k: random.lognormal(k, 0.5, (N,)), scipy.stats.lognorm(0.5)),
    "gamma_small": (lambda k: random.gamma(k, 0.3, (N,)), scipy.stats.gamma(0.3)),
    "gamma": (lambda k: random.gamma(k, 2.5, (N,)), scipy.stats.gamma(2.5)),
    "loggamma": (lambda k: jnp.exp(random.loggamma(k, 0.7, (N,))), scipy.stats.gamma(0.7)),
    "beta": (lambda k: random.beta(k, 2., 5., (N,)), scipy.stats.beta(2., 5.)),
    "dirichlet_marginal": (lambda k: random.dirichlet(k, np.array([1., 2., 3.]), (N,))[:, 1],
                           scipy.stats.beta(2., 4.)),
    "t": (lambda k: random.t(k, 4., (N,)), scipy.stats.t(4.)),
    "chisquare": (lambda k: random.chisquare(k, 3., (N,)), scipy.stats.chi2(3.)),
    "f": (lambda k: random.f(k, 4., 6., (N,)), scipy.stats.f(4., 6.)),
    "generalized_normal": (lambda k: random.generalized_normal(k, 1.5, (N,)),
                           scipy.stats.gennorm(1.5)),
    "ball_radius_cubed": (lambda k: jnp.sum(random.ball(k, 3, 2, (N,)) ** 2, -1) ** 1.5,
                          scipy.stats.uniform()),
    "multivariate_normal_projection": (
        lambda k: random.multivariate_normal(k, np.zeros(2), np.array([[2., .5], [.5, 1.]]),
                                             (N,)) @ np.array([1., -1.]),
        scipy.stats.norm(scale=np.sqrt(2.))),
}


@pytest.mark.parametrize("name", list(KS_CASES))
def test_distribution_ks(name):
  sample_fn, dist = KS_CASES[name]
  x = np.asarray(sample_fn(random.PRNGKey(2)), np.float64)
  assert x.shape == (N,) and np.all(np.isfinite(x))
  assert scipy.stats.kstest(x, dist.cdf).pvalue > 1e-3
  # The same law under the other layout, from other bits.
  with partitionable(False):
    y = np.asarray(sample_fn(random.PRNGKey(2)), np.float64)
  assert not np.array_equal(x, y)
  assert scipy.stats.kstest(y, dist.cdf).pvalue > 1e-3


def _chi2_pvalue(samples, probs):
  counts = np.bincount(np.asarray(samples).ravel(), minlength=len(probs))
  probs = np.asarray(probs, np.float64)
  probs = probs / probs.sum()  # truncated tails renormalized
  return scipy.stats.chisquare(counts, probs * counts.sum()).pvalue


def test_discrete_frequencies():
  key = random.PRNGKey(3)
  p = np.array([0.1, 0.2, 0.3, 0.4], np.float32)
  assert _chi2_pvalue(random.randint(key, (N,), 0, 7), np.full(7, 1 / 7)) > 1e-3
  assert _chi2_pvalue(random.choice(key, 4, (N,), p=p), p) > 1e-3
  logits = np.log(p)
  assert _chi2_pvalue(random.categorical(key, logits, shape=(N,)), p) > 1e-3
  assert _chi2_pvalue(random.poisson(key, 2.5, (N,)), scipy.stats.poisson(2.5).pmf(
      np.arange(40))) > 1e-3
  assert _chi2_pvalue(random.binomial(key, 12., 0.3, (N,)).astype(int),
                      scipy.stats.binom(12, 0.3).pmf(np.arange(13))) > 1e-3
  assert _chi2_pvalue(random.geometric(key, 0.4, (N,)) - 1,
                      scipy.stats.geom(0.4).pmf(np.arange(1, 60))) > 1e-3
  ber = np.asarray(random.bernoulli(key, 0.3, (N,)))
  assert ber.dtype == np.bool_ and abs(ber.mean() - 0.3) < 4 * np.sqrt(0.21 / N)
  rad = np.asarray(random.rademacher(key, (N,)))
  assert set(np.unique(rad)) == {-1, 1} and abs(rad.mean()) < 4 / np.sqrt(N)


def test_large_parameter_discrete_moments():
  key = random.PRNGKey(4)
  lam = 300.
  x = np.asarray(random.poisson(key, lam, (N,)), np.float64)  # the rejection branch
  assert abs(x.mean() - lam) < 4 * np.sqrt(lam / N) and abs(x.var() / lam - 1) < 0.1
  n, p = 1000., 0.45
  b = np.asarray(random.binomial(key, n, p, (N,)), np.float64)  # the BTRS branch
  var = n * p * (1 - p)
  assert abs(b.mean() - n * p) < 4 * np.sqrt(var / N) and abs(b.var() / var - 1) < 0.1
  counts = np.asarray(random.multinomial(key, 50., np.array([0.2, 0.3, 0.5]), shape=(N, 3)))
  np.testing.assert_array_equal(counts.sum(-1), 50.)
  np.testing.assert_allclose(counts.mean(0), [10., 15., 25.], rtol=0.03)


def test_permutations_and_orthogonal_matrices():
  key = random.PRNGKey(5)
  perms = np.stack([np.asarray(random.permutation(k, 5)) for k in random.split(key, 200)])
  np.testing.assert_array_equal(np.sort(perms, 1), np.tile(np.arange(5), (200, 1)))
  # every value lands in every position about equally often
  assert _chi2_pvalue(perms[:, 0], np.full(5, 0.2)) > 1e-3
  x = np.arange(24).reshape(4, 6)
  indep = np.asarray(random.permutation(key, x, axis=1, independent=True))
  np.testing.assert_array_equal(np.sort(indep, 1), x)
  q = np.asarray(random.orthogonal(key, 4, (3,)))
  np.testing.assert_allclose(q @ np.swapaxes(q, -1, -2), np.broadcast_to(np.eye(4), (3, 4, 4)),
                             atol=1e-5)
  wide = np.asarray(random.orthogonal(key, 2, m=5))
  assert wide.shape == (2, 5)
  np.testing.assert_allclose(wide @ wide.T, np.eye(2), atol=1e-5)
  sample = np.asarray(random.choice(key, 10, (10,), replace=False))
  np.testing.assert_array_equal(np.sort(sample), np.arange(10))


# ---------------------------------------------------------------------------
# Keys under transformations

@pytest.mark.parametrize("flag", [True, False])
def test_split_and_fold_in_agree_under_jit_and_vmap(flag):
  with partitionable(flag):
    key = random.PRNGKey(11)
    keys = random.split(key, 4)
    np.testing.assert_array_equal(jaxlite.jit(random.split, static_argnums=1)(key, 4), keys)
    loop = np.stack([np.asarray(random.split(k, 3)) for k in keys])
    np.testing.assert_array_equal(jaxlite.vmap(lambda k: random.split(k, 3))(keys), loop)
    np.testing.assert_array_equal(jaxlite.jit(random.fold_in)(key, 7), random.fold_in(key, 7))
    folded = jaxlite.vmap(random.fold_in, (None, 0))(key, jnp.arange(4))
    np.testing.assert_array_equal(folded, np.stack([random.fold_in(key, i) for i in range(4)]))
    per_key = jaxlite.vmap(random.fold_in)(keys, jnp.arange(4, dtype=np.uint32))
    np.testing.assert_array_equal(per_key, np.stack([random.fold_in(k, i)
                                                     for i, k in enumerate(keys)]))


@pytest.mark.parametrize("flag", [True, False])
def test_samplers_agree_under_jit_and_vmap(flag):
  samplers = [lambda k: random.normal(k, (3,)), lambda k: random.gamma(k, 1.5, (2,)),
              lambda k: random.poisson(k, 20., (3,)), lambda k: random.permutation(k, 5),
              lambda k: random.randint(k, (3,), 0, 9), lambda k: random.bits(k, (2,))]
  with partitionable(flag):
    keys = random.split(random.PRNGKey(12), 3)
    for sample in samplers:
      eager = np.stack([np.asarray(sample(k)) for k in keys])
      np.testing.assert_allclose(jaxlite.vmap(sample)(keys), eager, rtol=1e-6)
      np.testing.assert_allclose(jaxlite.jit(sample)(keys[0]), eager[0], rtol=1e-6)
      np.testing.assert_array_equal(sample(keys[0]), eager[0])  # same key, same numbers


def test_same_key_same_numbers_different_keys_differ():
  a = random.uniform(random.PRNGKey(0), (100,))
  np.testing.assert_array_equal(a, random.uniform(random.PRNGKey(0), (100,)))
  assert not np.any(np.asarray(a) == np.asarray(random.uniform(random.PRNGKey(1), (100,))))
  k1, k2 = random.split(random.PRNGKey(0))
  assert not np.array_equal(random.normal(k1, (4,)), random.normal(k2, (4,)))


def test_jaxpr_uses_threefry2x32():
  jaxpr = jaxlite.make_jaxpr(lambda k: random.normal(k, (3,)))(random.PRNGKey(0))
  names = [e.primitive.name for e in jaxpr.jaxpr.eqns]
  assert names.count("threefry2x32") == 1 and "erf_inv" in names
  gamma_jaxpr = jaxlite.make_jaxpr(lambda k: random.gamma(k, 2., (3,)))(random.PRNGKey(0))
  eqn = [e for e in gamma_jaxpr.jaxpr.eqns if e.primitive.name == "random_gamma"]
  assert len(eqn) == 1 and eqn[0].params == {"log_space": False}


def test_gamma_gradients_match_jax():
  key = random.PRNGKey(0)
  grad = jaxlite.grad(lambda a: random.gamma(key, a, (3,)).sum())
  np.testing.assert_allclose(grad(np.float32(2.0)), 2.7869484, rtol=1e-5)
  per_a = jaxlite.vmap(jaxlite.grad(lambda a: random.gamma(key, a)))
  np.testing.assert_allclose(per_a(np.array([0.3, 1.0, 4.5], np.float32)),
                             [2.2258236, 0.9094878, 0.9832893], rtol=1e-5)
  log_grad = jaxlite.grad(lambda a: random.loggamma(key, a, (2,)).sum())
  np.testing.assert_allclose(log_grad(np.float32(0.2)), 10.90987, rtol=1e-5)
  np.testing.assert_allclose(jaxlite.grad(lambda a: random.beta(key, a, 2.0))(np.float32(1.5)),
                             0.1472634, rtol=1e-5)
  # The last two lie in the upper tail (continued fraction branch).
  direct = random_gamma_grad_p.bind(f32([0.5, 2., 10., 0.5, 3.]), f32([0.3, 1.5, 12., 8., 40.]))
  np.testing.assert_allclose(direct, [1.0098022, 0.936639, 1.1123294, 3.9286296, 2.934763],
                             rtol=1e-5)
  with partitionable(False):
    np.testing.assert_allclose(grad(np.float32(2.0)), 2.3600018, rtol=1e-5)


def test_samples_are_constants_for_grad():
  key = random.PRNGKey(1)
  z = random.normal(key, (3,))
  g = jaxlite.grad(lambda x: jnp.sum(x * random.normal(key, (3,))))(1.0)
  np.testing.assert_allclose(g, np.sum(np.asarray(z)), rtol=1e-6)
  g = jaxlite.grad(lambda lo: random.uniform(key, (), minval=lo, maxval=3.))(np.float32(-0.5))
  u = np.asarray(random.uniform(key, ()))
  np.testing.assert_allclose(g, 1 - u, rtol=1e-6)  # d/dlo (u * (hi - lo) + lo)


# ---------------------------------------------------------------------------
# Typed keys

def test_typed_key_array():
  key = random.key(0)
  assert repr(key) == "Array((), dtype=key<fry>) overlaying:\n[0 0]"
  assert str(key) == repr(key)
  assert key.shape == () and key.ndim == 0 and key.size == 1 and key.itemsize == 8
  assert str(key.dtype) == "key<fry>" and key.dtype == random.key_dtype("threefry2x32")
  assert random.key_impl(key) == "threefry2x32" == random.key_impl(random.PRNGKey(0))
  assert isinstance(key, jaxlite.Array)
  keys = random.split(key, (2, 3))
  assert keys.shape == (2, 3) and len(keys) == 2
  assert random.key_data(keys).shape == (2, 3, 2)
  assert keys[1].shape == (3,) and keys[..., 1].shape == (2,)
  assert keys.T.shape == (3, 2) and keys.reshape(6).shape == (6,)
  first, second = random.split(key)
  np.testing.assert_array_equal(random.key_data(second), [928981903, 3453687069])
  assert bool(jnp.all(random.split(key, 2) == random.split(key, 2)))
  np.testing.assert_array_equal(random.key_data(random.wrap_key_data(random.key_data(keys))),
                                random.key_data(keys))
  assert random.normal(key) == random.normal(random.PRNGKey(0))
  assert random.clone(random.PRNGKey(3)).shape == (2,)


def test_typed_keys_are_pytrees_of_their_data():
  keys = random.split(random.key(1), 3)
  leaves = jaxlite.tree_util.tree_leaves(keys)
  assert len(leaves) == 1 and leaves[0].dtype == np.uint32 and leaves[0].shape == (3, 2)
  out = jaxlite.jit(lambda k: random.split(k))(keys[0])
  assert type(out) is type(keys) and out.shape == (2,)
  np.testing.assert_array_equal(random.key_data(out), random.key_data(random.split(keys[0])))
  sampled = jaxlite.vmap(lambda k: random.normal(k))(keys)
  np.testing.assert_allclose(sampled, [random.normal(k) for k in keys], rtol=1e-6)
  split_all = jaxlite.vmap(random.split)(keys)
  assert split_all.shape == (3, 2)
  g = jaxlite.grad(lambda x, k: x * random.normal(k))(2.0, keys[0])
  np.testing.assert_allclose(g, random.normal(keys[0]), rtol=1e-6)


def _raises(exc, match, fn):
  with pytest.raises(exc, match=match):
    fn()


def test_key_errors():
  key, typed = random.PRNGKey(0), random.key(0)
  _raises(TypeError, r"key_data.shape to end with \(2,\); got shape=\(3,\)",
          lambda: random.normal(jnp.array([1, 2, 3], np.uint32)))
  _raises(TypeError, "expected key_data.dtype = uint32; got dtype=int32",
          lambda: random.normal(jnp.array([1, 2], np.int32)))
  _raises(TypeError, "expected key_data.ndim >= 1; got ndim=0",
          lambda: random.normal(jnp.uint32(3)))
  _raises(TypeError, "unexpected PRNG key type <class 'list'>", lambda: random.normal([0, 0]))
  _raises(ValueError, r"normal accepts a single key, but was given a key array of shape "
          r"\(3, 2\) != \(\)", lambda: random.normal(random.split(key, 3)))
  _raises(ValueError, r"split accepts a single key, but was given a key array of shape \(3,\)",
          lambda: random.split(random.split(typed, 3)))
  _raises(TypeError, "fold_in accepts a scalar", lambda: random.fold_in(key, jnp.arange(2)))
  _raises(TypeError, r"key accepts a scalar seed, but was given an array of shape \(2,\)",
          lambda: random.key(jnp.arange(2)))
  _raises(TypeError, "key accepts a scalar seed, but was given a PRNG key.",
          lambda: random.key(typed))
  _raises(TypeError, "PRNG key seed must be an integer", lambda: random.PRNGKey(1.5))
  _raises(TypeError, "cannot be interpreted as an integer", lambda: random.split(key, 2.0))
  _raises(TypeError, "key array cannot be converted to boolean", lambda: bool(typed))
  _raises(TypeError, "cannot be converted to a NumPy array", lambda: np.asarray(typed))
  _raises(TypeError, "len\\(\\) of unsized object", lambda: len(typed))
  _raises(ValueError, 'unrecognized PRNG implementation "rbg"', lambda: random.key(0, impl="rbg"))


def test_argument_errors():
  key = random.PRNGKey(0)
  _raises(ValueError, "dtype argument to `uniform` must be a float dtype, got int32",
          lambda: random.uniform(key, dtype=jnp.int32))
  _raises(ValueError, "dtype argument to `normal` must be a float or complex dtype, got int32",
          lambda: random.normal(key, dtype=jnp.int32))
  _raises(ValueError, "dtype argument to `gamma` must be a float dtype",
          lambda: random.gamma(key, 1., dtype=jnp.int32))
  _raises(TypeError, "randint only accepts integer dtypes, got float32",
          lambda: random.randint(key, (2,), 0, 3, dtype=jnp.float32))
  _raises(ValueError, "dtype argument to `bits` must be an unsigned int dtype, got int32",
          lambda: random.bits(key, (2,), dtype=jnp.int32))
  _raises(TypeError, "Shapes must be 1D sequences of concrete values of integer type",
          lambda: random.normal(key, (2.0,)))
  _raises(ValueError, r"Incompatible shapes for broadcasting: shapes=\[\(2,\), \(3,\)\]",
          lambda: random.gamma(key, jnp.ones(3), (2,)))
  _raises(ValueError, "gamma parameter shapes must be broadcast-compatible with shape",
          lambda: random.gamma(key, jnp.ones(3), (2, 1)))
  _raises(TypeError, "bernoulli probability `p` must have a floating dtype",
          lambda: random.bernoulli(key, 1))
  _raises(ValueError, "Cannot take a larger sample", lambda: random.choice(key, 3, (4,),
                                                                           replace=False))
  _raises(ValueError, "Must provide valid mode for gumbel got: bad",
          lambda: random.categorical(key, jnp.zeros(3), mode="bad"))
  _raises(ValueError, "method must be one of", lambda: random.multivariate_normal(
      key, jnp.zeros(2), jnp.eye(2), method="qr"))
  with jaxlite.config._config._override("jax_enable_x64", True):
    _raises(ValueError, "cannot safely cast argument of type float64 to float32",
            lambda: random.beta(key, jnp.array(1.0, np.float64), 2., dtype=jnp.float32))


def test_small_float_formats():
  key = random.PRNGKey(0)
  for dtype in (np.float16, "bfloat16"):
    u = random.uniform(key, (1000,), dtype)
    assert u.dtype == np.dtype(dtype)
    x = np.asarray(u, np.float32)
    assert x.min() >= 0 and x.max() < 1 and len(np.unique(x)) > 50


def test_scaled_uniform_and_truncated_normal_are_bit_exact():
  # XLA fuses uniform's scale-and-shift into one fused multiply-add, turns division by a
  # constant into multiplication by its reciprocal, and has its own float32 erf: all three
  # show in the last bit (uint32 views of jax 0.10.2's outputs).
  key = jaxlite.random.key(3)
  u = np.asarray(jaxlite.random.uniform(key, (2000,), minval=-3., maxval=7.)).view(np.uint32)
  assert list(u[:6]) == [3222313786, 1087124680, 1079989534, 1087910623, 3193792864,
                         1077220499]
  assert u.sum(dtype=np.uint64) == 3501838530847
  t = np.asarray(jaxlite.random.truncated_normal(key, -1.5, 2., (6,))).view(np.uint32)
  assert list(t) == [3213731307, 1068804129, 1053812014, 1071191429, 3203340561, 1048373461]


def test_float32_erf_rounds_as_xla():
  x = np.float32([-3.9, -1.2, -0.3, 0., 0.05, 0.7, 2.2, 3.8])
  got = np.asarray(jaxlite.lax.erf(x)).view(np.uint32)
  assert list(got) == [3212836864, 3211332183, 3198697926, 0, 1030153804, 1059947616,
                       1065321964, 1065353214]


def test_fused_multiply_add_rounds_once():
  from jaxlite._src.lax.fma import fused_multiply_add
  x, y, z = np.float32(1 + 2**-12), np.float32(1 + 2**-12), np.float32(-1 - 2**-11)
  # x * y = 1 + 2**-11 + 2**-24 exactly; two roundings lose the 2**-24.
  assert np.float32(x * y) + z == 0
  assert float(fused_multiply_add(x, y, z)) == 2.0**-24


def test_key_dtypes_are_prng_key_subdtypes():
  k = random.key(0)
  assert jaxlite.dtypes.issubdtype(k.dtype, jaxlite.dtypes.prng_key)
  assert jaxlite.dtypes.issubdtype(k.dtype, jaxlite.dtypes.extended)
  assert jnp.issubdtype(k.dtype, jaxlite.dtypes.prng_key)
  assert not jaxlite.dtypes.issubdtype(np.float32, jaxlite.dtypes.prng_key)
  assert not jaxlite.dtypes.issubdtype(k.dtype, np.floating)
  assert not jaxlite.dtypes.issubdtype(random.PRNGKey(0).dtype, jaxlite.dtypes.prng_key)
