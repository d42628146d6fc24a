/**
 * Entities and facts. Names come from the shared inventory (names.ts); the seed decides who is born
 * where, who works for whom, and so on. Cities and companies get Zipf-like popularity, so some are
 * answers to many questions and mentioned by many documents, and others rarely.
 *
 * `avoid` makes a second world disagree with a first one: given a subject's name and a relation, it
 * returns the object's name in the other world, and this world never picks that same object. A policy
 * pretrained on the second world therefore cannot know any fact of the first from memory.
 */
import { Rng } from '../util';
import { nameInventory, personNamePools } from './names';
import type { WorldConfig } from './config';
import type { Entity, EntityKind, Fact, Relation, WorkKind } from './types';

export type AvoidFn = (subjectName: string, relation: Relation) => string | undefined;

const COMPANY_WORDS = ['Motors', 'Foods', 'Press', 'Works', 'Labs', 'Group', 'Systems', 'Textiles'];
const COUNTRY_FORMS = ['Republic of', 'Kingdom of'];
const WORK_KIND_LIST: WorkKind[] = ['novel', 'film', 'album', 'play'];

export interface EntitiesAndFacts {
  entities: Entity[];
  facts: Fact[];
}

export function buildEntitiesAndFacts(config: WorldConfig, rng: Rng, avoid: AvoidFn = () => undefined): EntitiesAndFacts {
  const entities: Entity[] = [];
  const facts: Fact[] = [];
  const make = (kind: EntityKind, index: number, name: string, aliases: string[], popular: boolean): Entity => {
    const e: Entity = { id: `${kind}-${index}`, kind, name, aliases, popular, mentions: 0 };
    entities.push(e);
    return e;
  };
  const addFact = (subject: Entity, relation: Relation, object: Entity | string) => {
    const fact: Fact = { id: `${subject.id}/${relation}`, subject: subject.id, relation };
    if (typeof object === 'string') fact.value = object;
    else fact.object = object.id;
    facts.push(fact);
  };
  /** Draw until the pick differs from the other world's object for this subject and relation. */
  const pick = <T>(subject: Entity, relation: Relation, draw: () => T, nameOf: (t: T) => string): T => {
    const forbidden = avoid(subject.name, relation);
    for (let i = 0; i < 100; i++) {
      const t = draw();
      if (nameOf(t) !== forbidden) return t;
    }
    throw new Error(`world: cannot avoid ${subject.name} ${relation} = ${forbidden}; the world is too small for a second world`);
  };
  const entityName = (e: Entity) => e.name;
  const yearName = (y: string) => y;

  const countries = rng
    .fork('countries')
    .shuffle(nameInventory('country', config.countries))
    .map((name, i) => make('country', i, name, [`${rng.choice(COUNTRY_FORMS)} ${name}`], true));

  // Cities: every country gets at least two (one is its capital); the rest go anywhere.
  const cityRng = rng.fork('cities');
  const cities = cityRng.shuffle(nameInventory('city', config.cities)).map((name, i) => make('city', i, name, [], true));
  const cityCountry = cities.map((_, i) => (i < 2 * countries.length ? countries[i % countries.length] : cityRng.choice(countries)));
  repairAvoiding(cityCountry, (i) => avoid(cities[i].name, 'located_in'), cityRng);
  cities.forEach((c, i) => addFact(c, 'located_in', cityCountry[i]));
  for (const country of countries) {
    const own = cities.filter((_, i) => cityCountry[i] === country);
    addFact(
      country,
      'capital',
      pick(country, 'capital', () => cityRng.choice(own), entityName),
    );
  }

  const companyRng = rng.fork('companies');
  const companies = companyRng
    .shuffle(nameInventory('company', config.companies))
    .map((stem, i) => make('company', i, `${stem} ${companyRng.choice(COMPANY_WORDS)}`, [stem], true));
  const drawCity = zipf(companyRng, cities);
  for (const company of companies) addFact(company, 'headquarters', pick(company, 'headquarters', drawCity, entityName));

  // People: distinct (first, last) pairs from small pools; the surname is the alias.
  const peopleRng = rng.fork('people');
  const pools = personNamePools(config.people);
  const firsts = nameInventory('first', pools.first);
  const lasts = nameInventory('last', pools.last);
  const pairs = peopleRng.shuffle(firsts.flatMap((f) => lasts.map((l) => [f, l] as const))).slice(0, config.people);
  const nPopular = Math.round(config.people * config.popularFraction);
  const people = pairs.map(([f, l], i) => make('person', i, `${f} ${l}`, [l], i < nPopular));
  const popular = people.filter((p) => p.popular);
  const birthYear = new Map<Entity, number>();
  const [fromYear, toYear] = config.birthYears;
  const drawBirthCity = zipf(peopleRng, cities);
  const drawEmployer = zipf(peopleRng, companies);
  for (const p of people) {
    addFact(p, 'born_in', pick(p, 'born_in', drawBirthCity, entityName));
    const year = pick(p, 'year_of_birth', () => String(fromYear + peopleRng.int(toYear - fromYear + 1)), yearName);
    birthYear.set(p, Number(year));
    addFact(p, 'year_of_birth', year);
    addFact(p, 'works_for', pick(p, 'works_for', drawEmployer, entityName));
  }

  // Founders and creators are popular people, so long-tail people appear in one document only.
  const founders = peopleRng.shuffle(popular);
  companies.forEach((company, i) => {
    let preferred: Entity | undefined = founders[i]; // distinct founders while they last
    const founder = pick(
      company,
      'founded_by',
      () => {
        const f = preferred ?? peopleRng.choice(popular);
        preferred = undefined;
        return f;
      },
      entityName,
    );
    addFact(company, 'founded_by', founder);
    const founded = pick(company, 'founded_year', () => String(birthYear.get(founder)! + 20 + peopleRng.int(30)), yearName);
    addFact(company, 'founded_year', founded);
  });

  const workRng = rng.fork('works');
  const workNames = workRng.shuffle(nameInventory('work', config.works));
  const nPopularWorks = Math.round(config.works * config.popularFraction);
  workNames.forEach((name, i) => {
    const work = make('work', i, name, [], i < nPopularWorks);
    work.workKind = workRng.choice(WORK_KIND_LIST);
    const creator = pick(work, 'created_by', () => workRng.choice(popular), entityName);
    addFact(work, 'created_by', creator);
    addFact(
      work,
      'release_year',
      pick(work, 'release_year', () => String(birthYear.get(creator)! + 20 + workRng.int(40)), yearName),
    );
  });
  return { entities, facts };
}

/** A sampler favouring some items (weight 1/(rank+1)^0.8 over a seeded order), so popularity varies. */
function zipf<T>(rng: Rng, items: readonly T[]): () => T {
  const order = rng.shuffle(items);
  const cumulative: number[] = [];
  let total = 0;
  for (let i = 0; i < order.length; i++) cumulative.push((total += 1 / Math.pow(i + 1, 0.8)));
  return () => {
    const r = rng.next() * total;
    let lo = 0;
    while (cumulative[lo] <= r) lo++;
    return order[lo];
  };
}

/** Swap assignments until no item holds the value named `forbidden(i)` (keeps how often each value is used). */
function repairAvoiding(values: Entity[], forbidden: (i: number) => string | undefined, rng: Rng): void {
  for (let round = 0; round < 100; round++) {
    const bad = values.map((_, i) => i).filter((i) => values[i].name === forbidden(i));
    if (bad.length === 0) return;
    for (const i of bad) {
      const j = rng.int(values.length);
      if (values[j].name !== forbidden(i) && values[i].name !== forbidden(j)) [values[i], values[j]] = [values[j], values[i]];
    }
  }
  throw new Error('world: cannot assign cities to countries that differ from the other world');
}
