// Domain synonyms, as data. Each group lists words and phrases people use for one idea; the first entry names
// the group. Multi-word and hyphenated forms are folded into one token when text is analysed (documents and
// questions alike), single words expand a question to the other words of their group (at a lower weight).
// Measured on the eval set: see bench/answers.ts (`--no-synonyms`) and the retrieval report.

export const SYNONYM_GROUPS: readonly (readonly string[])[] = [
  ['on-prem', 'on-premise', 'on-premises', 'on prem', 'on premise', 'on premises', 'on site', 'on-site', 'onsite', 'in-house', 'self-hosted', 'own data center', 'own data centre', 'local data center'],
  ['gpu', 'gpus', 'accelerator', 'accelerators', 'graphics card', 'graphics cards', 'cuda'],
  ['drift', 'decay', 'degradation', 'degrade', 'degrades', 'staleness', 'stale model'],
  ['owner', 'owners', 'steward', 'stewards', 'custodian', 'data owner'],
  ['deploy', 'deployment', 'serve', 'serving', 'host', 'hosting', 'rollout', 'productionize', 'productionise', 'go live', 'go-live'],
  ['dataset', 'datasets', 'data set', 'data sets', 'data source', 'data sources'],
  ['ml', 'machine learning', 'machine-learning'],
  ['ai', 'artificial intelligence'],
  ['cloud', 'public cloud', 'managed service', 'managed services', 'hyperscaler'],
  ['monitor', 'monitoring', 'observability'],
  ['reproducibility', 'reproducible', 'reproduce', 'replicate', 'repeatable'],
  ['stakeholder', 'stakeholders', 'sponsor', 'sponsors', 'management', 'manager', 'managers', 'decision maker', 'decision makers'],
  ['guideline', 'guidelines', 'best practice', 'best practices', 'guidance', 'recommendation'],
  ['tool', 'tools', 'tooling', 'toolchain', 'tool sprawl'],
  ['sensitive', 'confidential', 'secret', 'classified'],
  ['access', 'permission', 'permissions', 'authorization', 'authorisation'],
  ['find', 'discover', 'discovery', 'locate', 'search'],
  ['retrain', 'retraining', 'continuous training'],
  ['uncertain', 'uncertainty', 'unpredictable', 'unpredictability'],
  ['edge', 'shop floor', 'shop-floor', 'production line', 'machine-side'],
];
