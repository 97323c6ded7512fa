// The whole journey of issue 4 in one voter's browser, against the real
// isoloir-server serving the repo's pages (startUrn): the activation link
// from the mail, the password, login, "Je vote" with the code from the
// notice, a scrutin, the activation of the choice, the choice, the
// confirmation, the receipt with the reference the browser computed equal
// to the server's, both downloads verified with the core (in Node), the
// deposit proof refused a second time, and the reference found on the public
// /verifier page. The steps are voter-journey.mjs's, which nginx.spec.mjs
// runs through a proxy. Screenshots of each step: test-results/journey-*.png.
import assert from 'node:assert/strict';
import { loadBooth } from '../../web/booth/index.js';
import { startUrn } from './urn.mjs';
import { voterJourney } from './voter-journey.mjs';

let urn;
let booth;

export async function setup() {
  booth = await loadBooth();
  urn = await startUrn({ voters: 2 });
}

export async function teardown() {
  if (urn) {
    await urn.stop();
    urn.cleanup();
  }
}

export const tests = [
  ['a voter activates, logs in, votes, keeps both receipts and finds the ballot on the board', async ({ browser, resultsDir }) => {
    const { reference, pageErrors } = await voterJourney({ browser, urn, booth, baseUrl: urn.url, resultsDir });
    assert.match(reference, /^[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(pageErrors, []);
  }],
];
