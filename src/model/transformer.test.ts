import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../tensor';
import { Rng } from '../util';
import { createModel, Transformer, ModelConfigInput } from './index';

const tiny: ModelConfigInput = { vocabSize: 13, hiddenSize: 16, numLayers: 2, numHeads: 4, numKvHeads: 2, intermediateSize: 24 };

before(async () => {
  await initBackend();
});

/** Re-draw every weight with a larger spread so attention is far from uniform and every path matters. */
function roughen(model: Transformer, seed: number, scale = 0.3): void {
  const rng = new Rng(seed);
  for (const v of model.params.values()) {
    const values = Float32Array.from({ length: v.size }, () => (v.shape.length === 1 ? 1 : 0) + scale * rng.normal());
    v.assign(tf.tensor(values, v.shape));
  }
}

function logSoftmaxRow(row: number[]): number[] {
  const m = Math.max(...row);
  const lse = m + Math.log(row.reduce((s, x) => s + Math.exp(x - m), 0));
  return row.map((x) => x - lse);
}

function maxAbsDiff(a: number[], b: number[]): number {
  assert.equal(a.length, b.length);
  return Math.max(...a.map((x, i) => Math.abs(x - b[i])));
}

test('gradients match central finite differences', () => {
  const model = createModel({ ...tiny, numLayers: 1, intermediateSize: 16 }, 3);
  roughen(model, 4);
  const ids = [
    [1, 5, 2, 7, 3, 9],
    [4, 4, 8, 0, 12, 6],
  ];
  const mask = [
    [0, 0, 1, 1, 1, 1],
    [0, 1, 1, 1, 1, 0],
  ];
  // Sum (not mean) keeps gradients large next to float32 rounding of the loss.
  const lossOf = () => tf.tidy(() => tf.mul(model.lossOnTargets(ids, mask), 7));
  const { grads } = tf.variableGrads(lossOf as () => tf.Scalar, model.trainableVariables());
  const eps = 1e-3;
  const lossValue = () => {
    const l = lossOf();
    const v = l.dataSync()[0];
    l.dispose();
    return v;
  };
  for (const target of [
    'model.embed_tokens.weight',
    'model.layers.0.self_attn.q_proj.weight',
    'model.layers.0.self_attn.k_proj.bias',
    'model.layers.0.self_attn.v_proj.weight',
    'model.layers.0.input_layernorm.weight',
    'model.layers.0.mlp.down_proj.weight',
    'lm_head.weight',
  ]) {
    const variable = model.params.get(target)!;
    const grad = grads[variable.name].dataSync();
    let idx = 0;
    for (let i = 1; i < grad.length; i++) if (Math.abs(grad[i]) > Math.abs(grad[idx])) idx = i;
    const original = variable.dataSync().slice();
    const at = (delta: number) => {
      const w = original.slice();
      w[idx] += delta;
      variable.assign(tf.tensor(w, variable.shape));
      return lossValue();
    };
    const numeric = (at(eps) - at(-eps)) / (2 * eps);
    variable.assign(tf.tensor(original, variable.shape));
    const rel = Math.abs(numeric - grad[idx]) / Math.max(Math.abs(grad[idx]), 1e-3);
    assert.ok(rel < 1e-2, `${target}[${idx}]: autodiff ${grad[idx]} vs finite difference ${numeric} (rel ${rel})`);
  }
  Object.values(grads).forEach((g) => g.dispose());
  model.dispose();
});

test('GQA equals full multi-head attention with each kv head repeated (HF repeat_kv order)', () => {
  const gqa = createModel(tiny, 5);
  roughen(gqa, 6);
  const mha = createModel({ ...tiny, numKvHeads: tiny.numHeads }, 7);
  const hd = tiny.hiddenSize / tiny.numHeads;
  const group = tiny.numHeads / tiny.numKvHeads!;
  for (const [name, v] of mha.params) {
    const src = gqa.params.get(name)!;
    if (/\.(k|v)_proj\./.test(name)) {
      // Query head h reads kv head floor(h / group): repeat each kv head's hd columns `group` times.
      const isBias = name.endsWith('bias');
      const s = src.arraySync() as number[] | number[][];
      const repeatCols = (row: number[]) =>
        Array.from({ length: tiny.numHeads }, (_, h) => row.slice(Math.floor(h / group) * hd, (Math.floor(h / group) + 1) * hd)).flat();
      const out = isBias ? repeatCols(s as number[]) : (s as number[][]).map(repeatCols);
      v.assign(tf.tensor(out as number[] | number[][], v.shape));
    } else v.assign(src);
  }
  const ids = [
    [1, 2, 3, 4, 5, 6, 7],
    [7, 3, 11, 0, 2, 2, 9],
  ];
  const a = gqa.forward(ids);
  const b = mha.forward(ids);
  assert.ok(maxAbsDiff([...a.dataSync()], [...b.dataSync()]) < 1e-4);
  tf.dispose([a, b]);
  gqa.dispose();
  mha.dispose();
});

test('tokenStats equals log-softmax and entropy of forward logits; ragged rows are right-padded safely', () => {
  const model = createModel(tiny, 8);
  roughen(model, 9);
  const ids = [
    [3, 1, 4, 1, 5, 9],
    [2, 7, 1],
  ];
  const { logProbs, entropy } = model.tokenStats(ids, { entropy: true, padId: 12 });
  assert.deepEqual(logProbs.shape, [2, 5]);
  const lp = logProbs.arraySync();
  const ent = entropy!.arraySync();
  for (let b = 0; b < ids.length; b++) {
    const logits = model.forward([ids[b]]);
    const rows = (logits.arraySync() as number[][][])[0];
    logits.dispose();
    for (let t = 0; t < 5; t++) {
      if (t + 1 >= ids[b].length) {
        assert.equal(lp[b][t] + 0, 0); // +0 folds -0
        assert.equal(ent[b][t] + 0, 0);
        continue;
      }
      const ls = logSoftmaxRow(rows[t]);
      assert.ok(Math.abs(lp[b][t] - ls[ids[b][t + 1]]) < 1e-4, `logprob [${b}][${t}]`);
      const h = -ls.reduce((s, x) => s + Math.exp(x) * x, 0);
      assert.ok(Math.abs(ent[b][t] - h) < 1e-4, `entropy [${b}][${t}]`);
    }
  }
  const loss = model.lossOnTargets(ids, [
    [0, 0, 0, 1, 1, 1],
    [0, 1, 1],
  ]);
  const expected = -(lp[0][2] + lp[0][3] + lp[0][4] + lp[1][0] + lp[1][1]) / 5;
  assert.ok(Math.abs(loss.dataSync()[0] - expected) < 1e-5);
  tf.dispose([logProbs, entropy!, loss]);
  model.dispose();
});

test('attention mask: left-padded rows give the same logits as unpadded ones', () => {
  const model = createModel(tiny, 10);
  roughen(model, 11);
  const short = [5, 8, 2];
  const padded = model.forward(
    [
      [0, 0, ...short],
      [1, 2, 3, 4, 5],
    ],
    {
      attentionMask: [
        [0, 0, 1, 1, 1],
        [1, 1, 1, 1, 1],
      ],
    },
  );
  const alone = model.forward([short]);
  const p = (padded.arraySync() as number[][][])[0].slice(2).flat();
  assert.ok(maxAbsDiff(p, [...alone.dataSync()]) < 1e-4);
  tf.dispose([padded, alone]);
  model.dispose();
});

test('rope theta and tied embeddings change the model as configured', () => {
  const a = createModel({ ...tiny, tieEmbeddings: true }, 12);
  assert.equal(a.params.has('lm_head.weight'), false);
  const b = createModel({ ...tiny, tieEmbeddings: true, ropeTheta: 500000 }, 12);
  roughen(a, 13);
  roughen(b, 13);
  const ids = [[1, 2, 3, 4, 5, 6]];
  const la = a.forward(ids);
  const lb = b.forward(ids);
  const diff = maxAbsDiff([...la.dataSync()], [...lb.dataSync()]);
  assert.ok(diff > 1e-3, 'positions must matter through RoPE');
  // Position 0 has angle 0 for every theta, so the first position is identical.
  const first = (t: tf.Tensor3D) => (t.arraySync() as number[][][])[0][0];
  assert.ok(maxAbsDiff(first(la), first(lb)) < 1e-5);
  tf.dispose([la, lb]);
  a.dispose();
  b.dispose();
});

test('bad inputs give clear errors', () => {
  const model = createModel(tiny, 14);
  assert.throws(() => model.forward([[1, 2], [3]]), /row 1 has 1 tokens/);
  assert.throws(() => model.forward([[1, 13]]), /token id 13 at \[0\]\[1\] is outside the vocabulary \[0, 13\)/);
  assert.throws(() => createModel({ ...tiny, numKvHeads: 3 }, 1), /numKvHeads \(3\) must divide numHeads \(4\)/);
  assert.throws(() => model.lossOnTargets([[1, 2]], [[1, 0]]), /selects no target token/);
  model.dispose();
});

test('createModel and dispose leave no tensors behind', () => {
  const before = tf.memory().numTensors;
  const model = createModel(tiny, 15);
  assert.equal(tf.memory().numTensors - before, model.params.size, 'one tensor per parameter');
  model.dispose();
  assert.equal(tf.memory().numTensors, before);
});
