// `{{name}}` placeholders in walkthrough texts and templates. Unknown names are left visible (the definition check
// reports them), so a typo shows up in review rather than silently vanishing.

const PLACEHOLDER = /\{\{\s*([a-z0-9.-]+)\s*\}\}/gi;

export function fillTemplate(template: string, vars: Readonly<Record<string, string>>): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => vars[name] ?? whole);
}

export function placeholdersIn(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1] ?? '');
}
