"""Every library spec (library/*.lin) written as a Python rule with @lindsl.rule.

Each function describes one step: the previous state(s) and the token's inputs in, the new state(s) (by
assigning the state parameter) and the outputs (returned) out. tests/test_decorator.py checks that each one
compiles to exactly the IR of the .lin file of the same name and runs.

    python examples/library_rules.py      # compiles all of them and runs each on random inputs
"""
import lindsl
from lindsl import (I, In, H, Param, State, cat, diag, dims, elu, exp, head, kron, l2norm, log, loggate, negative,
                    positive, softmax, sqrt, topk, unit, routed)

M, K, V = dims("M K V")
K2, F = dims("K2 = K^2, F = 1 + K + K2")  # derived dims: the sizes of Based's feature map and its kron part
F2, = dims("F2 = 2 * K")  # Hedgehog's feature map


@lindsl.rule
def linear_attn(S: State[K, V], q: In[K], k: In[K], v: In[V], scale=K ** -0.5):
    S = S + k @ v.T
    return S.T @ (scale * q)


@lindsl.rule
def linear_attn_normalized(S: State[K, V], z: State[K], q: In[K], k: In[K], v: In[V], eps=1e-6):
    fq = elu(q) + 1
    fk = elu(k) + 1
    S = S + fk @ v.T
    z = z + fk
    return (S.T @ fq) / (z.T @ fq + eps)


@lindsl.rule(dims="K, V, K2, F")
def based(S: State[F, V], z: State[F], q: In[K], k: In[K], v: In[V], eps=1e-6):
    fq = cat(1, q / K ** 0.25, kron(q, q) / sqrt(2 * K))
    fk = cat(1, k / K ** 0.25, kron(k, k) / sqrt(2 * K))
    S = S + fk @ v.T
    z = z + fk
    return (S.T @ fq) / (z.T @ fq + eps)


@lindsl.rule(dims="K V F2")
def hedgehog(S: State[F2, V], z: State[F2], q: In[K], k: In[K], v: In[V], eps=1e-6):
    fq = softmax(cat(2 * q, -2 * q))
    fk = softmax(cat(2 * k, -2 * k))
    S = S + fk @ v.T
    z = z + fk
    return (S.T @ fq) / (z.T @ fq + eps)


@lindsl.rule
def retnet(S: State[K, V], q: In[K], k: In[K], v: In[V], scale=K ** -0.5):
    g = log(1 - 2 ** (-5 - head))
    S = exp(g) * S + k @ v.T
    return S.T @ (scale * q)


@lindsl.rule
def lightning(S: State[K, V], q: In[K], k: In[K], v: In[V], scale=K ** -0.5, layer=0, layers=24):
    g = -(2 ** (-8 * (head + 1) / H)) * (1 - layer / (layers - 1) + 1e-5)
    S = exp(g) * S + k @ v.T
    return S.T @ (scale * q)


@lindsl.rule
def mamba2(S: State[K, V], q: In[K], k: In[K], v: In[V], dt: In[positive], A: Param[negative], D: Param):
    S = exp(dt * A) * S + k @ (dt * v).T
    return S.T @ q + D * v


@lindsl.rule
def gla(S: State[K, V], q: In[K], k: In[K], v: In[V], g: In[K, loggate], scale=K ** -0.5):
    S = diag(exp(g)) @ S + k @ v.T
    return S.T @ (scale * q)


@lindsl.rule
def hgrn2(S: State[K, V], q: In[K], v: In[V], g: In[K, loggate], scale=K ** -0.5):
    S = diag(exp(g)) @ S + (1 - exp(g)) @ v.T
    return S.T @ (scale * q)


@lindsl.rule
def rwkv6(S: State[K, V], r: In[K], k: In[K], v: In[V], w: In[K, loggate], u: Param[K], scale=K ** -0.5):
    o = S.T @ (scale * r) + (scale * r).T @ (u * k) @ v     # read before the update: S_(t-1)
    S = diag(exp(w)) @ S + k @ v.T
    return o


@lindsl.rule
def deltanet(S: State[K, V], q: In[K], k: In[K], v: In[V], beta: In[unit], scale=K ** -0.5):
    qn = l2norm(q)
    kn = l2norm(k)
    S = S - beta * kn @ (kn.T @ S) + beta * kn @ v.T
    return S.T @ (scale * qn)


@lindsl.rule
def gated_deltanet(S: State[K, V], q: In[K], k: In[K], v: In[V], g: In[loggate], beta: In[unit],
                   scale=K ** -0.5):
    qn, kn = l2norm(q), l2norm(k)
    S = exp(g) * (I - beta * kn @ kn.T) @ S + beta * kn @ v.T
    return S.T @ (scale * qn)


@lindsl.rule
def kda(S: State[K, V], q: In[K], k: In[K], v: In[V], g: In[K, loggate], beta: In[unit], scale=K ** -0.5):
    qn, kn = l2norm(q), l2norm(k)
    S = (I - beta * kn @ kn.T) @ diag(exp(g)) @ S + beta * kn @ v.T
    return S.T @ (scale * qn)


@lindsl.rule
def rwkv7(S: State[K, V], r: In[K], k: In[K], v: In[V], kappa: In[K], w: In[K, loggate], lr: In[K, unit],
          scale=1):
    kh = l2norm(kappa)
    S = (diag(exp(w)) - (kh * lr) @ kh.T) @ S + k @ v.T
    return S.T @ (scale * r)


@lindsl.rule
def mom_gated_deltanet(S: State[M, K, V], q: In[K], k: In[M, K], v: In[M, V], g: In[M, loggate],
                       beta: In[M, unit], r: In[M], scale=K ** -0.5):
    qn, kn = l2norm(q), l2norm(k)
    sel = topk(r, 2)
    w = sel * softmax(r)
    S = routed(sel, exp(g) * (I - beta * kn @ kn.T) @ S + beta * kn @ v.T)
    return sum(w * (S.T @ (scale * qn)), M) / sum(w, M)


@lindsl.rule(dims="M K V")
def sse_gla(S: State[K, V], P: State[M, K, V], q: In[K], k: In[K], v: In[V], g: In[K, loggate], r: In[M],
            scale=K ** -0.5):
    sel = topk(r, 1)
    w = sel * softmax(r)
    S = diag(exp(g)) @ S + k @ v.T
    P = routed(sel, diag(exp(g)) @ P + k @ v.T)
    return S.T @ (scale * q) + sum(w * (P.T @ (scale * q)), M)


RULES = {op.spec.name: op for op in (linear_attn, linear_attn_normalized, based, hedgehog, retnet, lightning, mamba2, gla, hgrn2,
                                     rwkv6, deltanet, gated_deltanet, kda, rwkv7, mom_gated_deltanet, sse_gla)}

if __name__ == "__main__":
    from lindsl.check import default_sizes, random_inputs
    for name, op in RULES.items():
        args = random_inputs(op.spec, 1, 20, 2, default_sizes(op.spec), seed=0)
        out, _ = op(*args.values())
        print(f"{name:24s} output {tuple(out.shape)}  backend {op.last_backend}")
