/**
 * SFT data collection (spec §4.4): a scripted agent answers training questions with the *real* engine
 * (BM25 in the micro world) over several turns, and every (sub-query, returned document) pair is kept
 * with the question, its gold answer and whether the trajectory ended correct.
 *
 * The agent issues each hop's canonical query, but with probability `imperfectRate` first an imperfect
 * one — another entity's name (it misread the question), the bare entity name, or the whole question —
 * and then retries properly with probability `retryRate`; a hop whose results do not contain its answer
 * ends the trajectory with a wrong answer. So the pairs hold useful and noisy documents, and trajectories
 * end both ways, as with the paper's Qwen-7B agent.
 */
import type { Doc, SearchEngine } from '../search';
import { Rng, progress } from '../util';
import { WORK_KINDS, hopQuery, indexWorld, textContainsAnswer } from '../world';
import type { Hop, World, WorldQuestion } from '../world';

export type QueryKind = 'hop' | 'wrong-entity' | 'entity-only' | 'question';

export interface CollectedPair {
  questionId: string;
  question: string;
  /** golden_answers[0]: what the §4.2 prompt names as the answer. */
  answer: string;
  /** Position of the search call in the trajectory (0-based); pairs of one call share it. */
  turn: number;
  query: string;
  queryKind: QueryKind;
  /** The fact the query asks about (for a wrong-entity query, the other entity's fact) and its accepted answers. */
  intentFactId: string;
  intentEntityId: string;
  intentAnswers: string[];
  rank: number;
  doc: Doc;
  trajectoryCorrect: boolean;
}

export interface CollectOptions {
  /** Training questions to run (a seeded subset). Default all. */
  maxQuestions?: number;
  topk?: number;
  imperfectRate?: number;
  retryRate?: number;
  seed?: number;
}

interface Intent {
  query: string;
  kind: QueryKind;
  factId: string;
  entityId: string;
  answers: string[];
}

function imperfectQuery(world: World, hop: Hop, question: WorldQuestion, rng: Rng): Intent {
  const index = indexWorld(world);
  const hopIntent = { factId: hop.factId, entityId: hop.entityId, answers: hop.answers };
  const kind = rng.choice(['wrong-entity', 'entity-only', 'question'] as const);
  if (kind === 'wrong-entity') {
    const entity = index.entity(hop.entityId);
    const others = world.entities.filter((e) => e.kind === entity.kind && e.id !== entity.id && index.factOf(e.id, hop.relation));
    if (others.length) {
      const other = rng.choice(others);
      const fact = index.factOf(other.id, hop.relation)!;
      const object = fact.object === undefined ? [fact.value!] : [index.entity(fact.object).name, ...index.entity(fact.object).aliases];
      const work = other.workKind ? WORK_KINDS[other.workKind] : undefined;
      return { query: hopQuery(other.name, hop.relation, work), kind, factId: fact.id, entityId: other.id, answers: object };
    }
  }
  if (kind === 'question') return { query: question.question, kind, ...hopIntent };
  return { query: hop.entity, kind: 'entity-only', ...hopIntent };
}

/** Run the scripted agent over a seeded subset of the world's training questions. */
export async function collectSftPairs(world: World, engine: SearchEngine, opts: CollectOptions = {}): Promise<CollectedPair[]> {
  const topk = opts.topk ?? 5;
  const rng = new Rng(`${opts.seed ?? 0}:collect`);
  const train = world.questions.filter((q) => q.split === 'train');
  if (train.length === 0) throw new Error('collectSftPairs: the world has no training questions');
  const chosen = rng.shuffle(train).slice(0, opts.maxQuestions ?? train.length);
  const pairs: CollectedPair[] = [];
  const bar = progress('collect', chosen.length);
  for (const question of chosen) {
    const calls: Array<{ intent: Intent; docs: Doc[] }> = [];
    let correct = true;
    for (const hop of question.hops) {
      const canonical: Intent = { query: hop.query, kind: 'hop', factId: hop.factId, entityId: hop.entityId, answers: hop.answers };
      const attempts = rng.next() < (opts.imperfectRate ?? 0.3) ? [imperfectQuery(world, hop, question, rng)] : [canonical];
      let solved = false;
      for (let a = 0; a < attempts.length && !solved; a++) {
        const [docs] = await engine.search([attempts[a].query], { topk });
        calls.push({ intent: attempts[a], docs });
        // The agent reads the results: the hop is solved when they contain its answer.
        solved = textContainsAnswer(docs.map((d) => `${d.title ?? ''} ${d.text}`).join(' \n '), hop.answers);
        if (!solved && attempts[a].kind !== 'hop' && rng.next() < (opts.retryRate ?? 0.6)) attempts.push(canonical);
      }
      if (!solved) {
        correct = false;
        break;
      }
    }
    calls.forEach(({ intent, docs }, turn) => {
      docs.forEach((doc, rank) => {
        pairs.push({
          questionId: question.id,
          question: question.question,
          answer: question.golden_answers[0],
          turn,
          query: intent.query,
          queryKind: intent.kind,
          intentFactId: intent.factId,
          intentEntityId: intent.entityId,
          intentAnswers: intent.answers,
          rank,
          doc: { id: doc.id, title: doc.title, text: doc.text },
          trajectoryCorrect: correct,
        });
      });
    });
    bar.tick();
  }
  bar.done();
  return pairs;
}
