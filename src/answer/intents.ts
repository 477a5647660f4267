// Which walkthrough or command to suggest beside an answer. Word stems are data (Porter stems, after synonym
// folding: "hosting", "serve", "on-premise" all arrive here as the stems below).

/** Where/how to deploy, host, run or serve a model; which platform or infrastructure. → `infra` walkthrough. */
export const INFRA_STEMS: ReadonlySet<string> = new Set([
  'deploi',
  'deploy',
  'host',
  'serv',
  'run',
  'infrastructur',
  'platform',
  'cloud',
  'onprem',
  'sidecar',
  'edg',
  'inferenc',
  'product',
  'kubernet',
  'cluster',
  'server',
]);

/** Finding data, data sets, their owners or access. → `data-owner` walkthrough. */
export const DATA_STEMS: ReadonlySet<string> = new Set([
  'dataset',
  'owner',
  'own',
  'ownership',
  'steward',
  'custodian',
  'access',
  'catalog',
  'catalogu',
  'discoveri',
]);

/** Only together with the word "data": "find data", "where is the data". */
export const DATA_WITH_DATA_STEMS: ReadonlySet<string> = new Set([
  'find',
  'locat',
  'get',
  'request',
  'need',
  'sourc',
  // "who approves the data", "wer ist für die Daten zuständig", "Ansprechpartner für die Daten"
  'approv',
  'respons',
  'contact',
  'obtain',
]);
