/**
 * The `--engine` flag of `eval`, `train` and `simulator collect`, one grammar for all:
 *   none | bm25 (with --corpus) | bm25:<corpus jsonl> | retriever:<url> | serpapi
 *   | simulated:<checkpoint dir> (in-process) | simulated:<http(s) url> (OpenAI-compatible server: sglang, vLLM, serve-simulator)
 * HTTP engines and BM25 may record/replay through --cache. Keys come from the environment
 * (SERPAPI_API_KEY, ZS_RETRIEVER_API_KEY, ZS_SIMULATOR_API_KEY), never from flags that shells log.
 */
import { loadPolicy } from '../eval/load';
import { openSearchEngine } from '../search/open';
import { LocalGenerator, RemoteGenerator, SimulatedSearchEngine, TextGenerator } from '../simulator/engine';
import type { SearchEngine } from '../search/types';
import type { RetryOptions } from '../search/http';

export const ENGINE_SPECS = 'none | bm25:<corpus> | retriever:<url> | serpapi | simulated:<checkpoint dir> | simulated:<http url>';

export interface EngineFlags {
  engine: string;
  /** Corpus for a bare `bm25`. */
  corpus?: string;
  cache?: string;
  /** Simulated engines: prompt style, noise probability outside a curriculum, seed, documents and token budget per query. */
  simulatorStyle?: 'sft' | 'prompt';
  noise?: number;
  seed?: number;
  topk?: number;
  maxTokens?: number;
  temperature?: number;
  /** In-process simulator: queries generated together. */
  batchSize?: number;
  /** HTTP engines (retriever, SerpAPI, a remote simulator): per-attempt timeout and retries. */
  retry?: RetryOptions;
}

function simulatorGenerator(target: string, batchSize: number, retry: RetryOptions = {}): TextGenerator {
  if (/^https?:\/\//.test(target)) return new RemoteGenerator({ ...retry, baseUrl: target, apiKey: process.env.ZS_SIMULATOR_API_KEY });
  const sim = loadPolicy(target, undefined, `--engine simulated:${target}`);
  return new LocalGenerator(sim.model, sim.tokenizer, { batchSize });
}

/** The engine a spec names, or null for `none`; a bad spec is an error listing the accepted forms. */
export function openEngineFlag(o: EngineFlags): SearchEngine | null {
  const spec = o.engine;
  if (spec === 'none') return null;
  if (spec === 'bm25' || spec.startsWith('bm25:')) {
    const corpus = spec === 'bm25' ? o.corpus : spec.slice('bm25:'.length);
    if (!corpus) throw new Error('--engine bm25 needs --corpus <jsonl> (or write bm25:<corpus jsonl>)');
    return openSearchEngine({ corpus, cacheFile: o.cache });
  }
  if (spec.startsWith('retriever:')) {
    return openSearchEngine({
      retrieverUrl: spec.slice('retriever:'.length),
      retrieverApiKey: process.env.ZS_RETRIEVER_API_KEY,
      cacheFile: o.cache,
      retry: o.retry,
    });
  }
  if (spec === 'serpapi') return openSearchEngine({ serpapi: true, cacheFile: o.cache, retry: o.retry });
  if (spec.startsWith('simulated:')) {
    return new SimulatedSearchEngine({
      generator: simulatorGenerator(spec.slice('simulated:'.length), o.batchSize ?? 32, o.retry),
      promptStyle: o.simulatorStyle ?? 'sft',
      noiseProbability: o.noise ?? 0,
      seed: o.seed ?? 0,
      maxTokens: o.maxTokens ?? 50 * (o.topk ?? 5),
      temperature: o.temperature,
    });
  }
  throw new Error(`--engine ${spec}: expected ${ENGINE_SPECS}`);
}

/** Whether the spec names a simulator (whose noise the curriculum drives). */
export const isSimulatedSpec = (spec: string) => spec.startsWith('simulated:');
