import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../tensor';
import { createModel } from '../model/transformer';
import { KvCache } from '../model/kv-cache';
import { WordTokenizer } from '../text/word-tokenizer';
import { Rng } from '../util';
import { Bm25Engine } from '../search/bm25';
import type { Doc, SearchOptions } from '../search/types';
import { POLICY_PROMPT_PREFIX, INVALID_ACTION_MESSAGE } from './template';
import { rollout, rolloutStats, showMask, PolicyModel } from './rollout';

const WORDS = 'alpha beta gamma delta city born in where was who is the capital of no information available doc 1 2 3 4 5 think';
const tokenizer = WordTokenizer.fromCorpus([POLICY_PROMPT_PREFIX, INVALID_ACTION_MESSAGE, WORDS, 'Doc 1: x.']);
const id = (w: string) => tokenizer.tokenToId(w)!;
const DOCS: Doc[] = [
  { id: 'a', text: 'alpha was born in gamma city.' },
  { id: 'b', text: 'beta was born in delta city.' },
  { id: 'c', text: 'the capital of gamma is delta.' },
];

before(async () => {
  await initBackend();
});

/** A cache that remembers which question each of its rows belongs to, across selectRows. */
class TrackedCache extends KvCache {
  rowIds: number[];
  constructor(n: number) {
    super(n);
    this.rowIds = Array.from({ length: n }, (_, i) => i);
  }
  selectRows(rows: number[]): this {
    this.rowIds = rows.map((r) => this.rowIds[r]);
    return super.selectRows(rows);
  }
}

/**
 * A fake policy that writes a fixed script per row (one-hot logits; greedy decoding follows it exactly),
 * so the test knows which tokens the policy wrote and which the environment inserted.
 */
function scriptedPolicy(scripts: number[][]): PolicyModel & { seen: number[][] } {
  const V = tokenizer.vocabSize;
  const emitted = scripts.map(() => 0);
  const seen: number[][] = scripts.map(() => []);
  return {
    seen,
    config: { vocabSize: V } as PolicyModel['config'],
    newCache: (n: number) => new TrackedCache(n),
    extend(cache: KvCache, chunks: number[][]) {
      const c = cache as TrackedCache;
      const out = new Float32Array(chunks.length * V);
      chunks.forEach((chunk, b) => {
        if (chunk.length === 0) return; // a row that waits does not sample
        const row = c.rowIds[b];
        seen[row].push(...chunk);
        out[b * V + scripts[row][Math.min(emitted[row]++, scripts[row].length - 1)]] = 10;
      });
      return tf.tensor2d(out, [chunks.length, V]);
    },
  };
}

type TurnKind = 'search' | 'answer' | 'invalid';

function turnTokens(kind: TurnKind, rng: Rng, maxTurnTokens: number): number[] {
  const word = () => id(rng.choice(['alpha', 'beta', 'gamma', 'delta', 'city']));
  const think = [id('<think>'), word(), id('</think>')];
  if (kind === 'search') return [...think, id('<search>'), word(), id('born'), id('</search>')];
  if (kind === 'answer') return [...think, id('<answer>'), word(), id('</answer>')];
  return Array.from({ length: maxTurnTokens }, word); // no tag: cut by the per-turn limit
}

test('mask is 1 exactly on policy tokens and 0 on prompt and every inserted token (property, random scripts)', async () => {
  const engine = Bm25Engine.fromDocs(DOCS);
  const maxTurnTokens = 7;
  for (let trial = 0; trial < 12; trial++) {
    const rng = new Rng(`trial ${trial}`);
    const maxTurns = 1 + rng.int(4);
    const plans: TurnKind[][] = Array.from({ length: 5 }, () =>
      Array.from({ length: maxTurns + 1 }, () => rng.choice<TurnKind>(['search', 'search', 'answer', 'invalid'])),
    );
    const scripts = plans.map((plan) => plan.flatMap((k) => turnTokens(k, rng, maxTurnTokens)));
    const policy = scriptedPolicy(scripts);
    const trajs = await rollout(
      policy,
      tokenizer,
      plans.map((_, i) => ({ question: `who is ${['alpha', 'beta'][i % 2]}` })),
      engine,
      { temperature: 0, maxTurns, maxTurnTokens, topk: 2 },
    );
    trajs.forEach((t, i) => {
      assert.equal(t.mask.length, t.ids.length);
      assert.ok(t.mask.slice(0, t.promptLength).every((m) => m === 0));
      // Rebuild the expected ids and mask from the plan: prompt (0), turn (1), observation (0), ...
      const expectIds = tokenizer.encode(t.prompt);
      const expectMask = expectIds.map(() => 0);
      let pos = 0;
      for (let k = 0; k < t.turns.length; k++) {
        const turn = turnTokens(plans[i][k], new Rng(0), maxTurnTokens).length;
        const written = scripts[i].slice(pos, pos + turn);
        pos += turn;
        expectIds.push(...written);
        expectMask.push(...written.map(() => 1));
        const obs = tokenizer.encode(t.turns[k].observation);
        expectIds.push(...obs);
        expectMask.push(...obs.map(() => 0));
        if (k < t.turns.length - 1) assert.notEqual(t.turns[k].action.kind, 'answer');
        if (plans[i][k] === 'invalid' && k < maxTurns) assert.equal(t.turns[k].observation, INVALID_ACTION_MESSAGE);
        if (plans[i][k] === 'search' && k < maxTurns) assert.match(t.turns[k].observation, /^\n\n<information>Doc 1: .*<\/information>\n\n$/s);
      }
      assert.deepEqual(t.ids, expectIds, `trial ${trial} row ${i}`);
      assert.deepEqual(t.mask, expectMask, `trial ${trial} row ${i}`);
      // The turn count follows the plan: up to and including the first answer, at most maxTurns + 1.
      const firstAnswer = plans[i].indexOf('answer');
      const expectedTurns = firstAnswer >= 0 && firstAnswer <= maxTurns ? firstAnswer + 1 : maxTurns + 1;
      assert.equal(t.turns.length, expectedTurns);
      assert.equal(t.finishReason, firstAnswer >= 0 && firstAnswer <= maxTurns ? 'answer' : 'max_turns');
      assert.equal(t.queries.length, plans[i].slice(0, Math.min(expectedTurns, maxTurns)).filter((k) => k === 'search').length);
      // What the model was fed equals the trajectory minus the last sampled token.
      assert.deepEqual(policy.seen[i], t.ids.slice(0, -1));
    });
  }
});

test('one batched engine call per turn, for the rows that searched', async () => {
  const calls: string[][] = [];
  // Shaped like SimulatedSearchEngine: searchDetailed reports which queries got noisy documents.
  const engine = {
    name: 'recording',
    async search(): Promise<Doc[][]> {
      throw new Error('the rollout should call searchDetailed');
    },
    async searchDetailed(queries: string[], opts: SearchOptions & { p?: number; context?: Array<{ question: string; answer: string }> }) {
      calls.push(queries);
      assert.equal(opts.topk, 3);
      assert.equal(opts.p, 0.25);
      assert.deepEqual(
        opts.context,
        queries.map(() => ({ question: 'who is alpha', answer: 'gamma' })),
      );
      return { docs: queries.map(() => [{ text: 'alpha was born in gamma.' }]), noisy: queries.map((_, i) => i % 2 === 0) };
    },
  };
  const rng = new Rng(1);
  const plans: TurnKind[][] = [['search', 'search', 'answer'], ['search', 'answer'], ['answer'], ['invalid', 'search', 'answer']];
  const scripts = plans.map((p) => p.flatMap((k) => turnTokens(k, rng, 7)));
  const trajs = await rollout(
    scriptedPolicy(scripts),
    tokenizer,
    plans.map(() => ({ question: 'who is alpha', golden_answers: ['gamma'] })),
    engine,
    { temperature: 0, maxTurns: 3, maxTurnTokens: 7, topk: 3, searchOptions: { p: 0.25 } },
  );
  assert.deepEqual(
    calls.map((c) => c.length),
    [2, 2],
  ); // turn 1: rows 0, 1; turn 2: rows 0, 3
  assert.deepEqual(
    trajs.map((t) => t.noisy),
    [[true, true], [false], [], [false]],
  );
  assert.deepEqual(
    trajs.map((t) => t.finishReason),
    ['answer', 'answer', 'answer', 'answer'],
  );
  const stats = rolloutStats(trajs);
  assert.equal(stats.searchesPerTrajectory, 4 / 4);
  assert.equal(stats.validActionRatio, 8 / 9);
  assert.match(showMask(tokenizer, trajs[0]), /<\/search>⟦\n\n<information> doc 1: alpha was born in gamma\. <\/information>\n\n⟧<think>/);
});

test('no engine (R1): a search gets "No information available"; context limit ends with finishReason length', async () => {
  const rng = new Rng(2);
  const scripts = [['search', 'answer'] as TurnKind[]].map((p) => p.flatMap((k) => turnTokens(k, rng, 7)));
  const [t] = await rollout(scriptedPolicy(scripts), tokenizer, [{ question: 'who is beta' }], null, { temperature: 0, maxTurns: 2 });
  assert.equal(t.turns[0].observation, '\n\n<information>No information available</information>\n\n');
  assert.equal(t.finishReason, 'answer');
  const promptLength = tokenizer.encode(t.prompt).length;
  const [short] = await rollout(scriptedPolicy(scripts), tokenizer, [{ question: 'who is beta' }], null, {
    temperature: 0,
    maxTurns: 2,
    maxContextTokens: promptLength + 4,
  });
  assert.equal(short.finishReason, 'length');
  assert.equal(short.ids.length, promptLength + 4);
});

test('real model: sampling log-probs match a full forward pass; same seed ⇒ same trajectories; no tensor leak', async () => {
  const model = createModel({ vocabSize: tokenizer.vocabSize, hiddenSize: 16, numLayers: 1, numHeads: 2, intermediateSize: 32 }, 3);
  const engine = Bm25Engine.fromDocs(DOCS);
  const qs = [{ question: 'who is alpha' }, { question: 'where was beta born' }, { question: 'who is alpha' }];
  const before = tf.memory().numTensors;
  const a = await rollout(model, tokenizer, qs, engine, { seed: 5, maxTurns: 2, maxTurnTokens: 12, topk: 2 });
  assert.equal(tf.memory().numTensors, before);
  const b = await rollout(model, tokenizer, qs, engine, { seed: 5, maxTurns: 2, maxTurnTokens: 12, topk: 2 });
  assert.deepEqual(
    a.map((t) => t.ids),
    b.map((t) => t.ids),
  );
  const lp = model.tokenLogProbs(a.map((t) => t.ids));
  const full = lp.arraySync();
  lp.dispose();
  a.forEach((t, i) =>
    t.ids.forEach((_, k) => {
      if (t.mask[k] === 1) assert.ok(Math.abs(full[i][k - 1] - t.logProbs[k]) < 1e-3, `row ${i} token ${k}`);
    }),
  );
  const greedy1 = await rollout(model, tokenizer, qs, engine, { temperature: 0, seed: 1, maxTurns: 1, maxTurnTokens: 6 });
  const greedy2 = await rollout(model, tokenizer, qs, engine, { temperature: 0, seed: 2, maxTurns: 1, maxTurnTokens: 6 });
  assert.deepEqual(
    greedy1.map((t) => t.ids),
    greedy2.map((t) => t.ids),
  );
  model.dispose();
});

test('rollouts in chunks of rows, inserts in pieces: the same trajectories in the same order as all rows in one cache, whole inserts', async () => {
  const model = createModel({ vocabSize: tokenizer.vocabSize, hiddenSize: 16, numLayers: 2, numHeads: 2, intermediateSize: 32 }, 4);
  const engine = Bm25Engine.fromDocs(DOCS);
  const qs = ['who is alpha', 'where was beta born', 'the capital of gamma', 'who is the capital of delta city', 'alpha'].map((question) => ({ question }));
  const opts = { seed: 9, maxTurns: 2, maxTurnTokens: 10, topk: 2 };
  const before = tf.memory().numTensors;
  const whole = await rollout(model, tokenizer, qs, engine, opts);
  assert.ok(
    whole.some((t) => t.turns.some((turn) => turn.observation !== '')),
    'some row had an observation inserted into its cache',
  );
  for (const chunks of [{ chunkRows: 1 }, { chunkRows: 2 }, { chunkRows: 3 }, { chunkRows: 5 }, { insertChunk: 4 }, { chunkRows: 2, insertChunk: 1 }]) {
    const chunked = await rollout(model, tokenizer, qs, engine, { ...opts, ...chunks });
    assert.deepEqual(
      chunked.map((t) => [t.index, t.ids, t.mask, t.response]),
      whole.map((t) => [t.index, t.ids, t.mask, t.response]),
      JSON.stringify(chunks),
    );
    chunked.forEach((t, i) => t.logProbs.forEach((lp, k) => assert.ok(Math.abs(lp - whole[i].logProbs[k]) < 1e-5, `row ${i} token ${k}`)));
  }
  assert.equal(tf.memory().numTensors, before);
  await assert.rejects(rollout(model, tokenizer, qs, engine, { chunkRows: -1 }), /chunkRows/);
  await assert.rejects(rollout(model, tokenizer, qs, engine, { insertChunk: 1.5 }), /insertChunk/);
  model.dispose();
});

test('bad options are rejected with the option name', async () => {
  const model = scriptedPolicy([[id('alpha')]]);
  await assert.rejects(rollout(model, tokenizer, [{ question: 'x' }], null, { maxTurnTokens: 0 }), /maxTurnTokens/);
  await assert.rejects(rollout(model, tokenizer, [{ question: 'x' }], null, { temperature: -1 }), /temperature/);
  await assert.rejects(rollout(model, tokenizer, [{} as never], null), /questions\[0\]\.question/);
});
