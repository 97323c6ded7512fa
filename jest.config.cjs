// Jest runs the ES-module tests as they are (no transform); run with
// NODE_OPTIONS=--experimental-vm-modules (npm run test:js, scripts/test.sh).
module.exports = {
  testEnvironment: 'node',
  transform: {},
  moduleFileExtensions: ['js', 'mjs', 'cjs', 'json'],
  testMatch: ['<rootDir>/tests/js/**/*.test.mjs'],
  // wasm proofs take tens of milliseconds each; the slowest suites loop over vectors
  testTimeout: 120000,
};
