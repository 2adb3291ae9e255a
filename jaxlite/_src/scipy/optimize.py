"""``jax.scipy.optimize.minimize`` with BFGS: the quasi-Newton update of the inverse Hessian
with a line search satisfying the strong Wolfe conditions (Nocedal & Wright, algorithms 3.5
and 3.6: bracketing, then "zoom" by cubic/quadratic interpolation or bisection). Every loop
is a ``lax.while_loop``, so ``minimize`` can be jitted and vmapped."""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from jaxlite import lax
from jaxlite import numpy as jnp
from jaxlite._src import dtypes
from jaxlite._src.numpy import util

__all__ = ["OptimizeResults", "minimize"]


class OptimizeResults(NamedTuple):
  """What ``minimize`` returns (the fields of ``jax.scipy.optimize.OptimizeResults``)."""
  x: Any
  success: Any
  status: Any
  fun: Any
  jac: Any
  hess_inv: Any
  nfev: Any
  njev: Any
  nit: Any


def minimize(fun, x0, args=(), *, method, tol=None, options=None):
  """Minimize ``fun(x, *args)`` from ``x0`` (1-D). Only ``method='BFGS'``; ``tol`` is
  ignored, as in JAX; ``options`` go to BFGS: maxiter, norm, gtol, line_search_maxiter."""
  options = {} if options is None else dict(options)
  if not isinstance(args, tuple):
    raise TypeError("args argument to jax.scipy.optimize.minimize must be a tuple, got "
                    f"{args}")
  if method.lower() != "bfgs":
    raise ValueError(f"Method {method} not recognized")
  r = _bfgs(lambda x: fun(x, *args), x0, **options)
  return OptimizeResults(x=r["x"], success=r["converged"] & ~r["failed"], status=r["status"],
                         fun=r["f"], jac=r["g"], hess_inv=r["H"], nfev=r["nfev"],
                         njev=r["ngev"], nit=r["k"])


def _norm(v, ord):
  from jaxlite._src.numpy import linalg
  return linalg.norm(v, ord=ord)


def _i32(v):
  return jnp.asarray(v, np.int32)


def _bfgs(fun, x0, maxiter=None, norm=np.inf, gtol=1e-5, line_search_maxiter=10):
  from jaxlite._src.api import value_and_grad
  x0 = jnp.asarray(x0)
  if maxiter is None:
    maxiter = np.size(x0) * 200
  d = x0.shape[0]
  f0, g0 = value_and_grad(fun)(x0)
  state = dict(converged=_norm(g0, norm) < gtol, failed=jnp.asarray(False), k=_i32(0),
               nfev=_i32(1), ngev=_i32(1), x=x0, f=f0, g=g0, H=jnp.eye(d, dtype=x0.dtype),
               f_prev=f0 + _norm(g0, 2) / 2, ls_status=_i32(0))

  def cond(s):
    return ~s["converged"] & ~s["failed"] & (s["k"] < maxiter)

  def body(s):
    p = -jnp.dot(s["H"], s["g"])
    ls = _line_search(fun, s["x"], p, s["f"], s["f_prev"], s["g"], line_search_maxiter)
    step = ls["a"] * p
    g_new = ls["g"]
    y = g_new - s["g"]
    rho = 1 / jnp.dot(y, step)
    # H <- (I - rho s y^T) H (I - rho y s^T) + rho s s^T, skipped when y.s == 0.
    w = jnp.eye(d, dtype=rho.dtype) - rho * jnp.outer(step, y)
    h_new = jnp.einsum("ij,jk,lk", w, s["H"], w) + rho * jnp.outer(step, step)
    return dict(converged=_norm(g_new, norm) < gtol, failed=ls["failed"], k=s["k"] + 1,
                nfev=s["nfev"] + ls["nfev"], ngev=s["ngev"] + ls["ngev"], x=s["x"] + step,
                f=ls["f"], g=g_new, H=jnp.where(jnp.isfinite(rho), h_new, s["H"]),
                f_prev=s["f"], ls_status=ls["status"])

  s = lax.while_loop(cond, body, state)
  s["status"] = jnp.where(s["converged"], 0, jnp.where(
      s["k"] == maxiter, 1, jnp.where(s["failed"], 2 + s["ls_status"], -1)))
  return s


def _where_dict(pred, old, new):
  """``old`` with the entries of ``new`` taken where ``pred`` holds."""
  out = dict(old)
  for key, value in new.items():
    out[key] = jnp.where(pred, value, old[key])
  return out


def _line_search(f, xk, pk, phi0, old_old_fval, gfk, maxiter, c1=1e-4, c2=0.9):
  """Step length along ``pk`` satisfying the strong Wolfe conditions."""
  from jaxlite._src.api import value_and_grad
  xk, pk = util.promote_dtypes_inexact(xk, pk)
  dt = pk.dtype

  def phi_dphi_g(t):
    value, g = value_and_grad(f)(xk + jnp.asarray(t, dt) * pk)
    return value, jnp.real(jnp.dot(g, pk)), g

  dphi0 = jnp.real(jnp.dot(gfk, pk))
  # The first trial step extrapolates the last decrease (capped at the Newton step 1).
  guess = 1.01 * 2 * (phi0 - old_old_fval) / dphi0
  first = jnp.where(guess > 1, 1.0, guess)

  def sufficient_decrease_fails(a, phi):
    return phi > phi0 + c1 * a * dphi0

  def curvature_holds(dphi):
    return jnp.abs(dphi) <= -c2 * dphi0

  wolfe = (sufficient_decrease_fails, curvature_holds)
  zero = jnp.zeros((), phi0.dtype)
  state = dict(done=jnp.asarray(False), failed=jnp.asarray(False), i=_i32(1), a_prev=zero,
               phi_prev=phi0, dphi_prev=dphi0, nfev=_i32(0), ngev=_i32(0), a=zero, phi=phi0,
               dphi=dphi0, g=gfk)

  def body(s):
    a_i = jnp.where(s["i"] == 1, first, s["a_prev"] * 2).astype(phi0.dtype)
    phi_i, dphi_i, g_i = phi_dphi_g(a_i)
    to_zoom1 = sufficient_decrease_fails(a_i, phi_i) | ((phi_i >= s["phi_prev"]) & (s["i"] > 1))
    accept = curvature_holds(dphi_i) & ~to_zoom1
    to_zoom2 = (dphi_i >= 0) & ~to_zoom1 & ~accept
    z1 = _zoom(phi_dphi_g, wolfe, (s["a_prev"], s["phi_prev"], s["dphi_prev"]),
               (a_i, phi_i, dphi_i), gfk, ~to_zoom1)
    z2 = _zoom(phi_dphi_g, wolfe, (a_i, phi_i, dphi_i),
               (s["a_prev"], s["phi_prev"], s["dphi_prev"]), gfk, ~to_zoom2)
    keys = ("a", "phi", "dphi", "g")
    s = dict(s, nfev=s["nfev"] + 1 + z1["nfev"] + z2["nfev"],
             ngev=s["ngev"] + 1 + z1["ngev"] + z2["ngev"])
    s = _where_dict(to_zoom1, s, {k: z1[k] for k in keys})
    s = _where_dict(accept, s, dict(a=a_i, phi=phi_i, dphi=dphi_i, g=g_i))
    s = _where_dict(to_zoom2, s, {k: z2[k] for k in keys})
    failed = s["failed"] | (to_zoom1 & z1["failed"]) | (to_zoom2 & z2["failed"])
    return dict(s, done=s["done"] | to_zoom1 | accept | to_zoom2, failed=failed,
                i=s["i"] + 1, a_prev=a_i, phi_prev=phi_i, dphi_prev=dphi_i)

  s = lax.while_loop(lambda s: ~s["done"] & (s["i"] <= maxiter) & ~s["failed"], body, state)
  status = _i32(jnp.where(s["failed"], 1, jnp.where(s["i"] > maxiter, 3, 0)))
  a = s["a"]
  if dtypes.finfo(a.dtype).bits != 64:
    # A vanishing step in single precision would stall BFGS: keep at least 1e-8.
    a = jnp.where(jnp.abs(a) < 1e-8, jnp.sign(a) * 1e-8, a)
  return dict(failed=s["failed"] | ~s["done"], nfev=s["nfev"], ngev=s["ngev"], a=a,
              f=s["phi"], g=s["g"], status=status)


def _cubic_min(a, fa, fpa, b, fb, c, fc):
  """Minimizer of the cubic through (a, fa) with slope fpa, (b, fb) and (c, fc)."""
  db, dc = b - a, c - a
  denom = (db * dc) ** 2 * (db - dc)
  r1 = fb - fa - fpa * db
  r2 = fc - fa - fpa * dc
  A = (dc ** 2 * r1 - db ** 2 * r2) / denom
  B = (-dc ** 3 * r1 + db ** 3 * r2) / denom
  return a + (-B + jnp.sqrt(B * B - 3.0 * A * fpa)) / (3.0 * A)


def _quad_min(a, fa, fpa, b, fb):
  """Minimizer of the parabola through (a, fa) with slope fpa and (b, fb)."""
  db = b - a
  curv = (fb - fa - fpa * db) / db ** 2
  return a - fpa / (2.0 * curv)


def _zoom(phi_dphi_g, wolfe, lo, hi, g0, skip):
  """Shrink the bracket [lo, hi] (points (a, phi, dphi)) to a strong-Wolfe step."""
  sufficient_decrease_fails, curvature_holds = wolfe
  a_lo, phi_lo, dphi_lo = lo
  a_hi, phi_hi, dphi_hi = hi
  state = dict(done=jnp.asarray(False), failed=jnp.asarray(False), j=_i32(0), a_lo=a_lo,
               phi_lo=phi_lo, dphi_lo=dphi_lo, a_hi=a_hi, phi_hi=phi_hi, dphi_hi=dphi_hi,
               a_rec=(a_lo + a_hi) / 2, phi_rec=(phi_lo + phi_hi) / 2,
               a=jnp.ones_like(a_lo), phi=phi_lo, dphi=dphi_lo, g=g0, nfev=_i32(0),
               ngev=_i32(0))
  threshold = 1e-5 if dtypes.finfo(a_lo.dtype).bits < 64 else 1e-10

  def body(s):
    width = s["a_hi"] - s["a_lo"]
    left = jnp.minimum(s["a_hi"], s["a_lo"])
    right = jnp.maximum(s["a_hi"], s["a_lo"])
    failed = s["failed"] | (width <= threshold)
    # Interpolate (cubic once a third point exists, else quadratic); fall back to bisection
    # when the interpolant lands too close to the bracket's ends.
    cubic = _cubic_min(s["a_lo"], s["phi_lo"], s["dphi_lo"], s["a_hi"], s["phi_hi"],
                       s["a_rec"], s["phi_rec"])
    use_cubic = (s["j"] > 0) & (cubic > left + 0.2 * width) & (cubic < right - 0.2 * width)
    quad = _quad_min(s["a_lo"], s["phi_lo"], s["dphi_lo"], s["a_hi"], s["phi_hi"])
    use_quad = ~use_cubic & (quad > left + 0.1 * width) & (quad < right - 0.1 * width)
    a_j = jnp.where(use_cubic, cubic, s["a_rec"])
    a_j = jnp.where(use_quad, quad, a_j)
    a_j = jnp.where(~use_cubic & ~use_quad, (s["a_lo"] + s["a_hi"]) / 2, a_j)
    phi_j, dphi_j, g_j = phi_dphi_g(a_j)
    phi_j = phi_j.astype(s["phi_lo"].dtype)
    dphi_j = dphi_j.astype(s["dphi_lo"].dtype)
    g_j = g_j.astype(s["g"].dtype)
    s = dict(s, failed=failed, nfev=s["nfev"] + 1, ngev=s["ngev"] + 1)
    new_hi = sufficient_decrease_fails(a_j, phi_j) | (phi_j >= s["phi_lo"])
    accept = curvature_holds(dphi_j) & ~new_hi
    flip = (dphi_j * (s["a_hi"] - s["a_lo"]) >= 0) & ~new_hi & ~accept
    new_lo = ~new_hi & ~accept
    s = _where_dict(new_hi, s, dict(a_hi=a_j, phi_hi=phi_j, dphi_hi=dphi_j,
                                    a_rec=s["a_hi"], phi_rec=s["phi_hi"]))
    s = _where_dict(accept, s, dict(a=a_j, phi=phi_j, dphi=dphi_j, g=g_j))
    s["done"] = s["done"] | accept
    s = _where_dict(flip, s, dict(a_hi=s["a_lo"], phi_hi=s["phi_lo"], dphi_hi=s["dphi_lo"],
                                  a_rec=s["a_hi"], phi_rec=s["phi_hi"]))
    s = _where_dict(new_lo & ~flip, s, dict(a_rec=s["a_lo"], phi_rec=s["phi_lo"]))
    s = _where_dict(new_lo, s, dict(a_lo=a_j, phi_lo=phi_j, dphi_lo=dphi_j))
    j = s["j"] + 1
    return dict(s, j=j, failed=s["failed"] | (j >= 30))

  return lax.while_loop(lambda s: ~s["done"] & ~skip & ~s["failed"], body, state)
