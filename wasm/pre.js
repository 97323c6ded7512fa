// --pre-js for Isoloir's wasm modules (emscripten 3.1.6): runs inside the
// MODULARIZE factory, before the glue. See ../shared/TOOLCHAIN.md section 3.

// 1. Node >= 18 has a global fetch, with which 3.1.6's glue would fetch the
//    .wasm by file path and fail ("Failed to parse URL"). Shadow it inside the
//    factory only: Node then reads the file, browsers keep streaming compile.
var isoloirIsNode = typeof process === 'object' && typeof process.versions === 'object' &&
    typeof process.versions.node === 'string';
// eslint-disable-next-line no-var, no-redeclare
var fetch = isoloirIsNode ? undefined : globalThis.fetch && globalThis.fetch.bind(globalThis);

// 2. The ES6 build resolves the .wasm as a file: URL, which 3.1.6's Node reader
//    cannot open: in Node, use the plain directory path (set by the shim).
if (isoloirIsNode && !Module['locateFile']) {
  Module['locateFile'] = function (path, scriptDirectory) { return scriptDirectory + path; };
}

// 3. Randomness comes from WebCrypto's globalThis.crypto (src/random.cpp's
//    isoloir_js_random reads that global directly, and so does 4. below).
//    Node 18 - Debian 12's nodejs - has WebCrypto only as
//    require('crypto').webcrypto, not as the global that Node >= 19 defines:
//    install it there, as later Node does, or createBallot/newCode abort.
if (isoloirIsNode && typeof require === 'function' &&
    !(globalThis.crypto && typeof globalThis.crypto.getRandomValues === 'function')) {
  var isoloirWebCrypto = require('crypto').webcrypto;
  if (isoloirWebCrypto && typeof isoloirWebCrypto.getRandomValues === 'function') {
    Object.defineProperty(globalThis, 'crypto',
        { value: isoloirWebCrypto, writable: true, configurable: true, enumerable: false });
  }
}

// 4. libsodium's randombytes asks JavaScript for 4 bytes at a time and, in an
//    ES module under Node, has no `require` to find a generator: feed it from
//    WebCrypto, one getRandomValues call per 1 KiB. Consumed words are zeroed.
if (!Module['getRandomValue']) {
  Module['getRandomValue'] = (function () {
    var cryptoObj = globalThis.crypto;
    if ((!cryptoObj || typeof cryptoObj.getRandomValues !== 'function') && isoloirIsNode &&
        typeof require === 'function') {
      cryptoObj = require('crypto').webcrypto;  // Node 18 without the global
    }
    if (!cryptoObj || typeof cryptoObj.getRandomValues !== 'function') {
      throw new Error('isoloir: no WebCrypto getRandomValues in this environment');
    }
    var pool = new Uint32Array(256);
    var next = pool.length;
    return function () {
      if (next === pool.length) {
        cryptoObj.getRandomValues(pool);
        next = 0;
      }
      var v = pool[next];
      pool[next++] = 0;
      return v >>> 0;
    };
  })();
}
