/** The micro world: a seeded fictional knowledge world (entities, facts, documents, question sets, splits). */
export { generateWorld, generateSecondWorld, checkWorld, heldOutQuestions } from './generate';
export type { GenerateOptions as WorldGenerateOptions } from './generate';
export { WORLD_PRESETS, resolveWorldConfig } from './config';
export type { WorldConfig, WorldConfigInput, PresetName, SplitSizes } from './config';
export { nameInventory } from './names';
export type { NameClass } from './names';
export { indexWorld, surfaceForms, factAnswer, docAnswersHop, documentSupports, supportingDocuments, textContainsAnswer } from './lookup';
export type { WorldIndex } from './lookup';
export { SET_SPECS, questionSplit } from './questions';
export { RELATIONS as WORLD_RELATIONS, WORK_KINDS, FACT_SENTENCES, QUESTION_PHRASINGS, hopQuery } from './templates';
export { describeWorld, worldStats, formatWorldStats, worldTexts, worldVocabulary } from './stats';
export type { WorldStats, RecallStats, SearchFn } from './stats';
export { exportWorld, loadWorld, questionFile } from './io';
export { QUESTION_SETS, SPLITS as WORLD_SPLITS } from './types';
// Prefixed where a short name (Entity, Question, Split, ...) could clash with other folders' exports.
export type {
  Entity as WorldEntity,
  EntityKind,
  Fact as WorldFact,
  Hop,
  Question as WorldQuestion,
  QuestionKind,
  QuestionSet,
  Relation as WorldRelation,
  Split as WorldSplit,
  WorkKind,
  World,
  WorldDocument,
} from './types';
