"""`GAN.train_step`/`test_step` for Keras' JAX trainer: the same step as on TensorFlow, stateless.

The JAX trainer jits ``train_step(state, data) -> (logs, state)`` with ``state = (trainable,
non_trainable, optimizer, metrics)`` values of ``gan.trainable_variables``,
``gan.non_trainable_variables``, ``gan.optimizer.variables`` (`kgan._gan_keras.PlayersOptimizer`:
both players' optimizer state, D's then G's) and ``gan.metrics_variables``. Everything that
*builds* the step (``_discriminator_step``, ``compute_*_loss``, the terms, ``_update_metrics``)
runs unchanged inside a ``keras.StatelessScope``: variable reads come from the state, assignments
(BatchNorm statistics, the latent seed, term state, metrics) are recorded in the scope. Only the
gradient plumbing differs: ``jax.value_and_grad`` of the player's loss with respect to its
weights, then the player optimizer's public ``stateless_apply``.

```python
logs, state = kgan._step_jax.train_step(gan, state, batch)   # what the JAX trainer calls
```

Public Keras API only (``keras.StatelessScope``, ``Optimizer.stateless_apply``/``scale_loss``).
Under one program (SPMD, ``keras.distribution``) a batch mean is already the global mean, so the
``tf.distribute`` seeds and loss shares of `kgan._step_tf` have no counterpart here.
"""

from __future__ import annotations

import types

import keras
from keras import ops

from kgan import _gan_keras, _nets


class State:
    """The step's variable values as one flat list, indexed like ``vars`` (Variable -> index)."""

    def __init__(self, gan, state):
        self.groups = (gan.trainable_variables, gan.non_trainable_variables, gan.optimizer.variables,
                       gan.metrics_variables)
        self.sizes = [len(g) for g in self.groups]
        self.vars = [v for g in self.groups for v in g]
        self.values = [x for group in state for x in group]
        self.index = {id(v): i for i, v in enumerate(self.vars)}

    def mapping(self):
        return list(zip(self.vars, self.values, strict=True))

    def get(self, variables):
        return [self.values[self.index[id(v)]] for v in variables]

    def set(self, variables, values):
        for v, x in zip(variables, values, strict=True):
            self.values[self.index[id(v)]] = x

    def as_tuple(self):
        out, start = [], 0
        for n in self.sizes:
            out.append(self.values[start:start + n])
            start += n
        return tuple(out)


def run_phase(st, optimizer, net, make_step, compute_loss, real, condition, seeds):
    """One player update: ``jax.value_and_grad`` of its loss over its weights, ``stateless_apply``.

    What else the phase assigns (BatchNorm statistics of nets run with ``update_state=True``, the
    latent seed, term state) is collected from the scope and written back into ``st``.
    Returns ``(loss, finite, summary)``; the summary holds what the metrics read.
    """
    import jax

    player = net.trainable_variables
    player_ids = {id(v) for v in player}

    def loss_fn(player_values, values):
        mapping = list(zip(st.vars, values, strict=True)) + list(zip(player, player_values, strict=True))  # later pairs win
        with keras.StatelessScope(state_mapping=mapping, collect_losses=True) as scope:
            before = [scope.get_current_value(v) for v in st.vars]
            step = make_step(real, condition, True, seeds)
            loss = compute_loss(step)
            scaled = optimizer.scale_loss(loss)
        updates = {i: scope.get_current_value(v) for i, v in enumerate(st.vars)
                   if id(v) not in player_ids and scope.get_current_value(v) is not before[i]}
        return scaled, (loss, updates, _summary(step))

    player_values = st.get(player)
    (_, (loss, updates, summary)), grads = jax.value_and_grad(loss_fn, has_aux=True)(player_values, list(st.values))
    new_player, new_slots = optimizer.stateless_apply(st.get(optimizer.variables), grads, player_values)
    for i, value in updates.items():
        st.values[i] = value
    st.set(player, new_player)
    st.set(optimizer.variables, new_slots)
    return loss, _nets.all_finite(grads), summary


def _summary(step):
    """What `GAN._update_metrics` reads of a `kgan.terms.Step`, as a JAX pytree (string keys)."""
    return {"d_real": None if step.d_real is None else step.d_real["logits"], "d_fake": step.d_fake["logits"],
            "terms": {f"{key[0]}|{key[1]}": value for key, value in step.term_values.items()}}


def _as_step(summary):
    keys = {k: (int(k.split("|")[0]), k.split("|")[1]) for k in summary["terms"]}
    return types.SimpleNamespace(
        d_real=None if summary["d_real"] is None else {"logits": summary["d_real"]},
        d_fake={"logits": summary["d_fake"]},
        term_values={keys[k]: v for k, v in summary["terms"].items()})


def train_step(gan, state, data):
    """``GAN.train_step`` for the JAX trainer: ``(state, data) -> (logs, new_state)``."""
    st = State(gan, state)
    real, condition = gan._unpack(data)  # reads no variable
    seeds = gan.seed_generator  # one SPMD program: no per-replica seed shift
    d_finite = g_finite = True
    for _ in range(gan.d_steps):
        d_loss, finite, d_sum = run_phase(st, gan.d_optimizer, gan.discriminator, gan._discriminator_step,
                                          gan.compute_discriminator_loss, real, condition, seeds)
        d_finite = ops.logical_and(d_finite, finite)
    for _ in range(gan.g_steps):
        g_loss, finite, g_sum = run_phase(st, gan.g_optimizer, gan.generator, gan._generator_step,
                                          gan.compute_generator_loss, real, condition, seeds)
        g_finite = ops.logical_and(g_finite, finite)
    with keras.StatelessScope(state_mapping=st.mapping()) as scope:
        logs = gan._update_metrics(_gan_keras.reported(d_loss, d_finite, gan.d_optimizer),
                                   _gan_keras.reported(g_loss, g_finite, gan.g_optimizer),
                                   _as_step(d_sum), _as_step(g_sum))
    st.set(gan.metrics_variables, [scope.get_current_value(v) for v in gan.metrics_variables])
    return logs, st.as_tuple()


def test_step(gan, state, data):
    """``GAN.test_step`` for the JAX trainer: ``state = (trainable, non_trainable, metrics)``."""
    groups = (gan.trainable_variables, gan.non_trainable_variables, gan.metrics_variables)
    all_vars = [v for g in groups for v in g]
    old = [x for group in state for x in group]
    with keras.StatelessScope(state_mapping=list(zip(all_vars, old, strict=True)), collect_losses=True) as scope:
        real, condition = gan._unpack(data)
        logs = gan._evaluate_batch(real, condition, gan.seed_generator)
    new = [scope.get_current_value(v) for v in all_vars]
    new = [x if x is not None else o for x, o in zip(new, old, strict=True)]
    a, b = len(groups[0]), len(groups[0]) + len(groups[1])
    return logs, (new[:a], new[a:b], new[b:])
