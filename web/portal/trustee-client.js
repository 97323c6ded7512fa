// The page side of /portal/trustee-worker.js, shared by the key ceremony's
// page (pages/tresorier.js) and the decryption page (pages/depouillement.js):
// one Worker for the page's life; each call a promise of the module's answer.
// `onEvent(message)` (optional, per call) is told the worker's events for that
// call ({event: 'fetching', file} and {event: 'progress', done, total}).
let clientPromise = null;

export function trusteeWorker() {
  if (!clientPromise) {
    const worker = new Worker('/portal/trustee-worker.js', { type: 'module' });
    const pending = new Map();
    let next = 0;
    worker.onmessage = (event) => {
      const message = event.data || {};
      const call = pending.get(message.id);
      if (!call) return;
      if (message.event) {
        if (call.onEvent) {
          try { call.onEvent(message); } catch { /* a display error does not stop the call */ }
        }
        return;
      }
      pending.delete(message.id);
      call.resolve(message.result);
    };
    worker.onerror = () => {
      for (const call of pending.values()) call.resolve({ ok: false, error: 'module_failed', detail: '' });
      pending.clear();
    };
    const call = (fn) => (...args) => new Promise((resolve) => {
      next += 1;
      pending.set(next, { resolve, onEvent: null });
      worker.postMessage({ id: next, fn, args });
    });
    const decrypt = (shareKeyFile, passphrase, onEvent) => new Promise((resolve) => {
      next += 1;
      pending.set(next, { resolve, onEvent: typeof onEvent === 'function' ? onEvent : null });
      worker.postMessage({ id: next, fn: 'decrypt', args: [shareKeyFile, passphrase] });
    });
    clientPromise = Promise.resolve({
      init: call('init'),
      shares: call('shares'),
      finish: call('finish'),
      check: call('check'),
      openKeyFile: call('openKeyFile'),
      decrypt,
    });
  }
  return clientPromise;
}
