// The knowledge entry format: one Markdown file per entry with YAML front matter, validated here.
// knowledge/README.md documents every field for maintainers; keep the two in step.
import { z } from 'zod';

export const ENTRY_TYPES = [
  'challenge',
  'solution',
  'guideline',
  'property',
  'infrastructure',
  'dataset',
  'glossary',
  'study',
] as const;
export type EntryType = (typeof ENTRY_TYPES)[number];

export const SUMMARY_MAX = 320;

const kebab = z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be kebab-case (a-z, 0-9, single dashes)');
const text = z.string().trim().min(1, 'must not be empty');

export const sourceSchema = z
  .object({
    /** Human-readable citation: authors, year, title, venue — or an internal document name. */
    citation: text,
    url: z.url().optional(),
    /** Where the study applies: the key insight (or finding) this entry rests on, quoted from the slides. */
    insight: text.optional(),
  })
  .strict();
export type Source = z.infer<typeof sourceSchema>;

const common = {
  id: kebab,
  title: text,
  summary: text.max(SUMMARY_MAX, `must be at most ${SUMMARY_MAX} characters (the short answer)`),
  tags: z.array(kebab).default([]),
  related: z.array(kebab).default([]),
  questions: z
    .array(text)
    .min(3, 'needs 3 to 8 ways a user might ask for this entry')
    .max(8, 'needs 3 to 8 ways a user might ask for this entry'),
  sources: z.array(sourceSchema).min(1, 'needs at least one source'),
};

export const challengeSchema = z
  .object({
    ...common,
    type: z.literal('challenge'),
    /** Ids of solution entries that address this challenge (at least one). */
    solutions: z.array(kebab).min(1, 'a challenge needs at least one solution id'),
    /** True when the challenge was found in the Zeiss SMT study (vs. added from the literature). */
    fromStudy: z.boolean().default(false),
  })
  .strict();

export const solutionSchema = z
  .object({
    ...common,
    type: z.literal('solution'),
    /** Ids of challenge entries this solution addresses. */
    addresses: z.array(kebab).min(1, 'a solution must address at least one challenge id'),
    /** Practice seen in the study vs. recommended by the literature. */
    origin: z.enum(['practitioners', 'literature', 'both']),
  })
  .strict();

export const guidelineSchema = z
  .object({
    ...common,
    type: z.literal('guideline'),
    /** Topic for `guidelines <topic>`, e.g. architecture, versioning, ci-cd, monitoring, security, hardware. */
    topic: kebab,
  })
  .strict();

export const propertySchema = z
  .object({
    ...common,
    type: z.literal('property'),
    /** Short name used by `property <name>`, e.g. `drift`. */
    name: kebab,
    aliases: z.array(text).default([]),
    /** What it is, in plain language for a stakeholder with no ML background. */
    explanation: text,
    /** What this means for your plans: budget, schedule, staffing, expectations. */
    implications: text,
  })
  .strict();

export const infrastructureSchema = z
  .object({
    ...common,
    type: z.literal('infrastructure'),
    /** Stable key the infrastructure walkthrough recommends, e.g. `cloud`, `central-on-prem`, `sidecar`. */
    option: kebab,
    /** The study's order of preference (1 = most preferred). */
    preferenceRank: z.number().int().min(1),
    whenToUse: z.array(text).min(1),
    whenToAvoid: z.array(text).min(1),
    security: text,
    gpu: text,
    operationsEffort: z.enum(['low', 'medium', 'high']),
    operations: text,
    usability: text,
  })
  .strict();

export const OWNER_ROLES = ['business-owner', 'technical-owner', 'data-steward'] as const;
export const CLASSIFICATIONS = ['public', 'internal', 'confidential', 'strictly-confidential'] as const;
export type Classification = (typeof CLASSIFICATIONS)[number];

export const ownerSchema = z
  .object({
    role: z.enum(OWNER_ROLES),
    name: text,
    contact: text,
  })
  .strict();

export const datasetSchema = z
  .object({
    ...common,
    type: z.literal('dataset'),
    owners: z
      .array(ownerSchema)
      .min(3)
      .refine(
        (owners) => OWNER_ROLES.every((role) => owners.some((o) => o.role === role)),
        'needs a business-owner, a technical-owner and a data-steward',
      ),
    classification: z.enum(CLASSIFICATIONS),
    /** System of record. */
    system: text,
    domain: text,
    /** Other names people use for it: system nicknames, abbreviations, measurement names. */
    aliases: z.array(text).default([]),
    accessProcedure: text,
    /** Sample data shipped with the bot; a deployment replaces the catalog with its own. */
    sample: z.boolean().default(false),
  })
  .strict();

export const glossarySchema = z
  .object({
    ...common,
    type: z.literal('glossary'),
    term: text,
    aliases: z.array(text).default([]),
  })
  .strict();

export const STUDY_SECTIONS = [
  'overview',
  'motivation',
  'research-questions',
  'approach',
  'participants',
  'key-insight',
  'architecture',
  'conclusion',
  'threats-to-validity',
  'future-work',
] as const;

export const participantSchema = z
  .object({
    id: z.string().regex(/^P\d{2}$/),
    role: text,
    /** Years of experience in the current role and in each field. */
    experience: z
      .object({
        role: z.number().min(0),
        se: z.number().min(0),
        ops: z.number().min(0),
        devops: z.number().min(0),
        ml: z.number().min(0),
        mlops: z.number().min(0),
      })
      .strict(),
  })
  .strict();

export const studySchema = z
  .object({
    ...common,
    type: z.literal('study'),
    section: z.enum(STUDY_SECTIONS),
    /** The key insight as the study states it (section `key-insight`). */
    insight: text.optional(),
    subAspects: z.array(z.object({ name: text, description: text }).strict()).optional(),
    participants: z.array(participantSchema).optional(),
  })
  .strict();

export const entryFrontMatterSchema = z.discriminatedUnion('type', [
  challengeSchema,
  solutionSchema,
  guidelineSchema,
  propertySchema,
  infrastructureSchema,
  datasetSchema,
  glossarySchema,
  studySchema,
]);

export type EntryFrontMatter = z.infer<typeof entryFrontMatterSchema>;

/** A loaded entry: its front matter, its Markdown body, and where it came from. */
export type Entry = EntryFrontMatter & {
  body: string;
  /** Path relative to the knowledge directory. */
  file: string;
};

export type EntryOf<T extends EntryType> = Extract<Entry, { type: T }>;
export type ChallengeEntry = EntryOf<'challenge'>;
export type SolutionEntry = EntryOf<'solution'>;
export type GuidelineEntry = EntryOf<'guideline'>;
export type PropertyEntry = EntryOf<'property'>;
export type InfrastructureEntry = EntryOf<'infrastructure'>;
export type DatasetEntry = EntryOf<'dataset'>;
export type GlossaryEntry = EntryOf<'glossary'>;
export type StudyEntry = EntryOf<'study'>;
