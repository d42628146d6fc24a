import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { generateWorld, generateSecondWorld, checkWorld } from './generate';
import { exportWorld, loadWorld } from './io';
import { docAnswersHop, documentSupports, indexWorld, supportingDocuments, textContainsAnswer } from './lookup';
import { resolveWorldConfig } from './config';
import { nameInventory } from './names';
import { FACT_SENTENCES, FILLER_SENTENCES, QUESTION_PHRASINGS } from './templates';
import { describeWorld, worldStats, worldVocabulary } from './stats';
import type { World } from './types';

const tiny = generateWorld('tiny', 7);

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'zs-world-'));
}

function filesOf(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const name of fs.readdirSync(d).sort()) {
      const p = path.join(d, name);
      if (fs.statSync(p).isDirectory()) walk(p);
      else out.set(path.relative(dir, p), fs.readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

/** "subject name | relation | object name" for every fact: what a model could memorise. */
function factTriples(world: World): Set<string> {
  const index = indexWorld(world);
  return new Set(world.facts.map((f) => `${index.entity(f.subject).name}|${f.relation}|${f.object ? index.entity(f.object).name : f.value}`));
}

test('tiny preset has every question set', () => {
  const w = generateWorld('tiny', 123);
  const stats = describeWorld(w);
  for (const [set, sizes] of Object.entries(stats.questions)) {
    assert.ok((sizes.test ?? 0) > 0, `${set} has no test questions`);
  }
  assert.ok(stats.wordsPerDocument.min >= 20 && stats.wordsPerDocument.max <= 45, JSON.stringify(stats.wordsPerDocument));
});

test('same seed ⇒ byte-identical exported files', () => {
  const [a, b] = [tmpDir(), tmpDir()];
  exportWorld(generateWorld('tiny', 7), a);
  exportWorld(generateWorld('tiny', 7), b);
  const fa = filesOf(a);
  const fb = filesOf(b);
  assert.deepEqual([...fa.keys()], [...fb.keys()]);
  assert.ok(fa.has('corpus.jsonl') && fa.has('world.json') && fa.has('stats.json') && fa.has(path.join('micro-nq', 'train.jsonl')));
  for (const [name, bytes] of fa) assert.ok(bytes.equals(fb.get(name)!), `${name} differs`);
});

test('different seeds ⇒ different people and facts, from the same name inventory', () => {
  const other = generateWorld('tiny', 8);
  const names = (w: World, kind: string) => new Set(w.entities.filter((e) => e.kind === kind).map((e) => e.name));
  assert.notDeepEqual(names(tiny, 'person'), names(other, 'person'));
  assert.deepEqual(names(tiny, 'city'), names(other, 'city')); // same inventory, different facts
  const a = factTriples(tiny);
  const shared = [...factTriples(other)].filter((t) => a.has(t)).length;
  assert.ok(shared < 0.25 * a.size, `${shared} of ${a.size} facts shared`);
});

test('the second world shares no fact but (almost) all vocabulary with the first', () => {
  const quick = generateWorld({ preset: 'tiny', people: 60 }, 3);
  const second = generateSecondWorld(quick);
  assert.equal(second.seed, 4);
  const a = factTriples(quick);
  assert.deepEqual(
    [...factTriples(second)].filter((t) => a.has(t)),
    [],
  );
  const wordsOf = (w: World) => new Set(worldVocabulary(w).toJSON().vocab);
  const va = wordsOf(quick);
  const vb = wordsOf(second);
  const overlap = [...va].filter((t) => vb.has(t)).length / va.size;
  assert.ok(overlap > 0.85, `vocabulary overlap ${overlap}`);
  assert.throws(() => generateSecondWorld(quick, 3), /seed must differ/);
});

test("every hop is stated by a document that names the hop's entity and contains its answer", () => {
  for (const q of tiny.questions) {
    assert.ok(q.hops.length >= 1 && q.golden_answers.length >= 1, q.id);
    for (const hop of q.hops) {
      const docs = tiny.documents.filter((d) => d.factIds.includes(hop.factId));
      const ok = docs.some((d) => d.text.includes(hop.entity.split(' ')[0]) && textContainsAnswer(d.text, hop.answers));
      assert.ok(ok, `${q.id}: hop ${hop.query} → ${hop.answer}`);
    }
    if (q.kind !== 'comparison') assert.deepEqual(q.golden_answers, q.hops[q.hops.length - 1].answers, q.id);
  }
});

test('checkWorld rejects a world whose documents no longer state a fact', () => {
  const broken = generateWorld('tiny', 7);
  const victim = broken.questions[0].hops[0].factId;
  for (const d of broken.documents) d.factIds = d.factIds.filter((f) => f !== victim);
  assert.throws(() => checkWorld({ ...broken, documents: broken.documents.slice() }), /no document states fact/);
});

test('oracle: a document supports exactly the hops whose fact it states', () => {
  const hop = tiny.questions.find((q) => q.data_source === 'micro-hotpotqa')!.hops[1];
  const supporting = supportingDocuments(tiny, hop);
  assert.ok(supporting.length >= 1);
  for (const d of supporting) assert.ok(documentSupports(tiny, d.id, hop) && docAnswersHop(d, hop));
  const unrelated = tiny.documents.find((d) => !d.factIds.includes(hop.factId))!;
  assert.equal(documentSupports(tiny, unrelated.id, hop), false);
  assert.throws(() => documentSupports(tiny, 'doc-missing', hop), /unknown document id "doc-missing"/);
});

test('splits: no question text in two splits, train only nq/hotpotqa, no held-out entity in a train hop', () => {
  const texts = new Map<string, string>();
  for (const q of tiny.questions) {
    assert.ok(!texts.has(q.question), `duplicate question ${q.question}`);
    texts.set(q.question, q.split);
  }
  assert.equal(new Set(tiny.questions.map((q) => q.id)).size, tiny.questions.length);
  const train = tiny.questions.filter((q) => q.split === 'train');
  assert.ok(train.length > 0);
  assert.deepEqual([...new Set(train.map((q) => q.data_source))].sort(), ['micro-hotpotqa', 'micro-nq']);
  const heldOut = new Set(
    Object.entries(tiny.entitySplit)
      .filter(([, s]) => s !== 'train')
      .map(([id]) => id),
  );
  assert.ok(heldOut.size > 0);
  const trainFacts = new Set<string>();
  for (const q of train) {
    for (const h of q.hops) {
      assert.ok(!heldOut.has(h.entityId) && !(h.answerId && heldOut.has(h.answerId)), `${q.id} touches held-out ${h.entity} / ${h.answer}`);
      trainFacts.add(h.factId);
    }
  }
  // Every test question asks at least one fact no training question contains.
  for (const q of tiny.questions.filter((x) => x.split === 'test')) {
    assert.ok(
      q.hops.some((h) => !trainFacts.has(h.factId)),
      `${q.id}: all its facts are in training questions`,
    );
  }
});

test('popqa and bamboogle start from long-tail entities (named by one document), nq/tqa from well-covered ones', () => {
  const docsNaming = (name: string) => tiny.documents.filter((d) => textContainsAnswer(d.text, [name])).length;
  for (const q of tiny.questions) {
    const start = q.hops[0].entity;
    if (q.data_source === 'micro-popqa' || q.data_source === 'micro-bamboogle') assert.equal(docsNaming(start), 1, q.question);
    if (q.data_source === 'micro-nq' || q.data_source === 'micro-tqa') assert.ok(docsNaming(start) >= 2, q.question);
  }
});

test('golden answers carry the aliases: surnames, company stems, formal country names', () => {
  const index = indexWorld(tiny);
  const seen = new Set<string>();
  for (const q of tiny.questions) {
    const last = q.hops[q.hops.length - 1];
    if (q.kind === 'comparison' || !last.answerId) continue;
    const e = index.entity(last.answerId);
    seen.add(e.kind);
    if (e.kind === 'person') assert.deepEqual(q.golden_answers, [e.name, e.name.split(' ')[1]]);
    if (e.kind === 'company') assert.deepEqual(q.golden_answers, [e.name, e.name.split(' ')[0]]);
    if (e.kind === 'country') assert.match(q.golden_answers[1], new RegExp(`^(Republic|Kingdom) of ${e.name}$`));
  }
  assert.deepEqual([...seen].sort(), ['city', 'company', 'country', 'person']);
  const year = tiny.questions.find((q) => q.hops[q.hops.length - 1].relation === 'year_of_birth' && q.kind !== 'comparison')!;
  assert.match(year.golden_answers[0], /^\d{4}$/);
});

test('loadWorld reads back what exportWorld wrote', () => {
  const dir = tmpDir();
  exportWorld(tiny, dir);
  const back = loadWorld(dir);
  assert.deepEqual(back.documents, tiny.documents);
  assert.deepEqual(back.entities, tiny.entities);
  assert.deepEqual(back.questions.map((q) => q.id).sort(), tiny.questions.map((q) => q.id).sort());
  const q = tiny.questions[5];
  assert.deepEqual(
    back.questions.find((x) => x.id === q.id),
    q,
  );
  fs.rmSync(path.join(dir, 'world.json'));
  assert.throws(() => loadWorld(dir), /world\.json: file not found/);
});

test('worldStats computes answer recall with a given search function', async () => {
  // A search that returns every document stating the hop's fact first: hop recall must be 1.
  const byQuery = new Map(tiny.questions.flatMap((q) => q.hops.map((h) => [h.query, h] as const)));
  const search = async (queries: string[], topk: number) =>
    queries.map((query) => {
      const hop = byQuery.get(query);
      return (hop ? supportingDocuments(tiny, hop) : []).slice(0, topk);
    });
  const stats = await worldStats(tiny, { search, topk: 3 });
  for (const r of Object.values(stats.recall!.sets)) assert.equal(r.hopRecall, 1);
  assert.equal(stats.recall!.sets['micro-nq'].questionRecall, 0); // question texts are not hop queries
});

test('config: presets, overrides and clear errors', () => {
  assert.equal(resolveWorldConfig({ preset: 'quick', people: 200 }).people, 200);
  assert.equal(resolveWorldConfig({ preset: 'tiny', heldOut: { dev: 0, test: 0.5 } }).heldOut.test, 0.5);
  assert.throws(() => resolveWorldConfig('huge' as never), /unknown preset "huge"/);
  assert.throws(() => resolveWorldConfig({ preset: 'tiny', cities: 3 }), /cities must be at least 2 per country/);
  assert.throws(() => resolveWorldConfig({ preset: 'tiny', questions: { 'micro-tqa': { train: 5 } } as never }), /questions\.micro-tqa\.train must be 0/);
  assert.throws(() => generateWorld('tiny', 1.5), /seed must be an integer/);
});

test('name inventory: fixed, prefix-stable, distinct across classes and from template words', () => {
  const classes = ['first', 'last', 'city', 'country', 'company', 'work'] as const;
  const all = classes.flatMap((c) => nameInventory(c, 300));
  assert.equal(new Set(all.map((n) => n.toLowerCase())).size, all.length);
  assert.deepEqual(nameInventory('city', 5), nameInventory('city', 300).slice(0, 5));
  const templateWords = new Set(
    [...Object.values(FACT_SENTENCES), ...Object.values(FILLER_SENTENCES), ...Object.values(QUESTION_PHRASINGS)]
      .flat()
      .join(' ')
      .toLowerCase()
      .match(/[a-z]+/g),
  );
  assert.deepEqual(
    all.filter((n) => templateWords.has(n.toLowerCase())),
    [],
  );
});
