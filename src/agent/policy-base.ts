/**
 * The policy *base* model of the micro world: what RL starts from (DESIGN.md "policy base model").
 *
 * Recipe (stands in for "Qwen-2.5-3B-Base before RL": knows the language and the tag format, searches
 * sometimes, badly, and does not know the test world):
 * 1. Pretraining worlds: `pretrainWorlds` worlds generated with other seeds and `disagreeWith: testWorld`,
 *    so none of them states any fact of the test world (same names and templates, other facts). Several
 *    worlds that contradict each other make memorising facts useless and reading documents necessary
 *    (DESIGN pitfall 3: one world gets memorised and then answered from memory on the test world).
 * 2. Samples, drawn at random every batch (never length-bucketed, pitfall 1):
 *    - with probability `documentFraction`: one document of a pretraining world, loss on every token;
 *    - otherwise a scripted trajectory in the spec's template for a question of a pretraining world:
 *      prompt + (`<think>…</think>\n<search> q </search>` + `<information>` BM25 top-k of *that* world)* +
 *      `<think>…</think>\n<answer> a </answer>`, loss on the policy's tokens only (the rollout's mask):
 *        · `direct` (answers without searching, a guess of the right type),
 *        · `flawed` (queries the wrong entity, or stops after the first hop of a multi-hop question),
 *        · `shallow` (stops after the first hop of a multi-hop question, answering that hop; one-hop: `correct`),
 *        · `correct` (one search per hop with the canonical hop query, answer copied from the documents);
 * 3. `trainLm` (AdamW, clipping, warm-up + cosine, random batches, exact resume).
 * 4. The habit phase (`habits`, HabitPhase): a short second `trainLm` run in which each question template has a
 *    habit style, so the base's mistakes depend on the question.
 * The vocabulary (`policyTokenizer`) covers the test world too: names are shared by all worlds, so that
 * only adds the few words no pretraining world happened to use; their embeddings stay untrained.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Rng, readJson, writeJsonAtomic } from '../util';
import { createModel, Transformer } from '../model/transformer';
import type { ModelConfigInput } from '../model/config';
import { loadCheckpoint, saveCheckpoint } from '../model/checkpoint';
import { trainLm, LmExample } from '../model/lm-trainer';
import { WordTokenizer, loadWordTokenizer, saveWordTokenizer } from '../text/word-tokenizer';
import type { Tokenizer } from '../text/tokenizer';
import { worldEngine } from '../search/bm25';
import { renderDocs, Doc } from '../search/types';
import { generateWorld } from '../world/generate';
import { worldTexts } from '../world/stats';
import type { PresetName } from '../world/config';
import type { Question, World } from '../world/types';
import { INVALID_ACTION_MESSAGE, POLICY_PROMPT_PREFIX, policyPrompt } from './template';
import { informationBlock, OBS_TOKENS } from './observation';

export type ScriptStyle = 'direct' | 'flawed' | 'shallow' | 'correct';
/** Shares of scripted styles (normalised; a missing style has share 0). */
export type StyleShares = Partial<Record<ScriptStyle, number>>;

/**
 * A short second phase that gives the base *habits*: each question template gets one habit style, drawn from
 * `mix` with the seed and shared by every pretraining world; a share `share` of the samples are questions whose
 * template's habit is not `correct`, scripted in that habit, and the rest draw from the pretraining `mix`. The
 * base then answers some kinds of question without searching, or stops after one hop (as a base LLM does for
 * questions it believes it knows), and greedy decoding shows it, while the reading and copying it learnt in
 * pretraining stay: RL has to teach *when* to search, not how to read. Mixing habits into pretraining instead
 * took correct scripts away from the habitual templates (docs/experiments.md).
 */
export interface HabitPhase {
  steps: number;
  lr: number;
  share: number;
  mix: StyleShares;
}

export interface PolicyBaseConfig {
  model: Omit<ModelConfigInput, 'vocabSize'>;
  steps: number;
  batchSize: number;
  lr: number;
  warmup: number;
  pretrainWorlds: number;
  documentFraction: number;
  /** Shares of the scripted styles (normalised). */
  mix: StyleShares;
  /** The habit phase after pretraining (null = none: greedy decoding follows the majority style everywhere). */
  habits: HabitPhase | null;
  /** Documents per search in the scripted trajectories (use the same topk in RL). */
  topk: number;
  /** Observation tokens kept (the rollout's `maxObsTokens`; use the same value in RL). */
  maxObsTokens: number;
}

/** Habit styles over templates: a quarter answer without searching, a quarter stop after one hop (multi-hop ones). */
const HABIT_MIX = { direct: 0.25, shallow: 0.25, correct: 0.5 };

/**
 * Per world preset. Copying an answer out of the documents is what takes steps, so `quick` spends its budget on
 * a small model (a third layer is what made copying work), many steps (copying appears late) and mostly
 * `correct` scripts; its habit phase makes the greedy base skip search on some templates, which RL then
 * unlearns. The base is a lottery: copying emerges late, for some relations only, and any change re-rolls it.
 * The measurements behind each choice are in docs/experiments.md.
 */
export const POLICY_BASE_PRESETS: Record<PresetName, PolicyBaseConfig> = {
  tiny: {
    model: { hiddenSize: 32, numLayers: 2, numHeads: 2, intermediateSize: 64, maxPositions: 1024, tieEmbeddings: true },
    steps: 30,
    batchSize: 8,
    lr: 3e-3,
    warmup: 5,
    pretrainWorlds: 2,
    documentFraction: 0.25,
    mix: { direct: 0.3, flawed: 0.3, correct: 0.4 },
    habits: { steps: 5, lr: 1e-3, share: 0.5, mix: HABIT_MIX },
    topk: 5,
    maxObsTokens: OBS_TOKENS,
  },
  quick: {
    model: { hiddenSize: 64, numLayers: 3, numHeads: 2, intermediateSize: 256, maxPositions: 1024, tieEmbeddings: true },
    steps: 1600,
    batchSize: 16,
    lr: 3e-3,
    warmup: 30,
    pretrainWorlds: 3,
    documentFraction: 0.1,
    mix: { direct: 0.15, flawed: 0.15, correct: 0.7 },
    habits: { steps: 300, lr: 1e-3, share: 0.5, mix: HABIT_MIX },
    topk: 5,
    maxObsTokens: OBS_TOKENS,
  },
};

/** Strings the policy reads or writes beyond the worlds' texts. */
const EXTRA_TEXTS = [
  POLICY_PROMPT_PREFIX,
  INVALID_ACTION_MESSAGE,
  'No information available',
  'Doc 1: Doc 2: Doc 3: Doc 4: Doc 5:',
  'i need to search for . i know the answer . the answer is',
  '?',
];

/** The word vocabulary of the policy: every world's texts plus the template and environment strings. */
export function policyTokenizer(worlds: readonly World[]): WordTokenizer {
  return WordTokenizer.fromCorpus([...worlds.flatMap(worldTexts), ...EXTRA_TEXTS]);
}

/** `n` worlds for pretraining: same config as the test world, other seeds, contradicting it on every fact. */
export function pretrainingWorlds(testWorld: World, n: number, seed: number): World[] {
  return Array.from({ length: n }, (_, k) => {
    const s = new Rng(seed).fork(`pretraining world ${k}`).int(1_000_000_000);
    if (s === testWorld.seed) throw new Error(`pretrainingWorlds: seed ${s} collides with the test world`);
    return generateWorld(testWorld.config, s, { disagreeWith: testWorld });
  });
}

/** A scripted trajectory as segments; `policy` marks what the loss (and RL's mask) counts as policy-written. */
export interface Segment {
  text: string;
  policy: boolean;
  /** An inserted observation (cut to maxObsTokens like the rollout does). */
  observation?: boolean;
}

interface WorldScripts {
  world: World;
  questions: Question[];
  /** BM25 top-k over the world's corpus for every hop query of its questions. */
  docs: Map<string, Doc[]>;
}

function searchTurn(query: string, docs: Doc[]): Segment[] {
  return [
    { text: `<think> i need to search for ${query}. </think>\n<search> ${query} </search>`, policy: true },
    { text: informationBlock(renderDocs(docs)), policy: false, observation: true },
  ];
}

function answerTurn(answer: string, searched: boolean): Segment {
  const thought = searched ? `the answer is ${answer}.` : 'i know the answer.';
  return { text: `<think> ${thought} </think>\n<answer> ${answer} </answer>`, policy: true };
}

/** The style a script of `q` really follows: `shallow` on a one-hop question is `correct`. */
function effectiveStyle(style: ScriptStyle, q: Question): ScriptStyle {
  return style === 'shallow' && q.hops.length < 2 ? 'correct' : style;
}

/** One scripted trajectory of `styleAsked` for question `q` of a pretraining world. */
export function scriptedTrajectory(ws: WorldScripts, q: Question, styleAsked: ScriptStyle, rng: Rng): Segment[] {
  const style = effectiveStyle(styleAsked, q);
  const prompt: Segment = { text: policyPrompt(q.question), policy: false };
  const docsOf = (query: string) => {
    const d = ws.docs.get(query);
    if (!d) throw new Error(`scriptedTrajectory: no search results cached for ${JSON.stringify(query)}`);
    return d;
  };
  // Another question of the same template: a same-type wrong answer, or a wrong-entity query.
  const sameTemplate = ws.questions.filter((o) => o.template === q.template && o.id !== q.id);
  const other = sameTemplate.length ? rng.choice(sameTemplate) : rng.choice(ws.questions);
  // Stops after the first hop and answers with that hop's answer.
  const shallow = () => [prompt, ...searchTurn(q.hops[0].query, docsOf(q.hops[0].query)), answerTurn(q.hops[0].answer, true)];
  if (style === 'direct') return [prompt, answerTurn(other.golden_answers[0], false)];
  if (style === 'shallow') return shallow();
  if (style === 'flawed') {
    if (q.hops.length > 1 && rng.next() < 0.5) return shallow();
    const wrong = other.hops[0];
    return [prompt, ...searchTurn(wrong.query, docsOf(wrong.query)), answerTurn(wrong.answer, true)];
  }
  return [prompt, ...q.hops.flatMap((h) => searchTurn(h.query, docsOf(h.query))), answerTurn(q.golden_answers[0], true)];
}

/** Token ids and loss mask of segments (each encoded on its own, as the rollout does). */
export function segmentsToExample(tokenizer: Tokenizer, segments: readonly Segment[], maxObsTokens = Infinity): LmExample {
  const ids: number[] = [];
  const lossMask: number[] = [];
  for (const s of segments) {
    const t = s.observation ? tokenizer.encode(s.text).slice(0, maxObsTokens) : tokenizer.encode(s.text);
    ids.push(...t);
    lossMask.push(...t.map(() => (s.policy ? 1 : 0)));
  }
  return { ids, lossMask };
}

/** Cache BM25 results for every hop query of every question of `world`. */
export async function worldScripts(world: World, topk: number): Promise<WorldScripts> {
  const engine = worldEngine(world);
  const queries = [...new Set(world.questions.flatMap((q) => q.hops.map((h) => h.query)))];
  const results = await engine.search(queries, { topk });
  return { world, questions: world.questions, docs: new Map(queries.map((q, i) => [q, results[i]])) };
}

/** Draw a style from `mix` (shares normalised). */
function drawStyle(mix: StyleShares, rng: Rng): ScriptStyle {
  const styles = Object.keys(mix) as ScriptStyle[];
  let u = rng.next() * styles.reduce((a, s) => a + (mix[s] ?? 0), 0);
  return styles.find((s) => (u -= mix[s] ?? 0) < 0) ?? styles[styles.length - 1];
}

/** Each template's habit style: a draw from `mix` seeded by (seed, template), the same in every world. */
export function templateHabit(template: string, mix: StyleShares, seed: number): ScriptStyle {
  return drawStyle(mix, new Rng(`${seed}:habit:${template}`));
}

/** The pretraining sampler: documents and scripted trajectories from the pretraining worlds, drawn per example. */
export function policyBaseSampler(
  tokenizer: Tokenizer,
  scripts: readonly WorldScripts[],
  cfg: Pick<PolicyBaseConfig, 'documentFraction' | 'mix'> & { habit?: number; habitMix?: StyleShares; habitSeed?: number; maxObsTokens?: number },
) {
  const total = (Object.keys(cfg.mix) as ScriptStyle[]).reduce((a, s) => a + (cfg.mix[s] ?? 0), 0);
  if (!(total > 0)) throw new Error('policy base mix: shares must sum to a positive number');
  const habit = cfg.habit ?? 0;
  if (!(habit >= 0 && habit <= 1)) throw new Error(`policy base habit: expected a probability in [0, 1], got ${habit}`);
  const habits = new Map<string, ScriptStyle>();
  const habitOf = (template: string) => {
    if (!habits.has(template)) habits.set(template, templateHabit(template, cfg.habitMix ?? cfg.mix, cfg.habitSeed ?? 0));
    return habits.get(template)!;
  };
  // Questions whose habit differs from the correct script.
  const habitual = new Map<WorldScripts, Question[]>();
  const habitualOf = (ws: WorldScripts) => {
    if (!habitual.has(ws))
      habitual.set(
        ws,
        ws.questions.filter((q) => effectiveStyle(habitOf(q.template), q) !== 'correct'),
      );
    return habitual.get(ws)!;
  };
  return (rng: Rng): LmExample => {
    const ws = rng.choice(scripts);
    if (rng.next() < cfg.documentFraction) {
      const ids = tokenizer.encode(rng.choice(ws.world.documents).text);
      return { ids, lossMask: ids.map(() => 1) };
    }
    // Pretraining (no habit) draws style, then question, in that order: the base is a lottery (POLICY_BASE_PRESETS),
    // and another draw order re-rolls it (EM 31.0 instead of 48.4 once).
    if (!(habit > 0 && rng.next() < habit && habitualOf(ws).length > 0)) {
      const style = drawStyle(cfg.mix, rng);
      return segmentsToExample(tokenizer, scriptedTrajectory(ws, rng.choice(ws.questions), style, rng), cfg.maxObsTokens);
    }
    const q = rng.choice(habitualOf(ws));
    return segmentsToExample(tokenizer, scriptedTrajectory(ws, q, habitOf(q.template), rng), cfg.maxObsTokens);
  };
}

export interface PolicyBase {
  model: Transformer;
  tokenizer: WordTokenizer;
  /** Seeds of the pretraining worlds (none equals the test world's). */
  pretrainSeeds: number[];
  dir?: string;
}

/**
 * Build (or load from `outDir` when it already holds a finished one) the policy base for `testWorld`.
 * Stage caching: `outDir/policy-base.json` is written last and names the config it was built with.
 */
export async function buildPolicyBase(
  testWorld: World,
  opts: { preset?: PresetName; config?: Partial<PolicyBaseConfig>; seed?: number; outDir?: string } = {},
): Promise<PolicyBase> {
  const cfg: PolicyBaseConfig = { ...POLICY_BASE_PRESETS[opts.preset ?? 'quick'], ...opts.config };
  const seed = opts.seed ?? 0;
  const key = JSON.stringify({ cfg, seed, world: testWorld.seed, config: testWorld.config });
  const marker = opts.outDir && path.join(opts.outDir, 'policy-base.json');
  if (marker && fs.existsSync(marker)) {
    const saved = readJson<{ key: string; pretrainSeeds: number[] }>(marker);
    if (saved.key === key) {
      return {
        model: loadCheckpoint(path.join(opts.outDir!, 'model')),
        tokenizer: loadWordTokenizer(opts.outDir!),
        pretrainSeeds: saved.pretrainSeeds,
        dir: opts.outDir,
      };
    }
    throw new Error(`${marker}: built with another config or world (the kit changed, or the run did); use another outDir or delete ${opts.outDir} to rebuild`);
  }
  const worlds = pretrainingWorlds(testWorld, cfg.pretrainWorlds, seed);
  const tokenizer = policyTokenizer([...worlds, testWorld]);
  const scripts = await Promise.all(worlds.map((w) => worldScripts(w, cfg.topk)));
  const model = createModel({ ...cfg.model, vocabSize: tokenizer.vocabSize }, new Rng(seed).fork('policy base init').int(1_000_000_000));
  const files = (name: string) =>
    opts.outDir && { checkpointDir: path.join(opts.outDir, `${name}train`), lossLog: path.join(opts.outDir, `${name}loss.jsonl`), checkpointEvery: 100 };
  await trainLm(model, policyBaseSampler(tokenizer, scripts, cfg), {
    steps: cfg.steps,
    batchSize: cfg.batchSize,
    lr: cfg.lr,
    warmup: cfg.warmup,
    seed,
    label: 'policy base',
    ...files(''),
  });
  if (cfg.habits) {
    const h = cfg.habits;
    await trainLm(model, policyBaseSampler(tokenizer, scripts, { ...cfg, habit: h.share, habitMix: h.mix, habitSeed: seed }), {
      steps: h.steps,
      batchSize: cfg.batchSize,
      lr: h.lr,
      warmup: Math.min(10, h.steps),
      seed: new Rng(seed).fork('habit phase').int(1_000_000_000),
      label: 'policy base habits',
      ...files('habits-'),
    });
  }
  const pretrainSeeds = worlds.map((w) => w.seed);
  if (opts.outDir) {
    saveCheckpoint(model, path.join(opts.outDir, 'model'));
    saveWordTokenizer(tokenizer, opts.outDir);
    writeJsonAtomic(marker!, { key, pretrainSeeds, config: cfg, seed, testWorldSeed: testWorld.seed });
  }
  return { model, tokenizer, pretrainSeeds, dir: opts.outDir };
}
