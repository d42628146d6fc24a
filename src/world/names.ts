/**
 * The name inventory: invented, syllable-built names that no pretrained model knows.
 *
 * One inventory is shared by every world. It does not depend on the world's seed: each name class
 * is a fixed, endless sequence, and a world of a given size takes the first n names of each class.
 * So two worlds of the same size use exactly the same names (and vocabulary); only the seed decides
 * which name goes with which facts. That is what lets a policy pretrained on one world read another.
 *
 * Each class ends its names with its own suffixes, and a candidate is kept only if it ends with a
 * suffix of its own class and of no other class, so names of different classes can never coincide.
 */
import { Rng } from '../util';

export type NameClass = 'first' | 'last' | 'city' | 'country' | 'company' | 'work';

const ONSETS = ['b', 'd', 'f', 'g', 'h', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'z', 'th', 'dr', 'kr', 'st', 'br'];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'a', 'e', 'o', 'ae'];
const CODAS = ['', '', '', 'n', 'r', 'l', 's', 'm'];

const SUFFIXES: Record<NameClass, readonly string[]> = {
  first: ['ra', 'ven', 'lo', 'ric', 'sel', 'tan', 'mir', 'dis'],
  last: ['vik', 'kin', 'hart', 'lund', 'ov', 'well', 'ney', 'ro'],
  city: ['mar', 'dun', 'holm', 'gard', 'by', 'ton', 'vale', 'stead'],
  country: ['ria', 'land', 'stan', 'esh', 'ithe'],
  company: ['tex', 'ix', 'dyne', 'tron', 'quist'],
  work: ['ith', 'ael', 'orne', 'yss', 'oth'],
};

/** Syllables before the suffix; first names stay short so full person names read naturally. */
const ROOT_SYLLABLES: Record<NameClass, [number, number]> = {
  first: [1, 1],
  last: [1, 2],
  city: [1, 2],
  country: [1, 2],
  company: [1, 2],
  work: [1, 2],
};

/** Three vowels or four consonants in a row read badly ("Saeskriaia"); such candidates are skipped. */
const HARD_TO_READ = /[aeiou]{3}|[^aeiou]{4}/;
const ALL_SUFFIXES = Object.entries(SUFFIXES).flatMap(([cls, list]) => list.map((s) => ({ cls, s })));
const cache = new Map<NameClass, string[]>();

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function candidate(rng: Rng, cls: NameClass): string {
  const [lo, hi] = ROOT_SYLLABLES[cls];
  const n = lo + rng.int(hi - lo + 1);
  let root = '';
  for (let i = 0; i < n; i++) {
    root += rng.choice(ONSETS) + rng.choice(VOWELS) + (i === n - 1 ? '' : rng.choice(CODAS));
  }
  return root + rng.choice(SUFFIXES[cls]);
}

function endsOnlyWithOwnSuffix(word: string, cls: NameClass): boolean {
  return ALL_SUFFIXES.every(({ cls: c, s }) => c === cls || !word.endsWith(s));
}

/**
 * The first `count` names of a class (capitalised, distinct). Prefix-stable: a larger count extends
 * the list without changing its beginning.
 */
export function nameInventory(cls: NameClass, count: number): string[] {
  const cached = cache.get(cls);
  if (cached && cached.length >= count) return cached.slice(0, count);
  // Regenerate from the start so the sequence never depends on earlier calls' counts.
  const rng = new Rng(`zerosearch-name-inventory/${cls}`);
  const seen = new Set<string>();
  const out: string[] = [];
  let attempts = 0;
  while (out.length < count) {
    if (++attempts > 200 * count + 1000) throw new Error(`nameInventory: cannot make ${count} distinct ${cls} names`);
    const word = candidate(rng, cls);
    if (word.length < 4 || word.length > 10 || HARD_TO_READ.test(word) || seen.has(word) || !endsOnlyWithOwnSuffix(word, cls)) continue;
    seen.add(word);
    out.push(capitalise(word));
  }
  cache.set(cls, out);
  return out.slice();
}

/** Sizes of the first-name and surname pools for `people` people: about √(2·people) each, so names repeat across people but full names are unique. */
export function personNamePools(people: number): { first: number; last: number } {
  const n = Math.ceil(Math.sqrt(2 * people));
  return { first: n, last: n + 1 };
}
