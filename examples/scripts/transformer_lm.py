"""A tiny decoder-only transformer language model: Flax NNX + Optax AdamW.

The "text" is synthetic: each sequence counts modulo the vocabulary size from a random start
with a random stride (1, 2 or 3), e.g. 5 7 9 11 13 ... Once the stride has been seen the
rest is determined, so a model that reads the context with causal attention drives the loss
far below the uniform entropy log(vocab).

A plain JAX-stack script (jax, flax.nnx, optax). Run it with the real stack, or unchanged on
jaxlite:  python -m jaxlite run examples/scripts/transformer_lm.py --quick
"""
import argparse
import math
import time

import jax
import jax.numpy as jnp
import optax
from flax import nnx


class Block(nnx.Module):
  """Pre-LayerNorm transformer block: causal self-attention, then an MLP."""

  def __init__(self, d_model: int, num_heads: int, *, rngs: nnx.Rngs):
    self.ln1 = nnx.LayerNorm(d_model, rngs=rngs)
    self.attn = nnx.MultiHeadAttention(num_heads=num_heads, in_features=d_model,
                                       decode=False, rngs=rngs)
    self.ln2 = nnx.LayerNorm(d_model, rngs=rngs)
    self.up = nnx.Linear(d_model, 4 * d_model, rngs=rngs)
    self.down = nnx.Linear(4 * d_model, d_model, rngs=rngs)

  def __call__(self, x, mask=None, decode=False):
    x = x + self.attn(self.ln1(x), mask=mask, decode=decode)
    return x + self.down(nnx.gelu(self.up(self.ln2(x))))


class TransformerLM(nnx.Module):
  def __init__(self, vocab_size: int, max_len: int, d_model: int, num_heads: int,
               num_layers: int, *, rngs: nnx.Rngs):
    self.token_embed = nnx.Embed(vocab_size, d_model, rngs=rngs)
    self.pos_embed = nnx.Embed(max_len, d_model, rngs=rngs)
    self.blocks = nnx.List([Block(d_model, num_heads, rngs=rngs) for _ in range(num_layers)])
    self.ln_f = nnx.LayerNorm(d_model, rngs=rngs)

  def __call__(self, tokens, offset=0, decode=False):      # (B, T) int -> (B, T, V)
    positions = offset + jnp.arange(tokens.shape[-1])
    x = self.token_embed(tokens) + self.pos_embed(positions)
    # While decoding, the attention cache only holds past positions: no mask needed.
    mask = None if decode else nnx.make_causal_mask(tokens)  # (B, 1, T, T)
    for block in self.blocks:
      x = block(x, mask, decode)
    return self.token_embed.attend(self.ln_f(x))             # tied input/output embedding


def make_batch(key, batch_size, seq_len, vocab_size):
  kstart, kstride = jax.random.split(key)
  start = jax.random.randint(kstart, (batch_size, 1), 0, vocab_size)
  stride = jax.random.randint(kstride, (batch_size, 1), 1, 4)
  return (start + stride * jnp.arange(seq_len + 1)) % vocab_size


def loss_fn(model, seqs):
  inputs, targets = seqs[:, :-1], seqs[:, 1:]
  logits = model(inputs)
  return optax.softmax_cross_entropy_with_integer_labels(logits, targets).mean()


@nnx.jit
def train_step(model, optimizer, seqs):
  loss, grads = nnx.value_and_grad(loss_fn)(model, seqs)
  optimizer.update(model, grads)
  return loss


@nnx.jit
def eval_loss(model, seqs):
  return loss_fn(model, seqs)


def generate(model, prompt, length):
  """Greedy decoding that re-reads the whole sequence for every new token."""
  tokens = jnp.asarray(prompt)[None]
  for _ in range(length):
    next_token = jnp.argmax(model(tokens)[:, -1], axis=-1)
    tokens = jnp.concatenate([tokens, next_token[:, None]], axis=1)
  return [int(t) for t in tokens[0]]


@nnx.jit
def decode_step(model, token, position):
  logits = model(token[:, None], offset=position, decode=True)
  return jnp.argmax(logits[:, -1], axis=-1)


def generate_with_cache(model, prompt, length, max_len, d_model):
  """Greedy decoding one token at a time with each attention layer's key/value cache."""
  for block in model.blocks:
    block.attn.init_cache((1, max_len, d_model))
  tokens = list(prompt)
  for position in range(len(prompt) + length - 1):
    next_token = decode_step(model, jnp.asarray(tokens[position:position + 1]), position)
    if position + 1 >= len(tokens):
      tokens.append(int(next_token[0]))
  return tokens


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--steps", type=int, default=500)
  parser.add_argument("--batch-size", type=int, default=32)
  parser.add_argument("--seq-len", type=int, default=16)
  parser.add_argument("--vocab", type=int, default=16)
  parser.add_argument("--lr", type=float, default=3e-3)
  parser.add_argument("--d-model", type=int, default=32)
  parser.add_argument("--quick", action="store_true", help="a short run (100 steps)")
  args = parser.parse_args()
  steps = 100 if args.quick else args.steps

  model = TransformerLM(args.vocab, args.seq_len, d_model=args.d_model, num_heads=4,
                        num_layers=2, rngs=nnx.Rngs(0))
  schedule = optax.warmup_cosine_decay_schedule(0.0, args.lr, warmup_steps=steps // 10,
                                                decay_steps=steps)
  tx = optax.chain(optax.clip_by_global_norm(1.0), optax.adamw(schedule, weight_decay=1e-2))
  optimizer = nnx.Optimizer(model, tx, wrt=nnx.Param)
  params = nnx.state(model, nnx.Param)
  n_params = sum(p.size for p in jax.tree.leaves(params))
  print(f"{n_params} parameters; uniform entropy log({args.vocab}) = "
        f"{math.log(args.vocab):.4f}")

  key = jax.random.key(0)
  key, eval_key = jax.random.split(key)
  eval_seqs = make_batch(eval_key, 256, args.seq_len, args.vocab)
  initial = float(eval_loss(model, eval_seqs))
  print(f"initial loss: {initial:.6f}")
  start = time.perf_counter()
  for step in range(1, steps + 1):
    key, batch_key = jax.random.split(key)
    loss = train_step(model, optimizer, make_batch(batch_key, args.batch_size, args.seq_len,
                                                   args.vocab))
    if step % 20 == 0 or step == steps:
      print(f"step {step:4d}  train loss {float(loss):.4f}")
  elapsed = time.perf_counter() - start
  final = float(eval_loss(model, eval_seqs))
  # Best achievable: only the second token (which reveals the stride) is uncertain, 1 in 3.
  floor = math.log(3) / args.seq_len
  print(f"trained {steps} steps in {elapsed:.2f} s")
  print(f"greedy continuation of [3, 5, 7]: {generate(model, [3, 5, 7], 8)}")
  cached = generate_with_cache(model, [3, 5, 7], 8, args.seq_len, args.d_model)
  print(f"same with a key/value cache:     {cached}")
  print(f"final loss: {final:.6f} (best possible {floor:.4f})")


if __name__ == "__main__":
  main()
