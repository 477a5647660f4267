// The walkthrough definition format: knowledge/walkthroughs/*.yaml, validated here. Definitions are data
// (steps, options with synonyms, branching, texts, recommendation rules, templates); src/flows/engine.ts is the
// pure step function that walks them. knowledge/walkthroughs/README.md documents every field for maintainers.
import { z } from 'zod';
import { CLASSIFICATIONS, OWNER_ROLES } from '../knowledge/schema.ts';

const kebab = z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be kebab-case (a-z, 0-9, single dashes)');
const text = z.string().trim().min(1, 'must not be empty');

/** The pseudo step id that means "show the result". */
export const RESULT_STEP = 'result';

/** Every key (a step id, or a fact such as `classification`) must have one of the listed values. */
export const conditionSchema = z.record(z.string(), z.array(z.string()).min(1));
/** One condition, or a list of conditions of which any may hold. */
export const whenSchema = z.union([conditionSchema, z.array(conditionSchema).min(1)]);
export type Condition = z.infer<typeof conditionSchema>;
export type When = z.infer<typeof whenSchema>;

export const optionSchema = z
  .object({
    value: kebab,
    /** Button text (Slack cuts button labels at 75 characters). */
    label: text,
    /** Other ways people type this answer; matched forgivingly (word prefixes, small typos). */
    synonyms: z.array(text).default([]),
    /** Step to go to after this option (overrides the step's `next`). */
    next: kebab.optional(),
  })
  .strict();
export type WalkthroughOption = z.infer<typeof optionSchema>;

export const stepSchema = z
  .object({
    id: kebab,
    /**
     * choice: pick an option (buttons or typed); text: free text answer; catalog-search: free text searched in
     * the data catalog; catalog-pick: pick one of the catalog matches.
     */
    kind: z.enum(['choice', 'text', 'catalog-search', 'catalog-pick']).default('choice'),
    /** Short name for summaries and records, e.g. "Data classification". */
    title: text,
    /** The question (Markdown). */
    prompt: text,
    /** Extra guidance shown under the question (Markdown). */
    help: text.optional(),
    options: z.array(optionSchema).default([]),
    /** Choice steps: accept typed text that matches no option as the answer (e.g. a custom period). */
    allowText: z.boolean().default(false),
    /** Next step id, or `result`. Default: the following step in the list (or the result after the last). */
    next: kebab.optional(),
    /** Ask this step only when the condition holds on earlier answers; otherwise skip it. */
    when: whenSchema.optional(),
    /** Knowledge entry ids cited with the question. */
    sources: z.array(kebab).default([]),
    /** catalog-search: shown when nothing matches (Markdown). */
    noMatch: text.optional(),
    /** catalog-pick: how many matches to show. */
    limit: z.number().int().min(1).max(5).default(3),
  })
  .strict();
export type WalkthroughStep = z.infer<typeof stepSchema>;

const noteSchema = z
  .object({
    id: kebab,
    when: whenSchema.optional(),
    /** Notes for the recommended option only. */
    options: z.array(kebab).optional(),
    level: z.enum(['info', 'warning']).default('info'),
    /** Markdown; {{placeholders}} allowed. */
    text,
    /** A line added to the decision record's consequences. */
    consequence: text.optional(),
    sources: z.array(kebab).default([]),
    /** Offers to start another walkthrough (its id) with a button labelled `offerLabel`. */
    offer: kebab.optional(),
    offerLabel: text.optional(),
  })
  .strict();
export type WalkthroughNote = z.infer<typeof noteSchema>;

const infraOptionSchema = z
  .object({
    /** The infrastructure knowledge entry whose fields (whenToUse, security, gpu, …) are shown when present. */
    entry: kebab,
    title: text,
    /** Shown when the entry is not in the knowledge base. */
    summary: text,
    /** Whom to contact (Markdown). */
    contact: text,
    /** `guidelines <topic>` commands offered as next steps. */
    guidelines: z.array(kebab).default([]),
    consequences: z.array(text).min(1),
    sources: z.array(kebab).default([]),
  })
  .strict();

const ruleSchema = z
  .object({
    id: kebab,
    /** Key in `options`. */
    option: kebab,
    /** No `when` = always matches (the fallback; put it last). */
    when: whenSchema.optional(),
    /** Why (Markdown, cites the study); {{placeholders}} allowed. */
    rationale: text,
    /** "Alternatives considered" lines for the decision record. */
    alternatives: z.array(text).min(1),
    sources: z.array(kebab).default([]),
  })
  .strict();
export type RecommendationRule = z.infer<typeof ruleSchema>;

export const infraResultSchema = z
  .object({
    kind: z.literal('recommendation'),
    /** First matching rule wins. */
    rules: z.array(ruleSchema).min(1),
    options: z.record(kebab, infraOptionSchema),
    notes: z.array(noteSchema).default([]),
    /** Markdown template of the decision record (shown in a copyable block). */
    decisionRecord: text,
  })
  .strict();
export type RecommendationResult = z.infer<typeof infraResultSchema>;

export const accessResultSchema = z
  .object({
    kind: z.literal('access-request'),
    /** Step ids of the catalog search and pick steps. */
    searchStep: kebab,
    pickStep: kebab,
    /** What each owner role does (Markdown), shown after a pick. */
    roles: z
      .object(
        Object.fromEntries(OWNER_ROLES.map((r) => [r, text])) as Record<(typeof OWNER_ROLES)[number], typeof text>,
      )
      .strict(),
    /** What each classification requires (Markdown). */
    handling: z
      .object(
        Object.fromEntries(CLASSIFICATIONS.map((c) => [c, text])) as Record<
          (typeof CLASSIFICATIONS)[number],
          typeof text
        >,
      )
      .strict(),
    /** Extra warnings, e.g. when: { classification: [strictly-confidential], location: [cloud] }. */
    notes: z.array(noteSchema).default([]),
    /** Intro shown above the draft (Markdown). */
    intro: text,
    /** The access request draft (copyable); {{placeholders}} allowed. */
    template: text,
    sources: z.array(kebab).default([]),
  })
  .strict();
export type AccessRequestResult = z.infer<typeof accessResultSchema>;

export const definitionSchema = z
  .object({
    id: kebab,
    title: text,
    /** One line for `help` and menus. */
    description: text,
    /** Shown above the first question (Markdown). */
    intro: text.optional(),
    steps: z.array(stepSchema).min(1),
    result: z.discriminatedUnion('kind', [infraResultSchema, accessResultSchema]),
  })
  .strict();

export type WalkthroughDefinition = z.infer<typeof definitionSchema> & {
  /** File the definition was loaded from (relative to the walkthroughs directory). */
  file?: string;
};
