import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../tensor';
import { Rng } from '../util';
import { generateWorld } from '../world/generate';
import { indexWorld } from '../world/lookup';
import type { World } from '../world/types';
import { buildPolicyBase, policyBaseSampler, policyTokenizer, pretrainingWorlds, scriptedTrajectory, templateHabit, worldScripts } from './policy-base';
import { parseAction } from './actions';

const testWorld = generateWorld('tiny', 11);

before(async () => {
  await initBackend();
});

/** Every fact as "subject name | relation | object name" (what a model could memorise). */
function factTriples(world: World): Set<string> {
  const index = indexWorld(world);
  return new Set(world.facts.map((f) => `${index.entity(f.subject).name}|${f.relation}|${f.object ? index.entity(f.object).name : f.value}`));
}

test('pretraining worlds never state a fact of the test world, and the sampler draws only from them', async () => {
  const worlds = pretrainingWorlds(testWorld, 2, 0);
  const testFacts = factTriples(testWorld);
  for (const w of worlds) {
    assert.notEqual(w.seed, testWorld.seed);
    const shared = [...factTriples(w)].filter((t) => testFacts.has(t));
    assert.deepEqual(shared, [], `world ${w.seed} repeats test-world facts`);
  }
  // Every document text the sampler can emit belongs to a pretraining world's corpus, none to the test world's only.
  const tokenizer = policyTokenizer([...worlds, testWorld]);
  const scripts = await Promise.all(worlds.map((w) => worldScripts(w, 3)));
  const allowed = new Set(worlds.flatMap((w) => w.documents.map((d) => tokenizer.decode(tokenizer.encode(d.text)))));
  const testOnly = testWorld.documents.map((d) => tokenizer.decode(tokenizer.encode(d.text))).filter((t) => !allowed.has(t));
  assert.ok(testOnly.length > 0);
  const sample = policyBaseSampler(tokenizer, scripts, { documentFraction: 0.5, mix: { direct: 1, flawed: 1, correct: 1 } });
  const rng = new Rng(3);
  for (let i = 0; i < 60; i++) {
    const text = tokenizer.decode(sample(rng).ids);
    for (const t of testOnly) assert.ok(!text.includes(t), 'a test-world-only document leaked into pretraining');
  }
});

test('scripted trajectories: correct searches every hop and copies the answer; shallow stops after hop 1; direct never searches; loss only on policy text', async () => {
  const [w] = pretrainingWorlds(testWorld, 1, 5);
  const ws = await worldScripts(w, 3);
  const tokenizer = policyTokenizer([w, testWorld]);
  const q = w.questions.find((x) => x.hops.length === 2)!;
  const correct = scriptedTrajectory(ws, q, 'correct', new Rng(1));
  const policyText = correct.filter((s) => s.policy).map((s) => s.text);
  assert.deepEqual(
    policyText.slice(0, 2).map((t) => parseAction(t)),
    q.hops.map((h) => ({ kind: 'search', content: h.query })),
  );
  assert.deepEqual(parseAction(policyText[2]), { kind: 'answer', content: q.golden_answers[0] });
  // The documents shown contain the hop answers (BM25 top-3 over the same world).
  const docs = correct
    .filter((s) => !s.policy)
    .slice(1)
    .map((s) => s.text.toLowerCase());
  q.hops.forEach((h, i) => assert.ok(docs[i].includes(h.answer.toLowerCase()), `hop ${i} answer in its documents`));
  const direct = scriptedTrajectory(ws, q, 'direct', new Rng(1));
  assert.equal(direct.length, 2);
  assert.equal(parseAction(direct[1].text).kind, 'answer');
  // shallow: the first hop's search, then that hop's answer; on a one-hop question it is `correct`.
  const shallow = scriptedTrajectory(ws, q, 'shallow', new Rng(1))
    .filter((s) => s.policy)
    .map((s) => parseAction(s.text));
  assert.deepEqual(shallow, [
    { kind: 'search', content: q.hops[0].query },
    { kind: 'answer', content: q.hops[0].answer },
  ]);
  const oneHop = w.questions.find((x) => x.hops.length === 1)!;
  assert.deepEqual(scriptedTrajectory(ws, oneHop, 'shallow', new Rng(1)), scriptedTrajectory(ws, oneHop, 'correct', new Rng(1)));
  const flawed = scriptedTrajectory(ws, q, 'flawed', new Rng(2));
  assert.notEqual(parseAction(flawed[flawed.length - 1].text).content, q.golden_answers[0]);
  // Loss mask: exactly the policy segments' tokens.
  const sample = policyBaseSampler(tokenizer, [ws], { documentFraction: 0, mix: { direct: 0, flawed: 0, correct: 1 } })(new Rng(4));
  const targets = tokenizer.decode(sample.ids.filter((_, i) => sample.lossMask[i] === 1));
  assert.ok(targets.includes('</search>') && targets.includes('</answer>'));
  assert.ok(!targets.includes('<information>') && !targets.includes('answer the given question'));
});

test('habits: each template keeps one style in every world, drawn from the mix with the seed', async () => {
  // One world: the pretraining worlds share question texts (with different answers).
  const worlds = pretrainingWorlds(testWorld, 1, 0);
  const tokenizer = policyTokenizer([...worlds, testWorld]);
  const scripts = await Promise.all(worlds.map((w) => worldScripts(w, 3)));
  const mix = { direct: 1, flawed: 1, correct: 1 };
  // The style a sampled trajectory shows: no search in its policy tokens → direct; the question's own hop
  // queries in order → correct; anything else → flawed.
  const norm = (t: string) => tokenizer.decode(tokenizer.encode(t));
  const questionOf = (text: string) => worlds[0].questions.find((x) => text.includes(norm(x.question)))!;
  const styleOf = (text: string, policyText: string): string => {
    const searches = [...policyText.matchAll(/<search> (.*?) <\/search>/g)].map((m) => m[1]);
    if (searches.length === 0) return 'direct';
    return JSON.stringify(searches) === JSON.stringify(questionOf(text).hops.map((h) => norm(h.query))) ? 'correct' : 'flawed';
  };
  const templateOf = (text: string) => questionOf(text).template;
  const sample = policyBaseSampler(tokenizer, scripts, { documentFraction: 0, mix, habit: 1, habitSeed: 7 });
  const rng = new Rng(5);
  const seen = new Map<string, string[]>();
  for (let i = 0; i < 150; i++) {
    const { ids, lossMask } = sample(rng);
    const text = tokenizer.decode(ids);
    const t = templateOf(text);
    seen.set(t, [...(seen.get(t) ?? []), styleOf(text, tokenizer.decode(ids.filter((_, k) => lossMask[k] === 1)))]);
  }
  for (const [t, styles] of seen) {
    const habit = templateHabit(t, mix, 7);
    // A flawed query can coincide with the right one (another question of the template about the same entity).
    if (habit === 'flawed')
      assert.ok(!styles.includes('direct') && styles.filter((x) => x === 'flawed').length > styles.length / 2, `template ${t}: ${styles}`);
    else assert.deepEqual([...new Set(styles)], [habit], `template ${t}`);
  }
  const habits = new Set([...seen.keys()].map((t) => templateHabit(t, mix, 7)));
  assert.ok(habits.size >= 2, 'the habits differ between templates');
  assert.notDeepEqual(
    [...seen.keys()].map((t) => templateHabit(t, mix, 7)),
    [...seen.keys()].map((t) => templateHabit(t, mix, 8)),
    'another seed, other habits',
  );
  assert.throws(() => policyBaseSampler(tokenizer, scripts, { documentFraction: 0, mix, habit: 1.5 }), /habit/);
  // Habits drawn from `habitMix` when given: every template's habit here is `direct`, whatever the mix says.
  const directHabit = policyBaseSampler(tokenizer, scripts, { documentFraction: 0, mix: { correct: 1 }, habit: 1, habitMix: { direct: 1 }, habitSeed: 7 });
  for (let i = 0; i < 20; i++) {
    const { ids, lossMask } = directHabit(rng);
    assert.equal(styleOf(tokenizer.decode(ids), tokenizer.decode(ids.filter((_, k) => lossMask[k] === 1))), 'direct');
  }
});

test('buildPolicyBase trains (pretraining, then the habit phase), saves, and loads the cached stage', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zs-base-'));
  const config = {
    steps: 2,
    batchSize: 2,
    model: { hiddenSize: 16, numLayers: 1, numHeads: 2, intermediateSize: 32, tieEmbeddings: true },
    habits: { steps: 3, lr: 1e-3, share: 0.5, mix: { direct: 1 } },
  };
  const a = await buildPolicyBase(testWorld, { preset: 'tiny', config, seed: 1, outDir: dir });
  assert.ok(!a.pretrainSeeds.includes(testWorld.seed));
  // Both phases ran and logged their steps.
  assert.equal(fs.readFileSync(path.join(dir, 'loss.jsonl'), 'utf8').trim().split('\n').length, 2);
  assert.equal(fs.readFileSync(path.join(dir, 'habits-loss.jsonl'), 'utf8').trim().split('\n').length, 3);
  const b = await buildPolicyBase(testWorld, { preset: 'tiny', config, seed: 1, outDir: dir });
  assert.deepEqual(b.model.params.get('model.embed_tokens.weight')!.dataSync(), a.model.params.get('model.embed_tokens.weight')!.dataSync());
  assert.equal(b.tokenizer.vocabSize, a.tokenizer.vocabSize);
  await assert.rejects(buildPolicyBase(testWorld, { preset: 'tiny', config: { ...config, steps: 3 }, seed: 1, outDir: dir }), /another config/);
  a.model.dispose();
  b.model.dispose();
});
