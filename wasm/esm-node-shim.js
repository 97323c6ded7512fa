// --extern-pre-js for the ES6 builds (emscripten 3.1.6): the glue's Node branch
// uses CommonJS names (require, __dirname) that an ES module does not have.
// Defines them from import.meta.url, in Node only: browsers and bundlers skip
// this block (the specifiers are not literals, so bundlers leave them alone).
var require, __dirname;
if (typeof process === 'object' && typeof process.versions === 'object' &&
    typeof process.versions.node === 'string') {
  const nodeModule = 'node:module', nodeUrl = 'node:url';
  const { createRequire } = await import(/* webpackIgnore: true */ /* @vite-ignore */ nodeModule);
  const { fileURLToPath } = await import(/* webpackIgnore: true */ /* @vite-ignore */ nodeUrl);
  require = createRequire(import.meta.url);
  __dirname = fileURLToPath(new URL('.', import.meta.url)).replace(/[\\/]$/, '');
}
