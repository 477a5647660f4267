// The pages a Teams app manifest must link to (developer.privacyUrl, developer.termsOfUseUrl; websiteUrl): served by
// the bot itself from Markdown files an operator edits (docs/privacy.md, docs/terms.md), rendered to plain HTML with
// no external assets (no scripts, styles or fonts fetched from anywhere). Raw HTML in the Markdown is shown as text.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Express, Request, Response } from 'express';
import { Marked } from 'marked';

export const PAGES_DIR = join(import.meta.dirname, '../../docs');
export const PAGES = { '/privacy': 'privacy.md', '/terms': 'terms.md' } as const;

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

// Markdown is the operator's, but HTML inside it is never passed through.
const marked = new Marked({ renderer: { html: ({ text }) => escapeHtml(text) } });

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title></head><body style="font-family: sans-serif; max-width: 48rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5">${body}</body></html>`;

/** Renders one Markdown file to a page; the first `# heading` is its title. */
export async function renderPage(file: string): Promise<string> {
  const markdown = await readFile(file, 'utf8');
  const title = /^#\s+(.+)$/m.exec(markdown)?.[1]?.trim() ?? 'MLOps Guide';
  return page(title, await marked.parse(markdown));
}

/** GET /privacy, /terms and / (the manifest's websiteUrl: links to both). */
export function mountPages(app: Express, dir: string = PAGES_DIR): void {
  for (const [path, name] of Object.entries(PAGES)) {
    app.get(path, async (_req: Request, res: Response) => {
      try {
        res.type('html').send(await renderPage(join(dir, name)));
      } catch {
        res.status(404).type('text').send(`${name} is missing: create it in ${dir}.`);
      }
    });
  }
  app.get('/', (_req: Request, res: Response) => {
    res
      .type('html')
      .send(
        page(
          'MLOps Guide',
          '<h1>MLOps Guide</h1><p>MLOps guidance for Slack and Microsoft Teams.</p><p><a href="privacy">Privacy</a> · <a href="terms">Terms of use</a></p>',
        ),
      );
  });
}
