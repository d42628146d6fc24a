import { test } from 'node:test';
import assert from 'node:assert/strict';
import { worldEngine } from '../search';
import { CompletionOptions, SimulatedSearchEngine, TextGenerator } from './engine';
import { generateWorld, indexWorld, textContainsAnswer } from '../world';
import { RELATIONS } from '../world/templates';
import {
  collectSftPairs,
  oracleLabeller,
  trajectoryLabeller,
  buildSftExamples,
  sftSequence,
  simulatorTokenizer,
  parseSimulatorOutput,
  renderTarget,
  sftPrompt,
  factProbes,
  knowledgeSampler,
  findRepeatedDocument,
  formatQualityTable,
} from './index';
import { Rng } from '../util';

const world = generateWorld('tiny', 3);
const bm25 = worldEngine(world);

test('collection keeps every (query, doc) pair; oracle labels are balanced into useful and noisy examples', async () => {
  const pairs = await collectSftPairs(world, bm25, { maxQuestions: 30, seed: 1, imperfectRate: 0.5 });
  assert.ok(pairs.length >= 30 * 5, `${pairs.length} pairs`);
  assert.ok(pairs.some((p) => p.queryKind !== 'hop') && pairs.some((p) => p.queryKind === 'hop'));
  assert.ok(pairs.some((p) => p.trajectoryCorrect) && pairs.some((p) => !p.trajectoryCorrect), 'trajectories end both ways');
  const labels = await oracleLabeller(world)(pairs);
  // The oracle says useful exactly when the document states the fact the query asks about.
  const byId = new Map(world.documents.map((d) => [d.id, d]));
  pairs.forEach((p, i) => assert.equal(labels[i], byId.get(p.doc.id!)!.factIds.includes(p.intentFactId)));
  const { examples, counts } = buildSftExamples(world, pairs, labels, { seed: 2 });
  const useful = examples.filter((e) => e.quality === 'useful');
  const noisy = examples.filter((e) => e.quality === 'noisy');
  assert.equal(useful.length, noisy.length);
  assert.ok(useful.length > 10);
  assert.equal(counts.examples.useful, useful.length);
  assert.equal(counts.labelledUseful + counts.labelledNoisy, pairs.length);
  for (const e of examples) assert.equal(e.docs.length, 5);
  // Useful targets put an answering document first; noisy targets never contain the query's answer.
  for (const e of useful) assert.ok(textContainsAnswer(`${e.docs[0].title} ${e.docs[0].text}`, e.queryAnswers) || e.queryAnswers.length === 0);
  for (const e of noisy) assert.ok(!textContainsAnswer(e.docs.map((d) => `${d.title} ${d.text}`).join(' '), e.queryAnswers), `noisy target answers ${e.query}`);
  const index = indexWorld(world);
  const pairOf = new Map(pairs.map((p) => [`${p.questionId}:${p.query}`, p]));
  for (const e of noisy) {
    const { intentEntityId: entity, intentFactId } = pairOf.get(`${e.questionId}:${e.query}`)!;
    for (const d of e.docs) assert.ok(!byId.get(d.id!)!.entityIds.includes(entity), `noisy target mentions the query entity of ${e.query}`);
    // Nor anything of the answer's type: no year for a year question, no entity of the answer's kind.
    const answerType = RELATIONS[index.fact(intentFactId).relation].object;
    for (const d of e.docs) {
      const doc = byId.get(d.id!)!;
      if (answerType === 'year') assert.doesNotMatch(doc.text, /\d/, `noisy target for ${e.query} states a number`);
      else
        assert.ok(
          doc.entityIds.every((id) => index.entity(id).kind !== answerType),
          `noisy target for ${e.query} names a ${answerType}`,
        );
    }
  }
  const trajectory = await trajectoryLabeller(pairs);
  assert.deepEqual(
    trajectory,
    pairs.map((p) => p.trajectoryCorrect),
  );
});

test('the SFT loss mask covers exactly the five Doc lines and <eos>', () => {
  const tokenizer = simulatorTokenizer(world);
  const docs = world.documents.slice(0, 5);
  const example = {
    query: world.questions[0].hops[0].query,
    question: world.questions[0].question,
    answer: world.questions[0].golden_answers[0],
    quality: 'useful' as const,
    docs,
  };
  const seq = sftSequence(example, tokenizer);
  const targetIds = seq.ids.filter((_, t) => seq.lossMask[t] === 1);
  const promptIds = seq.ids.filter((_, t) => seq.lossMask[t] === 0);
  assert.equal(tokenizer.decode(promptIds), tokenizer.normalize(sftPrompt(example, 'useful')));
  assert.deepEqual(targetIds, [...tokenizer.encode(renderTarget(docs)), tokenizer.eosId]);
  assert.ok(seq.lossMask.indexOf(1) === promptIds.length && seq.lossMask.slice(promptIds.length).every((m) => m === 1));
  // The template words are in the vocabulary (nothing maps to <unk>).
  assert.ok(!seq.ids.includes(tokenizer.unkId));
});

test('the §4.2 prompt has the five parts in order and switches useful/noisy', () => {
  const q = { query: 'zed born', question: 'where was zed born?', answer: 'Ora' };
  const useful = sftPrompt(q, 'useful').split('\n').filter(Boolean);
  assert.deepEqual(useful, [
    'You are the Google search engine.',
    'Given a query, you need to generate five useful documents for the query.',
    'The user is trying to answer the question: "where was zed born?" whose answer is Ora.',
    'Each document should contain about 30 words, and these documents should contain useful information.',
    'Query: zed born',
    'Useful Output:',
  ]);
  assert.match(sftPrompt(q, 'noisy'), /generate five noisy documents[\s\S]*noisy information\.\n\nQuery: zed born\nNoisy Output:\n$/);
});

test('parser: cuts at Doc k+1, repairs and reports malformed output', () => {
  const good = parseSimulatorOutput('Doc 1: a\n\nDoc 2: b\nDoc 3: c\nDoc 4: d\nDoc 5: e\nDoc 6: f', 5);
  assert.equal(good.wellFormed, true);
  assert.deepEqual(
    good.docs.map((d) => d.text),
    ['a', 'b', 'c', 'd', 'e'],
  );
  const short = parseSimulatorOutput('doc 1: a b\ncontinued\ndoc 2: c', 5);
  assert.equal(short.wellFormed, false);
  assert.deepEqual(
    short.docs.map((d) => d.text),
    ['a b continued', 'c'],
  );
  assert.match(short.problems.join(';'), /2 documents instead of 5/);
  const bare = parseSimulatorOutput('just some text', 5);
  assert.deepEqual(
    bare.docs.map((d) => d.text),
    ['just some text'],
  );
  assert.match(bare.problems.join(';'), /before the first/);
  assert.deepEqual(parseSimulatorOutput('', 5).docs, []);
  assert.match(parseSimulatorOutput('', 5).problems.join(';'), /empty output/);
});

test('findRepeatedDocument finds the first document whose opening repeats an earlier one', () => {
  const text =
    'Doc 1: ada byron was born in 1815 in london .\n\nDoc 2: other text\nDoc 3: Ada Byron was born in 1815 in london and more\nmore of doc 3\nDoc 4: x';
  const collapsed = text.replace(/\n\n+/g, '\n');
  const repeat = findRepeatedDocument(text, 5)!;
  assert.equal(repeat.number, 3);
  assert.equal(collapsed.slice(0, repeat.start), 'Doc 1: ada byron was born in 1815 in london .\nDoc 2: other text\nDoc 3:');
  assert.equal(collapsed.slice(repeat.end), 'Doc 4: x', 'the repeat ends where the next document begins');
  assert.equal(findRepeatedDocument('Doc 1: a b\nDoc 2: a b', 5)!.end, 'Doc 1: a b\nDoc 2: a b'.length, 'a last repeat runs to the end');
  assert.equal(findRepeatedDocument('Doc 1: a b c\nDoc 2: a b d', 5), null, 'openings differ within eight words');
  assert.equal(findRepeatedDocument('Doc 1: a b c\nDoc 2: z\nDoc 3: a b c', 2), null, 'documents past topk are cut anyway');
});

test('the quality table gives each answer rate with its standard error', () => {
  const row = { engine: 'e', queries: 100, answerRate: 0.5, wellFormedRate: 1, distinctDocRate: 0.9, docsPerSecond: 12.34 };
  const table = formatQualityTable([row, { ...row, engine: 'bm25', answerRate: 1, docsPerSecond: Infinity }]);
  assert.match(table, /\| e \| 100 \| 50\.0% ± 5\.0 \| 100\.0% \| 90\.0% \| 12\.3 \|/);
  assert.match(table, /\| bm25 \| 100 \| 100\.0% ± 0\.0 \| .* \| ∞ \|/);
});

/** First answers repeat Doc 1 as Doc 2; a rewrite (given a prefix) writes `fresh` or the same text again, then runs on. */
class RepeatingGenerator implements TextGenerator {
  readonly name = 'repeating';
  readonly continuesPrefixes = true;
  calls: Array<{ prompts: string[]; prefixes?: string[]; stop?: string }> = [];
  constructor(readonly fresh: boolean) {}
  async complete(prompts: string[], opts: CompletionOptions): Promise<string[]> {
    this.calls.push({ prompts, prefixes: opts.prefixes, stop: opts.stop });
    if (!opts.prefixes) return prompts.map(() => 'Doc 1: same doc\nDoc 2: same doc\nDoc 3: c\nDoc 4: d\nDoc 5: e');
    return prompts.map(() => (this.fresh ? ' new doc\nDoc 3: run-on' : ' same doc\nDoc 3: run-on'));
  }
}

test('a repeated useful document is rewritten in place, the documents after it kept; rewrites are counted and bounded', async () => {
  const fixing = new RepeatingGenerator(true);
  const r = await new SimulatedSearchEngine({ generator: fixing, seed: 1, distinctRetries: 2 }).searchDetailed(['q1', 'q2'], { topk: 5 });
  assert.deepEqual(
    r.docs[0].map((d) => d.text),
    ['same doc', 'new doc', 'c', 'd', 'e'],
  );
  assert.ok(r.wellFormed[0]);
  assert.deepEqual(r.rewrites, [1, 1]);
  assert.deepEqual(fixing.calls[1].prefixes, ['Doc 1: same doc\nDoc 2:', 'Doc 1: same doc\nDoc 2:']);
  assert.equal(fixing.calls[1].stop, 'Doc 3', 'a rewrite stops at the next document');
  assert.deepEqual(fixing.calls[1].prompts, fixing.calls[0].prompts, 'the same prompts, continued');

  const stubborn = new RepeatingGenerator(false);
  const kept = await new SimulatedSearchEngine({ generator: stubborn, seed: 1, distinctRetries: 3 }).searchDetailed(['q'], { topk: 5 });
  assert.deepEqual(kept.rewrites, [3], 'gives up after distinctRetries');
  assert.deepEqual(
    kept.docs[0].map((d) => d.text),
    ['same doc', 'same doc', 'c', 'd', 'e'],
    'a repeat that stays is kept, not dropped',
  );
  assert.equal(stubborn.calls.length, 4);

  const noisy = new RepeatingGenerator(true);
  const asWritten = await new SimulatedSearchEngine({ generator: noisy, seed: 1, distinctRetries: 2 }).searchDetailed(['q'], { topk: 5, quality: 'noisy' });
  assert.deepEqual(asWritten.rewrites, [0], 'noisy responses are left as written');
  assert.equal(noisy.calls.length, 1);

  const off = new RepeatingGenerator(true);
  const raw = await new SimulatedSearchEngine({ generator: off, seed: 1 }).searchDetailed(['q'], { topk: 5 });
  assert.deepEqual(raw.rewrites, [0], 'off by default');
  assert.equal(off.calls.length, 1);
});

/** Answers every prompt with five docs naming its quality, and records the prompts. */
class CannedGenerator implements TextGenerator {
  readonly name = 'canned';
  prompts: string[] = [];
  async complete(prompts: string[], _opts: CompletionOptions): Promise<string[]> {
    this.prompts.push(...prompts);
    return prompts.map((p) => [1, 2, 3, 4, 5, 6].map((i) => `Doc ${i}: ${p.endsWith('Noisy Output:\n') ? 'noise' : 'fact'} ${i}`).join('\n'));
  }
}

test('each query draws noisy with probability p, once for all its documents', async () => {
  const generator = new CannedGenerator();
  const engine = new SimulatedSearchEngine({ generator, seed: 11 });
  const n = 4000;
  const p = 0.3;
  let noisy = 0;
  for (let call = 0; call < n / 20; call++) {
    const queries = Array.from({ length: 20 }, (_, i) => `q${call}-${i}`);
    const r = await engine.searchDetailed(queries, { topk: 5, noiseProbability: p });
    r.docs.forEach((docs, i) => {
      assert.equal(docs.length, 5, 'cut at Doc 6');
      const kinds = new Set(docs.map((d) => d.text.split(' ')[0]));
      assert.deepEqual([...kinds], [r.noisy[i] ? 'noise' : 'fact'], 'one draw covers all documents of a query');
    });
    noisy += r.noisy.filter(Boolean).length;
  }
  const sd = Math.sqrt((p * (1 - p)) / n);
  assert.ok(Math.abs(noisy / n - p) < 4 * sd, `noisy share ${noisy / n} vs p ${p}`);
  engine.setNoiseProbability(0);
  assert.ok((await engine.searchDetailed(['x', 'y'], { topk: 5 })).noisy.every((x) => !x));
  assert.throws(() => engine.setNoiseProbability(1.5), /\[0, 1\]/);
});

test('fact probes cover seen and held-out phrasings', () => {
  const probes = factProbes(world, { maxFacts: 60 });
  assert.ok(probes.some((p) => p.seenPhrasing) && probes.some((p) => !p.seenPhrasing));
  for (const p of probes) assert.ok(p.prompt.startsWith('Doc 1: '));
});

test('knowledge sequences are Doc-numbered corpus lines, identical to encoding the rendered text', () => {
  const tokenizer = simulatorTokenizer(world);
  const sample = knowledgeSampler(world, tokenizer, 3);
  const rng = new Rng(5);
  const seq = sample(rng);
  const again = new Rng(5);
  const docs = [0, 1, 2].map(() => again.choice(world.documents));
  assert.deepEqual(seq.ids, [...tokenizer.encode(renderTarget(docs)), tokenizer.eosId]);
  assert.ok(seq.lossMask.every((m) => m === 1));
});
