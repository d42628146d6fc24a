/**
 * World size and question-set presets. `tiny` is for tests (builds in well under a second), `quick`
 * matches the prototype that showed the method learnable on 2 cores, `paper` is the full micro
 * reproduction. Every field can be overridden: `generateWorld({preset: 'quick', people: 200}, seed)`.
 */
import type { QuestionSet, Split } from './types';

export type SplitSizes = Partial<Record<Split, number>>;

export interface WorldConfig {
  people: number;
  cities: number;
  countries: number;
  companies: number;
  works: number;
  /** Share of people and works that are popular: 2–3 documents each and mentioned by other documents. */
  popularFraction: number;
  /** Birth years are drawn from [from, to]; founding and release years follow a founder's or creator's birth. */
  birthYears: [number, number];
  /** Share of people, companies and works held out for dev and test questions (stratified by popularity). */
  heldOut: { dev: number; test: number };
  /** Questions per set and split (upper bounds: a small world may have fewer candidates). */
  questions: Record<QuestionSet, SplitSizes>;
}

export type PresetName = 'tiny' | 'quick';

/** Only nq and hotpotqa have train splits, as in the paper (train = NQ + HotpotQA). */
function questionSizes(train: number, dev: number, test: number, bamboogle: number): Record<QuestionSet, SplitSizes> {
  const evalOnly = { dev, test };
  return {
    'micro-nq': { train, dev, test },
    'micro-tqa': evalOnly,
    'micro-popqa': evalOnly,
    'micro-hotpotqa': { train, dev, test },
    'micro-2wiki': evalOnly,
    'micro-musique': evalOnly,
    'micro-bamboogle': { test: bamboogle },
  };
}

export const WORLD_PRESETS: Record<PresetName, WorldConfig> = {
  tiny: {
    people: 30,
    cities: 8,
    countries: 3,
    companies: 8,
    works: 10,
    popularFraction: 0.4,
    birthYears: [1920, 1969],
    heldOut: { dev: 0.15, test: 0.3 },
    questions: questionSizes(30, 6, 10, 6),
  },
  quick: {
    people: 150,
    cities: 40,
    countries: 10,
    companies: 40,
    works: 60,
    popularFraction: 0.4,
    birthYears: [1920, 1969],
    heldOut: { dev: 0.1, test: 0.25 },
    questions: questionSizes(250, 20, 80, 40),
  },
};

export type WorldConfigInput = PresetName | (Partial<WorldConfig> & { preset?: PresetName });

export function resolveWorldConfig(input: WorldConfigInput): WorldConfig {
  const overrides = typeof input === 'string' ? { preset: input } : input;
  const presetName = overrides.preset ?? 'quick';
  const preset = WORLD_PRESETS[presetName];
  if (!preset) {
    throw new Error(`world config: unknown preset ${JSON.stringify(presetName)} (expected one of ${Object.keys(WORLD_PRESETS).join(', ')})`);
  }
  const { preset: _unused, ...fields } = overrides;
  const config: WorldConfig = {
    ...preset,
    ...fields,
    heldOut: { ...preset.heldOut, ...fields.heldOut },
    questions: { ...preset.questions, ...fields.questions },
  };
  checkConfig(config);
  return config;
}

function checkConfig(c: WorldConfig): void {
  const need = (ok: boolean, field: string, expected: string) => {
    if (!ok) throw new Error(`world config: ${field} must be ${expected}`);
  };
  for (const f of ['people', 'cities', 'countries', 'companies', 'works'] as const) {
    need(Number.isInteger(c[f]) && c[f] > 0, f, `a positive integer (got ${JSON.stringify(c[f])})`);
  }
  need(c.countries >= 2, 'countries', 'at least 2 (comparison and second-world questions need a choice)');
  need(c.cities >= 2 * c.countries, 'cities', `at least 2 per country (got ${c.cities} for ${c.countries} countries)`);
  need(c.people >= 10, 'people', 'at least 10');
  need(c.popularFraction > 0 && c.popularFraction < 1, 'popularFraction', 'in (0, 1)');
  need(Math.round(c.people * c.popularFraction) >= 2, 'popularFraction', 'large enough for at least 2 popular people');
  const [from, to] = c.birthYears ?? [];
  need(Number.isInteger(from) && Number.isInteger(to) && to - from >= 10, 'birthYears', '[from, to] integers at least 10 years apart');
  const { dev, test } = c.heldOut;
  need(dev >= 0 && test > 0 && dev + test < 1, 'heldOut', '{dev >= 0, test > 0} with dev + test < 1');
  for (const [set, sizes] of Object.entries(c.questions)) {
    for (const [split, n] of Object.entries(sizes ?? {})) {
      need(Number.isInteger(n) && (n as number) >= 0, `questions.${set}.${split}`, 'a non-negative integer');
      if (split === 'train' && (n as number) > 0) {
        need(set === 'micro-nq' || set === 'micro-hotpotqa', `questions.${set}.train`, '0: only micro-nq and micro-hotpotqa have train questions');
      }
    }
  }
}
