import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import JSZip from 'jszip';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodePng } from '../../../adapters/teams/manifest/make-icons.ts';
import {
  buildTeamsPackage,
  MANIFEST_DIR,
  main,
  PackageError,
  type PackageValues,
  pngSize,
  validateManifest,
} from '../../../adapters/teams/package.ts';
import { COMMANDS } from '../../../src/core/commands.ts';

const APP_ID = '4f6c1b2a-9d3e-4c5b-8a7f-0123456789ab';
const values: PackageValues = {
  appId: APP_ID,
  botDomain: 'mlops-guide.example.com',
  developerUrl: 'https://intranet.example.com/mlops',
  privacyUrl: 'https://mlops-guide.example.com/privacy',
  termsUrl: 'https://mlops-guide.example.com/terms',
  version: '1.2.3',
};

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'teams-package-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const capture = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, out, err };
};

/** Decodes an 8-bit RGBA, non-interlaced PNG with filter type 0 on every row (what make-icons writes). */
function pixels(png: Buffer): Uint8Array {
  const size = pngSize(png);
  if (!size) throw new Error('not a png');
  const idat: Buffer[] = [];
  for (let at = 8; at < png.length; ) {
    const len = png.readUInt32BE(at);
    const type = png.toString('ascii', at + 4, at + 8);
    if (type === 'IDAT') idat.push(png.subarray(at + 8, at + 8 + len));
    at += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const out = new Uint8Array(size.width * size.height * 4);
  for (let y = 0; y < size.height; y++)
    raw.copy(out, y * size.width * 4, y * (size.width * 4 + 1) + 1, (y + 1) * (size.width * 4 + 1));
  return out;
}

describe('npm run teams:package', () => {
  it('writes a zip whose manifest is filled and validates against the schema it declares', async () => {
    const io = capture();
    const out = join(dir, 'build/mlops-guide-teams.zip');
    const code = await main(['--app-id', APP_ID, '--domain', 'mlops-guide.example.com', `--out=${out}`], {}, io.io);
    expect(io.err).toEqual([]);
    expect(code).toBe(0);
    expect(io.out[0]).toContain(out);

    const zip = await JSZip.loadAsync(readFileSync(out));
    expect(Object.keys(zip.files).sort()).toEqual(['color.png', 'manifest.json', 'outline.png']);
    const text = await zip.file('manifest.json')?.async('string');
    expect(text).not.toContain('{{');
    const manifest = JSON.parse(text ?? '{}');
    expect(validateManifest(manifest)).toEqual([]);
    expect(manifest.manifestVersion).toBe('1.30');
    expect(manifest.$schema).toContain('/v1.30/');
    // Audit: the bot uses no Teams permissions (no identity, no messaging team members it was not addressed by).
    expect(manifest.permissions).toBeUndefined();
    expect(manifest.id).toBe(APP_ID);
    expect(manifest.bots[0].botId).toBe(APP_ID);
    expect(manifest.bots[0].scopes).toEqual(['personal', 'team', 'groupChat']);
    expect(manifest.validDomains).toEqual(['mlops-guide.example.com']);
    // Required URLs default to the pages the bot serves itself (docs/privacy.md, docs/terms.md).
    expect(manifest.developer.privacyUrl).toBe('https://mlops-guide.example.com/privacy');
    expect(manifest.developer.termsOfUseUrl).toBe('https://mlops-guide.example.com/terms');
    expect(manifest.version).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);

    const color = (await zip.file('color.png')?.async('nodebuffer')) as Buffer;
    const outline = (await zip.file('outline.png')?.async('nodebuffer')) as Buffer;
    expect(pngSize(color)).toEqual({ width: 192, height: 192 });
    expect(pngSize(outline)).toEqual({ width: 32, height: 32 });
    // Teams rejects an outline icon with anything but white on transparent.
    const px = pixels(outline);
    for (let i = 0; i < px.length; i += 4) expect([px[i], px[i + 1], px[i + 2]]).toEqual([255, 255, 255]);
    expect(px.some((_, i) => i % 4 === 3 && px[i] === 255)).toBe(true);
  });

  it('reads MICROSOFT_APP_ID and TEAMS_BOT_DOMAIN from the environment (a URL is reduced to its host)', async () => {
    const io = capture();
    const out = join(dir, 'x.zip');
    const env = {
      MICROSOFT_APP_ID: APP_ID,
      TEAMS_BOT_DOMAIN: 'https://bot.example.test/api/messages',
      TEAMS_DEVELOPER_URL: 'https://intranet.example.test/bot',
    };
    expect(await main(['--out', out], env, io.io)).toBe(0);
    const manifest = JSON.parse(
      (await (await JSZip.loadAsync(readFileSync(out))).file('manifest.json')?.async('string')) ?? '{}',
    );
    expect(manifest.validDomains).toEqual(['bot.example.test']);
    expect(manifest.developer.websiteUrl).toBe('https://intranet.example.test/bot');
  });

  it('takes TEAMS_PRIVACY_URL and TEAMS_TERMS_URL, https only', async () => {
    const io = capture();
    const out = join(dir, 'y.zip');
    const env = {
      MICROSOFT_APP_ID: APP_ID,
      TEAMS_BOT_DOMAIN: 'bot.example.test',
      TEAMS_PRIVACY_URL: 'https://intranet.example.test/privacy',
      TEAMS_TERMS_URL: 'http://intranet.example.test/terms',
    };
    expect(await main(['--out', out], env, io.io)).toBe(2);
    expect(io.err.join('\n')).toContain('TEAMS_TERMS_URL');
  });

  it('lists the core commands (those shown in help) in the manifest command list', () => {
    const manifest = JSON.parse(readFileSync(join(MANIFEST_DIR, 'manifest.json'), 'utf8'));
    const titles = manifest.bots[0].commandLists[0].commands.map((c: { title: string }) => c.title);
    expect(titles).toEqual(COMMANDS.filter((c) => !c.hidden).map((c) => c.name));
  });

  it('is reproducible: the same inputs give the same bytes', async () => {
    const a = await buildTeamsPackage(values);
    const b = await buildTeamsPackage(values);
    expect(a.zip.equals(b.zip)).toBe(true);
  });

  it('explains missing or malformed settings and exits 2', async () => {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [[], {}, /MICROSOFT_APP_ID \(or --app-id\)[\s\S]*TEAMS_BOT_DOMAIN/],
      [['--app-id', 'my-bot'], { TEAMS_BOT_DOMAIN: 'x.example.test' }, /not a GUID/],
      [['--app-id'], { TEAMS_BOT_DOMAIN: 'x.example.test' }, /--app-id needs a value/],
      [['--colour', 'red'], { MICROSOFT_APP_ID: APP_ID, TEAMS_BOT_DOMAIN: 'x.example.test' }, /unknown flag --colour/],
      [['stray'], { MICROSOFT_APP_ID: APP_ID, TEAMS_BOT_DOMAIN: 'x.example.test' }, /unexpected argument "stray"/],
      [
        [],
        {
          MICROSOFT_APP_ID: APP_ID,
          TEAMS_BOT_DOMAIN: 'x.example.test',
          TEAMS_DEVELOPER_URL: 'http://plain.example.test',
        },
        /must be an https URL/,
      ],
    ];
    for (const [argv, env, pattern] of cases) {
      const io = capture();
      expect(await main(argv, env, io.io, dir), argv.join(' ')).toBe(2);
      expect(io.err.join('\n')).toMatch(pattern);
    }
  });
});

describe('manifest validation', () => {
  let filled: Record<string, unknown>;
  beforeEach(async () => {
    filled = (await buildTeamsPackage(values)).manifest;
  });
  // biome-ignore lint/suspicious/noExplicitAny: the cases poke at arbitrary manifest paths
  const good = (): Record<string, any> => structuredClone(filled);

  it('rejects a broken manifest with readable problems', () => {
    // biome-ignore lint/suspicious/noExplicitAny: the cases poke at arbitrary manifest paths
    const cases: [string, (m: Record<string, any>) => void, RegExp][] = [
      ['bad bot id', (m) => (m.bots[0].botId = 'not-a-guid'), /\/bots\/0\/botId must match pattern/],
      ['unknown property', (m) => (m.colour = 'blue'), /must NOT have additional properties \(colour\)/],
      [
        'short name too long',
        (m) => (m.name.short = 'x'.repeat(31)),
        /\/name\/short must NOT have more than 30 characters/,
      ],
      ['no icons', (m) => delete m.icons, /must have required property 'icons'/],
      [
        'bad scope',
        (m) => (m.bots[0].scopes = ['everyone']),
        /\/bots\/0\/scopes\/0 must be equal to one of the allowed values/,
      ],
      [
        'too many commands',
        (m) =>
          m.bots[0].commandLists[0].commands.push(
            ...Array.from({ length: 5 }, (_, i) => ({ title: `c${i}`, description: 'd' })),
          ),
        /must NOT have more than 12 items/,
      ],
      [
        'command description too long',
        (m) => (m.bots[0].commandLists[0].commands[0].description = 'x'.repeat(4001)),
        /must NOT have more than 4000 characters/,
      ],
      ['http developer url', (m) => (m.developer.privacyUrl = 'ftp://x'), /\/developer\/privacyUrl must match pattern/],
      [
        'domain with scheme',
        (m) => (m.validDomains = ['https://bot.example.test/api']),
        /validDomains "https:\/\/bot.example.test\/api" must be a host name/,
      ],
      ['unknown manifest version', (m) => (m.manifestVersion = '9.99'), /no offline schema for manifestVersion 9.99/],
      ['no manifest version', (m) => delete m.manifestVersion, /manifestVersion is missing/],
    ];
    for (const [name, breakIt, pattern] of cases) {
      const m = good();
      breakIt(m);
      const problems = validateManifest(m);
      expect(problems.join('\n'), name).toMatch(pattern);
    }
    expect(validateManifest(null)).toEqual(['the manifest is not a JSON object']);
    expect(validateManifest([])).toEqual(['the manifest is not a JSON object']);
  });

  it('refuses to package a manifest that does not validate or whose icons are wrong', async () => {
    cpSync(MANIFEST_DIR, dir, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    manifest.bots[0].scopes = ['everyone'];
    manifest.icons.outline = 'missing.png';
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    writeFileSync(join(dir, 'color.png'), encodePng(64, 64, new Uint8Array(64 * 64 * 4)));
    const err = await buildTeamsPackage(values, dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PackageError);
    const problems = (err as PackageError).problems.join('\n');
    expect(problems).toMatch(/scopes\/0 must be equal to one of the allowed values/);
    expect(problems).toMatch(/icons.outline: missing.png is missing/);
    expect(problems).toMatch(/icons.color: color.png is 64×64, Teams needs 192×192/);
  });

  it('refuses placeholders it cannot fill', async () => {
    cpSync(MANIFEST_DIR, dir, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    manifest.developer.mpnId = '{{MPN_ID}}';
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    await expect(buildTeamsPackage(values, dir)).rejects.toThrow(/\{\{MPN_ID\}\}/);
  });
});
