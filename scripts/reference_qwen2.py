#!/usr/bin/python3
"""Independent reference for the kit's transformer: a from-scratch numpy forward pass of Qwen2 / LLaMA.

Reads a Hugging Face model directory (config.json + model.safetensors or a sharded
model.safetensors.index.json) with nothing but the standard library and numpy, runs the forward pass in
float64, and prints {"logits_last": [...]} for the given token ids, exactly like `zerosearch logits`.

    /usr/bin/python3 scripts/reference_qwen2.py --model DIR --ids 3,17,42

Written from the HF modelling code's equations, sharing no code with the TypeScript implementation:
RMSNorm, rotate-half RoPE (with LLaMA-3 rope scaling), grouped-query attention via repeat_kv,
q/k/v biases for Qwen2, SwiGLU MLP, optional tied embeddings.
"""
import argparse
import json
import math
import os
import struct
import sys

import numpy as np


def read_safetensors(path, wanted=None):
    """Return {name: float64 array} for the tensors in `path` (only `wanted` ones if given)."""
    with open(path, "rb") as f:
        (header_len,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(header_len))
        data_start = 8 + header_len
        out = {}
        for name, entry in header.items():
            if name == "__metadata__" or (wanted is not None and name not in wanted):
                continue
            begin, end = entry["data_offsets"]
            f.seek(data_start + begin)
            raw = f.read(end - begin)
            dtype = entry["dtype"]
            if dtype == "F32":
                arr = np.frombuffer(raw, dtype="<f4")
            elif dtype == "F16":
                arr = np.frombuffer(raw, dtype="<f2")
            elif dtype == "BF16":
                arr = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
            else:
                raise ValueError(f"{path}: tensor {name} has unsupported dtype {dtype}")
            out[name] = arr.astype(np.float64).reshape(entry["shape"])
        return out


def load_weights(model_dir):
    index_path = os.path.join(model_dir, "model.safetensors.index.json")
    if os.path.exists(index_path):
        with open(index_path) as f:
            weight_map = json.load(f)["weight_map"]
        weights = {}
        for shard in sorted(set(weight_map.values())):
            weights.update(read_safetensors(os.path.join(model_dir, shard)))
        return weights
    return read_safetensors(os.path.join(model_dir, "model.safetensors"))


def inverse_frequencies(head_dim, theta, scaling):
    inv = 1.0 / theta ** (np.arange(0, head_dim, 2, dtype=np.float64) / head_dim)
    if not scaling or scaling.get("rope_type", scaling.get("type")) in (None, "default"):
        return inv
    factor = scaling["factor"]
    low, high = scaling["low_freq_factor"], scaling["high_freq_factor"]
    old = scaling["original_max_position_embeddings"]
    wavelen = 2 * math.pi / inv
    scaled = np.where(wavelen > old / low, inv / factor, inv)
    smooth = (old / wavelen - low) / (high - low)
    smoothed = (1 - smooth) * scaled / factor + smooth * scaled
    medium = (wavelen >= old / high) & (wavelen <= old / low)
    return np.where(medium, smoothed, scaled)


def rms_norm(x, weight, eps):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * weight


def rotate_half(x):
    half = x.shape[-1] // 2
    return np.concatenate([-x[..., half:], x[..., :half]], axis=-1)


def forward(cfg, w, ids):
    arch = cfg["architectures"][0]
    if arch not in ("Qwen2ForCausalLM", "LlamaForCausalLM"):
        raise ValueError(f"unsupported architecture {arch}")
    d = cfg["hidden_size"]
    n_heads = cfg["num_attention_heads"]
    n_kv = cfg.get("num_key_value_heads", n_heads)
    head_dim = cfg.get("head_dim") or d // n_heads
    eps = cfg.get("rms_norm_eps", 1e-6)
    T = len(ids)

    inv = inverse_frequencies(head_dim, cfg.get("rope_theta", 10000.0), cfg.get("rope_scaling"))
    angles = np.outer(np.arange(T, dtype=np.float64), inv)  # [T, hd/2]
    emb = np.concatenate([angles, angles], axis=-1)          # [T, hd]
    cos, sin = np.cos(emb)[None], np.sin(emb)[None]          # [1, T, hd]
    causal = np.triu(np.full((T, T), -np.inf), k=1)

    x = w["model.embed_tokens.weight"][ids]  # [T, d]
    for layer in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{layer}."

        def proj(name, inp):
            y = inp @ w[p + name + ".weight"].T  # HF weights are [out, in]
            bias = w.get(p + name + ".bias")
            return y + bias if bias is not None else y

        h = rms_norm(x, w[p + "input_layernorm.weight"], eps)
        q = proj("self_attn.q_proj", h).reshape(T, n_heads, head_dim).transpose(1, 0, 2)
        k = proj("self_attn.k_proj", h).reshape(T, n_kv, head_dim).transpose(1, 0, 2)
        v = proj("self_attn.v_proj", h).reshape(T, n_kv, head_dim).transpose(1, 0, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = np.repeat(k, n_heads // n_kv, axis=0)  # repeat_kv: head h uses kv head h // group
        v = np.repeat(v, n_heads // n_kv, axis=0)
        scores = q @ k.transpose(0, 2, 1) / math.sqrt(head_dim) + causal
        scores = scores - scores.max(axis=-1, keepdims=True)
        probs = np.exp(scores)
        probs /= probs.sum(axis=-1, keepdims=True)
        attn = (probs @ v).transpose(1, 0, 2).reshape(T, n_heads * head_dim)
        x = x + proj("self_attn.o_proj", attn)
        h = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        gate = proj("mlp.gate_proj", h)
        x = x + proj("mlp.down_proj", gate / (1 + np.exp(-gate)) * proj("mlp.up_proj", h))
    x = rms_norm(x, w["model.norm.weight"], eps)
    head = w["model.embed_tokens.weight"] if cfg.get("tie_word_embeddings", False) else w["lm_head.weight"]
    return x @ head.T  # [T, V]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True, help="HF model directory")
    parser.add_argument("--ids", required=True, help="comma-separated token ids")
    args = parser.parse_args()
    with open(os.path.join(args.model, "config.json")) as f:
        cfg = json.load(f)
    ids = [int(s) for s in args.ids.split(",") if s.strip()]
    logits = forward(cfg, load_weights(args.model), ids)
    json.dump({"logits_last": logits[-1].tolist()}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
