import { describe, expect, it } from 'vitest';
import { searchCatalog } from '../../src/flows/index.ts';
import { fixtureKnowledge } from '../fixtures/flows/kb.ts';
import {
  allChoices,
  harness as baseHarness,
  choose,
  click,
  copyable,
  DEFINITION_SETS,
  findChoice,
  headingOf,
  stepOf,
  text,
  type,
} from './helpers.ts';

describe('data catalog search', () => {
  const kb = fixtureKnowledge();
  const ids = (q: string) => searchCatalog(kb, q).map((m) => m.entry.id);

  it.each([
    ['CoatLog', 'dataset-coating-chamber-logs'],
    ['sputter deposition data', 'dataset-coating-chamber-logs'],
    ['Beschichtung', 'dataset-coating-chamber-logs'],
    ['interferometr measurements', 'dataset-interferometer-surface-figure'],
    ['MetroVault', 'dataset-interferometer-surface-figure'],
    ['lot traceability', 'dataset-mes-lot-genealogy'],
    ['Where do I get the coating chamber logs?', 'dataset-coating-chamber-logs'],
  ])('finds %j', (query, id) => {
    expect(ids(query)[0]).toBe(id);
  });

  it.each(['payroll salaries', 'xyzzy', '', '   ', 'the data please', '?!'])('finds nothing for %j', (query) => {
    expect(ids(query)).toEqual([]);
  });

  it('respects the limit', () => {
    expect(searchCatalog(kb, 'data set measurements logs coating mes genealogy optical', 2).length).toBeLessThanOrEqual(
      2,
    );
  });
});

// Every scenario runs on the shipped definitions and on a copy with every label reworded (see helpers.ts); data
// sets are picked by id.
describe.each(DEFINITION_SETS)('data-owner walkthrough on the %s', (_name, load) => {
  const harness = async () => baseHarness({ definitions: await load() });

  it('finds a data set by system name, shows owners by role and drafts an access request', async () => {
    const h = await harness();
    const matches = await h.flows.start(h.key, 'data-owner', 'CoatLog');
    expect(stepOf(matches)).toBe('dataset');
    const t = text(matches);
    expect(t).toContain('Data set: Coating chamber process logs');
    expect(t).toContain('Classification: Confidential');
    expect(t).toContain('System of record: CoatLog coating equipment data server');
    expect(t).toContain('Business owner: Bea Business (coating) (coating-owner@example.com)');
    expect(t).toContain('Technical owner: Tom Technical (coating) (#coating-tech)');
    expect(t).toContain('Data steward: Sam Steward (coating) (coating-data@example.com)');
    expect(t).toContain('Access procedure: Request the role in the IT service portal');

    const picked = await choose(h, matches, 'dataset-coating-chamber-logs');
    expect(stepOf(picked)).toBeUndefined(); // a text step has no option buttons
    const p = text(picked);
    expect(p).toContain('**Business owner**: approves the **purpose**');
    expect(p).toContain('**Technical owner**: grants the **technical access**');
    expect(p).toContain('**Data steward**: advises on **data quality');
    expect(p).toContain('[warning] **Confidential**: Only on company-managed infrastructure');
    expect(p).toContain('What will you use the data for?');

    const period = await type(h, 'Virtual metrology of layer thickness for project Aurora');
    expect(stepOf(period)).toBe('period');
    const location = await choose(h, period, 'six-months');
    expect(stepOf(location)).toBe('location');
    const result = await choose(h, location, 'central-on-prem');
    expect(headingOf(result)).toBe('Access request: Coating chamber process logs');
    expect(text(result)).toContain("can't grant access");
    const draft = copyable(result, 'Access request');
    expect(draft).toContain(
      'To: Bea Business (coating) (coating-owner@example.com) (business owner: approval of purpose)',
    );
    expect(draft).toContain('Purpose: Virtual metrology of layer thickness for project Aurora');
    expect(draft).toContain('Data scope: CoatLog;');
    expect(draft).toContain(`Period: ${h.label('period', 'six-months')}`);
    expect(draft).toContain(`Stored and processed: ${h.label('location', 'central-on-prem')}`);
    expect(draft).toContain('Classification handling: Only on company-managed infrastructure');
    expect(draft).toContain('Requester: <your name, team, cost centre>');
    expect(draft).toContain('Date: 2026-05-04');
    expect(draft).not.toContain('{{');
    expect(h.events.events.at(-1)).toMatchObject({
      type: 'walkthrough',
      flow: 'data-owner',
      event: 'finished',
      outcome: 'dataset-coating-chamber-logs',
    });
  });

  it('finds a data set by a domain synonym typed after the start', async () => {
    const h = await harness();
    const first = await h.flows.start(h.key, 'data-owner');
    expect(stepOf(first)).toBeUndefined();
    expect(text(first)).toContain('What data do you need?');
    const matches = await type(h, 'deposition runs');
    expect(allChoices(matches)[0]?.label).toBe('Coating chamber process logs');
  });

  it('forgives a typo and warns that strictly confidential data may not go to the cloud', async () => {
    const h = await harness();
    const matches = await h.flows.start(h.key, 'data-owner', 'interferometr');
    await choose(h, matches, 'dataset-interferometer-surface-figure');
    await type(h, 'Predict surface figure after polishing');
    await type(h, 'data from 2023 to 2024, access until end of Q3');
    const result = await type(h, 'cloud');
    expect(text(result)).toContain('Strictly confidential data may not be uploaded to the cloud without approval');
    const draft = copyable(result, 'Access request');
    expect(draft).toContain('Period: data from 2023 to 2024, access until end of Q3');
    expect(draft).toContain('- Cloud processing of strictly confidential data requires written approval');
  });

  it('records a knowledge gap when nothing matches, explains how to find an owner anyway and searches again', async () => {
    const h = await harness();
    const miss = await h.flows.start(h.key, 'data-owner', 'payroll salaries');
    const t = text(miss);
    expect(t).toContain('Nothing in the data catalog matched');
    expect(t).toContain('owner of the system of record');
    expect(t).toContain('data governance office');
    expect(t).toContain('data steward');
    expect(t).toContain('Search again?');
    expect(h.events.events.find((e) => e.type === 'catalog-miss')).toMatchObject({
      type: 'catalog-miss',
      query: 'payroll salaries',
      platform: 'test',
    });
    const found = await type(h, 'MES lot genealogy');
    expect(allChoices(found)[0]?.label).toBe('MES lot genealogy');
  });

  it('searches again when other words are typed on the pick step, and back returns to the search', async () => {
    const h = await harness();
    await h.flows.start(h.key, 'data-owner', 'coating logs');
    const again = await type(h, 'refractive index');
    expect(stepOf(again)).toBe('dataset');
    expect(allChoices(again)[0]?.label).toBe('Public optical constants');
    const back = await click(h, again, '← Back');
    expect(text(back)).toContain('What data do you need?');
    expect(text(back)).toContain('Your earlier answer: refractive index');
  });

  it('picks a match by typing its name or number', async () => {
    const h = await harness();
    await h.flows.start(h.key, 'data-owner', 'CoatLog');
    const picked = await type(h, '1');
    expect(text(picked)).toContain('What will you use the data for?');
  });

  it('treats a question on the purpose step as a question and asks again for a too-short purpose', async () => {
    const h = await harness();
    const matches = await h.flows.start(h.key, 'data-owner', 'CoatLog');
    await choose(h, matches, 'dataset-coating-chamber-logs');
    const q = await h.flows.onText(h.key, 'What counts as a purpose?');
    expect(q).toMatchObject({ handled: false, resume: { label: 'Continue the walkthrough' } });
    const short = await type(h, 'ml');
    expect(text(short)).toContain('a bit short');
  });

  it('rejects a pick of a data set that was not offered', async () => {
    const h = await harness();
    const matches = await h.flows.start(h.key, 'data-owner', 'CoatLog');
    const c = findChoice(matches, 'Coating chamber process logs');
    const forged = JSON.stringify({ ...JSON.parse(c.value), v: 'dataset-mes-lot-genealogy' });
    const r = await h.flows.onAction(h.key, c.actionId, forged);
    expect(text(r)).toContain('no longer in the catalog');
    expect(stepOf(r)).toBe('dataset');
  });
});
