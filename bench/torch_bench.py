#!/usr/bin/env python3
"""PyTorch twin of `zerosearch bench`: the same Qwen-shaped decoder (RMSNorm, RoPE rotate-half, SwiGLU,
multi-head attention, no biases, untied lm_head), Adam, cross-entropy on next tokens of random batches,
and greedy KV-cache generation. Prints one JSON line. Run with Debian's torch (OpenBLAS):

    /usr/bin/python3 bench/torch_bench.py --config M1 --threads 1
"""
import argparse, json, math, os, time

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))


class RMSNorm(nn.Module):
    def __init__(self, d, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate_half(x):
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, self.h, self.kvh = c["d_model"], c["heads"], c["kv_heads"]
        self.hd = d // self.h
        self.ln1, self.ln2 = RMSNorm(d), RMSNorm(d)
        self.q = nn.Linear(d, self.h * self.hd, bias=False)
        self.k = nn.Linear(d, self.kvh * self.hd, bias=False)
        self.v = nn.Linear(d, self.kvh * self.hd, bias=False)
        self.o = nn.Linear(self.h * self.hd, d, bias=False)
        self.gate = nn.Linear(d, c["ffn"], bias=False)
        self.up = nn.Linear(d, c["ffn"], bias=False)
        self.down = nn.Linear(c["ffn"], d, bias=False)

    def forward(self, x, cos, sin, past=None):
        B, T, _ = x.shape
        h = self.ln1(x)
        q = self.q(h).view(B, T, self.h, self.hd).transpose(1, 2)
        k = self.k(h).view(B, T, self.kvh, self.hd).transpose(1, 2)
        v = self.v(h).view(B, T, self.kvh, self.hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if past is not None:
            k = torch.cat([past[0], k], dim=2)
            v = torch.cat([past[1], v], dim=2)
        if self.kvh != self.h:
            rep = self.h // self.kvh
            kk, vv = k.repeat_interleave(rep, dim=1), v.repeat_interleave(rep, dim=1)
        else:
            kk, vv = k, v
        S = kk.shape[2]
        scores = (q @ kk.transpose(-1, -2)) / math.sqrt(self.hd)
        if T > 1:  # causal mask over the new positions (past slots all visible)
            mask = torch.full((T, S), float("-inf")).triu(S - T + 1)
            scores = scores + mask
        att = torch.softmax(scores, dim=-1) @ vv
        x = x + self.o(att.transpose(1, 2).reshape(B, T, -1))
        h2 = self.ln2(x)
        x = x + self.down(F.silu(self.gate(h2)) * self.up(h2))
        return x, (k, v)


class Model(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.embed = nn.Embedding(c["vocab"], c["d_model"])
        self.blocks = nn.ModuleList(Block(c) for _ in range(c["layers"]))
        self.norm = RMSNorm(c["d_model"])
        self.head = nn.Linear(c["d_model"], c["vocab"], bias=False)
        hd = c["d_model"] // c["heads"]
        self.inv_freq = 1.0 / (10000 ** (torch.arange(0, hd, 2).float() / hd))
        for p in self.parameters():
            if p.dim() == 2:
                nn.init.normal_(p, std=0.02)

    def rope(self, start, T):
        t = torch.arange(start, start + T).float()
        freqs = torch.outer(t, self.inv_freq)
        emb = torch.cat((freqs, freqs), dim=-1)
        return emb.cos()[None, None], emb.sin()[None, None]

    def forward(self, ids, past=None, start=0):
        cos, sin = self.rope(start, ids.shape[1])
        x = self.embed(ids)
        new_past = []
        for i, blk in enumerate(self.blocks):
            x, kv = blk(x, cos, sin, None if past is None else past[i])
            new_past.append(kv)
        return self.head(self.norm(x)), new_past


def bench(c, threads):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = Model(c)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    g = torch.Generator().manual_seed(1)
    V, B, T = c["vocab"], c["batch"], c["seq"]

    def step():
        ids = torch.randint(0, V, (B, T), generator=g)
        logits, _ = model(ids)
        loss = F.cross_entropy(logits[:, :-1].reshape(-1, V), ids[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(c["warmup"]):
        step()
    steps, t0 = 0, time.perf_counter()
    while True:
        step()
        steps += 1
        if time.perf_counter() - t0 >= c["min_seconds"] and steps >= 3:
            break
    train_s = (time.perf_counter() - t0) / steps

    @torch.no_grad()
    def generate():
        prompts = torch.randint(0, V, (c["gen_batch"], c["gen_prompt"]), generator=g)
        logits, past = model(prompts)
        pos = prompts.shape[1]
        for _ in range(c["gen_new_tokens"] - 1):
            nxt = logits[:, -1].argmax(-1, keepdim=True)
            logits, past = model(nxt, past, pos)
            pos += 1

    generate()  # warm-up
    reps, t0 = 0, time.perf_counter()
    while True:
        generate()
        reps += 1
        if time.perf_counter() - t0 >= c["min_seconds"] / 2 and reps >= 2:
            break
    gen_s = (time.perf_counter() - t0) / reps
    return {
        "backend": f"pytorch-{torch.__version__}",
        "threads": threads,
        "params": sum(p.numel() for p in model.parameters()),
        "train_step_ms": train_s * 1e3,
        "train_tokens_per_s": B * T / train_s,
        "generate_tokens_per_s": c["gen_batch"] * c["gen_new_tokens"] / gen_s,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--config", default="M1", help="M1, M2 (bench/configs.json) or a JSON object")
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    presets = json.load(open(os.path.join(HERE, "configs.json")))
    if a.config in presets:
        name, c = a.config, presets[a.config]
    else:
        name, c = "custom", {**presets["M1"], **json.loads(a.config)}
    print(json.dumps({"config": name, **bench(c, a.threads)}))


if __name__ == "__main__":
    main()
