// `npm run teams:package`: fills adapters/teams/manifest/manifest.json, validates it offline against the Teams
// manifest schema of the version it declares, and writes build/mlops-guide-teams.zip (manifest + two icons at the
// root of the zip, which is what Teams admin center and "Upload a custom app" expect).
// Follows learn.microsoft.com/microsoftteams/platform/concepts/build-and-test/apps-package.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { Ajv } from 'ajv';
import JSZip from 'jszip';
import { type CliIo, EXIT, processIo } from '../../src/cli/io.ts';
import type { Env } from '../../src/config.ts';

export const MANIFEST_DIR = join(import.meta.dirname, 'manifest');
// Microsoft's official manifest schemas ship offline in @microsoft/app-manifest (MIT), one folder per version.
export const SCHEMA_DIR = join(
  dirname(createRequire(import.meta.url).resolve('@microsoft/app-manifest/package.json')),
  'build/json-schemas/teams',
);
export const DEFAULT_OUT_FILE = 'build/mlops-guide-teams.zip';
const ICONS = { color: 192, outline: 32 } as const;

export interface PackageValues {
  /** Azure Bot / Entra app registration id (GUID): the manifest id and the botId. */
  appId: string;
  /** Host name of the messaging endpoint (validDomains), e.g. mlops-guide.example.com. */
  botDomain: string;
  /** Developer website (https); default the bot's own `/`. */
  developerUrl: string;
  /** Privacy statement and terms of use (https); default the pages the bot serves at /privacy and /terms. */
  privacyUrl: string;
  termsUrl: string;
  /** App version (semver). */
  version: string;
}

export class PackageError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Teams package not built:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'PackageError';
    this.problems = problems;
  }
}

const GUID = /^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$/;

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}

/** `--app-id X` / `--app-id=X` flags and environment variables → the values to fill, or every problem at once. */
export function readPackageValues(argv: readonly string[], env: Env): { values: PackageValues; outFile: string } {
  const flags = new Map<string, string>();
  const problems: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m?.[1]) {
      problems.push(`unexpected argument "${arg}" (flags: --app-id, --domain, --developer-url, --app-version, --out)`);
      continue;
    }
    const value = m[2] ?? argv[i + 1];
    if (m[2] === undefined) i++;
    if (value === undefined || value.startsWith('--')) problems.push(`--${m[1]} needs a value`);
    else flags.set(m[1], value.trim());
  }
  for (const name of flags.keys()) {
    if (!['app-id', 'domain', 'developer-url', 'app-version', 'out'].includes(name))
      problems.push(`unknown flag --${name}`);
  }

  const appId = flags.get('app-id') ?? env.MICROSOFT_APP_ID?.trim() ?? '';
  if (!appId) problems.push('MICROSOFT_APP_ID (or --app-id): the Azure Bot app registration id is required');
  else if (!GUID.test(appId))
    problems.push(`MICROSOFT_APP_ID: "${appId}" is not a GUID (Application (client) ID of the app registration)`);

  const rawDomain = flags.get('domain') ?? env.TEAMS_BOT_DOMAIN?.trim() ?? '';
  let botDomain = '';
  if (!rawDomain)
    problems.push('TEAMS_BOT_DOMAIN (or --domain): the host name of https://HOST/api/messages is required');
  else {
    try {
      botDomain = new URL(rawDomain.includes('://') ? rawDomain : `https://${rawDomain}`).hostname;
    } catch {
      problems.push(`TEAMS_BOT_DOMAIN: "${rawDomain}" is not a host name`);
    }
  }

  const developerUrl =
    flags.get('developer-url') ?? env.TEAMS_DEVELOPER_URL?.trim() ?? (botDomain ? `https://${botDomain}` : '');
  if (developerUrl && !/^https:\/\/\S+$/.test(developerUrl))
    problems.push(`TEAMS_DEVELOPER_URL: "${developerUrl}" must be an https URL`);

  // Required by the manifest; by default the pages the bot serves itself from docs/privacy.md and docs/terms.md.
  const pageUrl = (name: string, page: string) => {
    const url = env[name]?.trim() || (botDomain ? `https://${botDomain}/${page}` : '');
    if (url && !/^https:\/\/\S+$/.test(url)) problems.push(`${name}: "${url}" must be an https URL`);
    return url;
  };
  const privacyUrl = pageUrl('TEAMS_PRIVACY_URL', 'privacy');
  const termsUrl = pageUrl('TEAMS_TERMS_URL', 'terms');

  const version = flags.get('app-version') ?? packageVersion();
  if (problems.length) throw new PackageError(problems);
  return {
    values: { appId, botDomain, developerUrl, privacyUrl, termsUrl, version },
    outFile: flags.get('out') ?? DEFAULT_OUT_FILE,
  };
}

/** Replaces `{{NAME}}` in every string of the template; an unfilled placeholder is an error, not a silent gap. */
export function fillManifest(template: unknown, values: PackageValues): unknown {
  const map: Record<string, string> = {
    MICROSOFT_APP_ID: values.appId,
    BOT_DOMAIN: values.botDomain,
    DEVELOPER_URL: values.developerUrl,
    PRIVACY_URL: values.privacyUrl,
    TERMS_URL: values.termsUrl,
    APP_VERSION: values.version,
  };
  const missing = new Set<string>();
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      return v.replace(/\{\{([A-Z_]+)\}\}/g, (_m, name: string) => {
        const value = map[name];
        if (value === undefined) {
          missing.add(name);
          return `{{${name}}}`;
        }
        return value;
      });
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  const filled = walk(template);
  if (missing.size)
    throw new PackageError([...missing].map((n) => `manifest.json uses {{${n}}}, which teams:package does not know`));
  return filled;
}

/** Reads width/height from a PNG's IHDR; undefined when the bytes are not a PNG. */
export function pngSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length < 24 || signature.some((b, i) => bytes[i] !== b)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

const validators = new Map<string, ReturnType<Ajv['compile']>>();

/**
 * Validates a filled manifest against the offline schema of the `manifestVersion` it declares, plus what the schema
 * cannot say (valid domains are bare host names). Returns the problems; empty = valid.
 */
export function validateManifest(manifest: unknown, schemaDir: string = SCHEMA_DIR): string[] {
  if (!manifest || typeof manifest !== 'object' || Array.isArray(manifest))
    return ['the manifest is not a JSON object'];
  const version = (manifest as { manifestVersion?: unknown }).manifestVersion;
  if (typeof version !== 'string' || !/^\d+\.\d+$/.test(version))
    return ['manifestVersion is missing or not like "1.19"'];
  const schemaFile = join(schemaDir, `v${version}`, 'MicrosoftTeams.schema.json');
  let validate = validators.get(schemaFile);
  if (!validate) {
    let schema: Record<string, unknown>;
    try {
      schema = JSON.parse(readFileSync(schemaFile, 'utf8')) as Record<string, unknown>;
    } catch {
      return [
        `no offline schema for manifestVersion ${version} (expected ${schemaFile}; a newer @microsoft/app-manifest ships newer versions)`,
      ];
    }
    // The official schema declares draft-04; it uses no keyword whose meaning changed in Ajv's default draft-07
    // (no boolean exclusiveMinimum/Maximum, no `id` keyword), so it compiles there unchanged.
    delete schema.$schema;
    const ajv = new Ajv({ allErrors: true, strict: false });
    ajv.addFormat('uri', (s: string) => URL.canParse(s));
    validate = ajv.compile(schema);
    validators.set(schemaFile, validate);
  }
  const problems: string[] = [];
  if (!validate(manifest)) {
    for (const e of validate.errors ?? []) {
      const detail =
        e.keyword === 'additionalProperties'
          ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})`
          : '';
      problems.push(`${e.instancePath || '/'} ${e.message ?? 'is invalid'}${detail}`);
    }
  }
  const domains = (manifest as { validDomains?: unknown }).validDomains;
  if (Array.isArray(domains)) {
    for (const d of domains) {
      if (typeof d === 'string' && !/^(\*\.)?[a-z0-9.-]+(:\d+)?$/i.test(d))
        problems.push(`/validDomains "${d}" must be a host name without scheme or path`);
    }
  }
  return problems;
}

/** Builds the zip in memory: manifest.json, color.png, outline.png at the root. Throws PackageError when invalid. */
export async function buildTeamsPackage(
  values: PackageValues,
  manifestDir: string = MANIFEST_DIR,
): Promise<{ zip: Buffer; manifest: Record<string, unknown> }> {
  const template = JSON.parse(readFileSync(join(manifestDir, 'manifest.json'), 'utf8')) as unknown;
  const manifest = fillManifest(template, values) as Record<string, unknown>;
  const problems = validateManifest(manifest);

  const icons = (manifest.icons ?? {}) as Record<string, unknown>;
  const files = new Map<string, Buffer>();
  for (const [kind, size] of Object.entries(ICONS)) {
    const name = icons[kind];
    if (typeof name !== 'string') continue; // the schema already reported it
    let bytes: Buffer;
    try {
      bytes = readFileSync(join(manifestDir, name));
    } catch {
      problems.push(`icons.${kind}: ${name} is missing next to manifest.json`);
      continue;
    }
    const dims = pngSize(bytes);
    if (!dims) problems.push(`icons.${kind}: ${name} is not a PNG`);
    else if (dims.width !== size || dims.height !== size)
      problems.push(`icons.${kind}: ${name} is ${dims.width}×${dims.height}, Teams needs ${size}×${size}`);
    files.set(name, bytes);
  }
  if (problems.length) throw new PackageError(problems);

  const zip = new JSZip();
  // A fixed date makes the zip reproducible: the same inputs give the same bytes.
  const date = new Date('2020-01-01T00:00:00Z');
  zip.file('manifest.json', `${JSON.stringify(manifest, null, 2)}\n`, { date });
  for (const [name, bytes] of files) zip.file(name, bytes, { date });
  const buffer = await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', platform: 'UNIX' });
  return { zip: buffer, manifest };
}

/** The CLI: exit 0 written, 1 invalid manifest, 2 missing/bad settings. */
export async function main(
  argv: readonly string[],
  env: Env,
  io: CliIo = processIo,
  cwd: string = process.cwd(),
): Promise<number> {
  let read: ReturnType<typeof readPackageValues>;
  try {
    read = readPackageValues(argv, env);
  } catch (err) {
    if (!(err instanceof PackageError)) throw err;
    io.err(err.message);
    io.err('Usage: MICROSOFT_APP_ID=<guid> TEAMS_BOT_DOMAIN=<host> npm run teams:package [-- --out build/x.zip]');
    return EXIT.usage;
  }
  try {
    const { zip } = await buildTeamsPackage(read.values);
    const outFile = resolve(cwd, read.outFile);
    mkdirSync(dirname(outFile), { recursive: true });
    writeFileSync(outFile, zip);
    io.out(
      `Wrote ${outFile} (app id ${read.values.appId}, version ${read.values.version}, domain ${read.values.botDomain}).`,
    );
    io.out(
      'Upload it in Teams admin center (Manage apps → Upload new app) or in Teams (Apps → Manage your apps → Upload an app).',
    );
    return EXIT.ok;
  } catch (err) {
    if (!(err instanceof PackageError)) throw err;
    io.err(err.message);
    return EXIT.failure;
  }
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2), process.env);
}
