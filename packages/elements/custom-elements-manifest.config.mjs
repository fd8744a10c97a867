// `pnpm analyze` (cem analyze) reads this: the elements' source, Lit-aware, custom-elements.json at
// the package root. package.json already names the manifest, so the analyzer must not rewrite it.
export default {
  globs: ['src/**/*.ts'],
  exclude: ['src/**/*.test.ts', 'src/testing/**'],
  outdir: '.',
  litelement: true,
  packagejson: false,
};
