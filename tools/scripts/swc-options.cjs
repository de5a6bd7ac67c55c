// One SWC configuration for the build and for Jest: decorator metadata on (Nest DI and validation
// need it), tsconfig path aliases rewritten to relative requires.
const path = require('node:path');
const fs = require('node:fs');

const root = path.resolve(__dirname, '../..');
const base = JSON.parse(fs.readFileSync(path.join(root, '.swcrc.base.json'), 'utf8'));
const tsconfig = JSON.parse(fs.readFileSync(path.join(root, 'tsconfig.base.json'), 'utf8'));

function swcOptions() {
  return {
    ...base,
    swcrc: false,
    jsc: { ...base.jsc, baseUrl: root, paths: tsconfig.compilerOptions.paths },
  };
}

/** moduleNameMapper for Jest built from the same paths. */
function jestModuleNameMapper() {
  const out = {};
  for (const [alias, targets] of Object.entries(tsconfig.compilerOptions.paths)) {
    out[`^${alias.replace(/[/\\^$+?.()|[\]{}]/g, '\\$&')}$`] = path.join(root, targets[0]);
  }
  return out;
}

module.exports = { root, swcOptions, jestModuleNameMapper };
