// --post-js of the booth module (isoloir_booth.mjs): the JavaScript side of
// wasm/bindings.cpp's plain C entry points. It gives the module the same
// functions Embind used to (createBallot, verifyBallot, ...), with the same
// answers: {ok: true, ...} or {ok: false, reason, detail}, never a throw.
//
// Every string argument is written as UTF-8 into a buffer of its own, which is
// zeroed and freed after the call (the vote code and the choice among them);
// the answer is read as JSON and its buffer wiped by isoloir_release().

function isoloirCall(fn, args) {
  var buffers = [];
  var flat = [];
  try {
    for (var i = 0; i < args.length; i++) {
      var a = args[i];
      if (typeof a === 'number') {
        flat.push(a);
        continue;
      }
      var size = a.length;
      var ptr = _malloc(size + 1);
      if (!ptr) return isoloirRefuse('no memory left for the arguments');
      HEAPU8.set(a, ptr);
      buffers.push([ptr, size]);
      flat.push(ptr, size);
    }
    var out = fn.apply(null, flat);
    var text = UTF8ToString(out);
    _isoloir_release();
    return JSON.parse(text);
  } finally {
    for (var j = 0; j < buffers.length; j++) {
      HEAPU8.fill(0, buffers[j][0], buffers[j][0] + buffers[j][1]);
      _free(buffers[j][0]);
    }
  }
}

// A string's UTF-8 bytes, or a refusal naming it (`what`): a lone surrogate
// has no UTF-8 form, and is refused rather than replaced.
// isWellFormed (Chromium 111, Firefox 119, Safari 16.4, Node 20) is a scan;
// the regular expression, for older engines, costs a ballot's verification
// about 0.5 % on its 10 KB of text.
var isoloirEncoder = new TextEncoder();
function isoloirUtf8(value, what) {
  var wellFormed = typeof value.isWellFormed === 'function' ? value.isWellFormed()
    : !/\p{Cs}/u.test(value);
  if (!wellFormed) return isoloirRefuse(what + ' holds a lone surrogate (not Unicode text)');
  return isoloirEncoder.encode(value);
}

// Zeroes byte arrays made from the arguments (the code, the choice).
function isoloirWipe(arrays) {
  for (var i = 0; i < arrays.length; i++) arrays[i].fill(0);
}

// An array of strings, each as a 4-byte little-endian length then its bytes;
// a refusal naming `name` if it is not one.
function isoloirPack(name, list) {
  if (!Array.isArray(list)) return isoloirRefuse(name + ' must be an array of strings');
  var parts = [];
  var total = 0;
  for (var i = 0; i < list.length; i++) {
    var b = typeof list[i] === 'string' ? isoloirUtf8(list[i], name + '[' + i + ']')
      : isoloirRefuse(name + ' must be an array of strings');
    if (b.ok === false) {
      isoloirWipe(parts);
      return b;
    }
    parts.push(b);
    total += 4 + b.length;
  }
  var out = new Uint8Array(total);
  var at = 0;
  for (var k = 0; k < parts.length; k++) {
    var n = parts[k].length;
    out[at] = n & 255;
    out[at + 1] = (n >>> 8) & 255;
    out[at + 2] = (n >>> 16) & 255;
    out[at + 3] = (n >>> 24) & 255;
    out.set(parts[k], at + 4);
    at += 4 + n;
  }
  isoloirWipe(parts);
  return out;
}

function isoloirRefuse(detail) {
  return { ok: false, reason: 'bad_argument', detail: detail };
}

// call(the UTF-8 bytes of each value), wiped afterwards; or the refusal of
// the first value that is not text.
function isoloirWith(names, values, call) {
  var bytes = [];
  try {
    for (var i = 0; i < values.length; i++) {
      var b = typeof values[i] === 'string' ? isoloirUtf8(values[i], names[i])
        : isoloirRefuse(names[i] + ' must be a string');
      if (b.ok === false) return b;
      bytes.push(b);
    }
    return call(bytes);
  } finally {
    isoloirWipe(bytes);
  }
}

Module['createBallot'] = function (manifest, scrutinId, optionIds, code) {
  var packed = isoloirPack('optionIds', optionIds);
  if (packed.ok === false) return packed;
  try {
    return isoloirWith(['manifestJson', 'scrutinId', 'code'], [manifest, scrutinId, code],
        function (b) { return isoloirCall(_isoloir_create_ballot, [b[0], b[1], packed, b[2]]); });
  } finally {
    isoloirWipe([packed]);
  }
};

// The functions whose arguments are all strings: each names its arguments
// (for the refusals) and its C entry point, looked up on the module when
// called.
function isoloirStringFunction(names, entry) {
  return function () {
    var values = [];
    for (var i = 0; i < names.length; i++) values.push(arguments[i]);
    return isoloirWith(names, values, function (b) { return isoloirCall(Module[entry], b); });
  };
}

Module['verifyBallot'] = isoloirStringFunction(['manifestJson', 'ballot'], '_isoloir_verify_ballot');
Module['normalizeCode'] = isoloirStringFunction(['input'], '_isoloir_normalize_code');
Module['displayCode'] = isoloirStringFunction(['input'], '_isoloir_display_code');
Module['credential'] = isoloirStringFunction(['electionId', 'code'], '_isoloir_credential');
Module['electionHash'] = isoloirStringFunction(['manifestJson'], '_isoloir_election_hash');
Module['verifyReceipt'] = isoloirStringFunction(['manifestJson', 'receipt'], '_isoloir_verify_receipt');
Module['regenerateCode'] = isoloirStringFunction(['electionId'], '_isoloir_regenerate_code');

Module['newCode'] = function () {
  return isoloirCall(Module['_isoloir_new_code'], []).value;
};

Module['verifyInclusion'] = function (manifest, reference, logIndex, treeHead, path) {
  if (typeof logIndex !== 'number') return isoloirRefuse('logIndex must be a non-negative integer');
  var packed = isoloirPack('path', path);
  if (packed.ok === false) return packed;
  return isoloirWith(['manifestJson', 'reference', 'treeHead'], [manifest, reference, treeHead],
      function (b) {
        return isoloirCall(_isoloir_verify_inclusion, [b[0], b[1], logIndex, b[2], packed]);
      });
};

Module['powSearch'] = function (challenge, difficulty, start, count) {
  if (typeof difficulty !== 'number' || typeof start !== 'number' || typeof count !== 'number') {
    return isoloirRefuse('difficulty, start and count must be numbers');
  }
  return isoloirWith(['challenge'], [challenge], function (b) {
    return isoloirCall(_isoloir_pow_search, [b[0], difficulty, start, count]);
  });
};

Module['revealCode'] = function () {
  var r = isoloirCall(_isoloir_reveal_code, []);
  if (!r.ok) return r;
  return { ok: true, code: r.code, remaining: r.remaining_us / 1e6 };
};

Module['codeRemaining'] = function () {
  return _isoloir_code_remaining();
};

Module['forgetCode'] = function () {
  _isoloir_forget_code();
};
