/** The micro world: a seeded fictional knowledge world (entities, facts, documents, question sets, splits). */
export { generateWorld, generateSecondWorld, checkWorld } from './generate';
export type { GenerateOptions } from './generate';
export { WORLD_PRESETS, resolveWorldConfig } from './config';
export type { WorldConfig, WorldConfigInput, PresetName, SplitSizes } from './config';
export { nameInventory } from './names';
export type { NameClass } from './names';
export { indexWorld, surfaceForms, factAnswer, docAnswersHop, documentSupports, supportingDocuments, textContainsAnswer } from './lookup';
export type { WorldIndex } from './lookup';
export { SET_SPECS, questionSplit } from './questions';
export { RELATIONS, WORK_KINDS, FACT_SENTENCES, QUESTION_PHRASINGS, hopQuery } from './templates';
export { describeWorld, worldStats, formatWorldStats, worldTexts, worldVocabulary } from './stats';
export type { WorldStats, RecallStats, SearchFn } from './stats';
export { exportWorld, loadWorld, questionFile } from './io';
export { QUESTION_SETS, SPLITS } from './types';
export type { Entity, EntityKind, Fact, Hop, Question, QuestionKind, QuestionSet, Relation, Split, WorkKind, World, WorldDocument } from './types';
