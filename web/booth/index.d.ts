// Type declarations for the Isoloir booth package (web/booth/index.js).

/**
 * Stable refusal codes of the protocol (PROTOCOL.md), plus `bad_argument` for
 * arguments of the wrong JavaScript type. Compare on these, never on messages.
 */
export type RefusalReason =
  | 'non_canonical_json'
  | 'malformed'
  | 'wrong_version'
  | 'wrong_election'
  | 'unknown_scrutin'
  | 'unknown_option'
  | 'duplicate_option'
  | 'wrong_choice_count'
  | 'wrong_answer_count'
  | 'wrong_proof_length'
  | 'bad_base64'
  | 'bad_length'
  | 'identity_point'
  | 'invalid_point'
  | 'non_canonical_scalar'
  | 'bad_signature'
  | 'bad_option_proof'
  | 'bad_sum_proof'
  | 'bad_vote_code'
  | 'bad_manifest'
  | 'wrong_kind'
  | 'bad_log_index'
  | 'bad_inclusion_proof'
  | 'bad_argument'
  | (string & {});

/** A refusal: thrown by the functions that return a value (createBallot, normalizeCode, ...). */
export class IsoloirError extends Error {
  constructor(reason: RefusalReason, detail?: string);
  readonly name: 'IsoloirError';
  /** Machine-readable code, never translated, e.g. `"bad_vote_code"`. */
  readonly reason: RefusalReason;
  /** Which field or value is at fault, for people (may be empty). */
  readonly detail: string;
}

/** A refusal returned (not thrown) by the verify* functions. */
export interface Refusal {
  ok: false;
  reason: RefusalReason;
  detail: string;
}

/**
 * An election manifest: its JSON text (any layout; the core hashes its
 * canonical form) or the parsed object.
 */
export type ManifestInput = string | object;

export interface CreatedBallot {
  /** The ballot's canonical JSON text: send exactly these bytes (UTF-8). */
  ballot: string;
  /** base64url(SHA-256(ballot bytes)), 43 characters: show it on the receipt. */
  reference: string;
}

export type BallotVerification = { ok: true; reference: string } | Refusal;

export type ReceiptVerification =
  | {
      ok: true;
      /** `"deposit"` (preuve de dépôt) or `"emargement"`. */
      kind: 'deposit' | 'emargement';
      /** The scrutin id the receipt is for. */
      scrutin: string;
      /** The ballot reference (deposits); empty for émargements. */
      reference: string;
      /** `received_at` (deposit) or `voted_at` (émargement), RFC 3339 UTC. */
      time: string;
    }
  | Refusal;

export interface InclusionQuery {
  manifestJson: ManifestInput;
  /** The ballot reference (base64url SHA-256 of the ballot bytes). */
  reference: string;
  /** The ballot's 0-based position in the election's log. */
  logIndex: number;
  /**
   * The signed tree head: its exact text, or as an object (e.g. the one in a
   * parsed deposit proof), which is written in canonical JSON before checking.
   */
  treeHead: string | object;
  /** The RFC 9162 audit path, base64url node hashes from the leaf up. */
  path: string[];
}

export type InclusionVerification = { ok: true } | Refusal;

export interface Booth {
  /**
   * Encrypts and proves a ballot for `scrutinId` marking `optionIds` (option
   * ids of the manifest), signed with the credential derived from `code` (any
   * typed form: normalised here). Runs entirely in this process.
   * @throws {IsoloirError} e.g. `unknown_scrutin`, `bad_vote_code`, an unknown
   * option, or a choice outside the scrutin's min..max.
   */
  createBallot(manifestJson: ManifestInput, scrutinId: string, optionIds: string[], code: string): CreatedBallot;

  /**
   * Every check of PROTOCOL.md section 4 that needs no server state, on the
   * ballot's exact text.
   */
  verifyBallot(manifestJson: ManifestInput, ballot: string): BallotVerification;

  /** A fresh vote code in display form (four groups of five, e.g. `D7ZZV-RHNQ7-94R0R-YB8EW`). */
  newCode(): string;

  /**
   * The 20-symbol normalised code (spaces and `-` removed, upper case, O→0,
   * I/L→1, check symbol verified).
   * @throws {IsoloirError} `bad_vote_code`
   */
  normalizeCode(input: string): string;

  /**
   * The display form (four groups of five separated by `-`) of a valid code.
   * @throws {IsoloirError} `bad_vote_code`
   */
  displayCode(input: string): string;

  /**
   * The public credential (base64url Ed25519 public key) of `code` in the
   * election `electionId`.
   * @throws {IsoloirError} `bad_vote_code`
   */
  credential(electionId: string, code: string): string;

  /**
   * The election hash: base64url(SHA-256(canonical manifest bytes)).
   * @throws {IsoloirError} when the manifest is not valid
   */
  electionHash(manifestJson: ManifestInput): string;

  /** Verifies a deposit proof or an émargement (exact text) against the manifest's server key and hash. */
  verifyReceipt(manifestJson: ManifestInput, receipt: string): ReceiptVerification;

  /**
   * Makes a new vote code inside the module (re-issue) and returns its public
   * credential for `electionId`, the only thing to send to the server.
   */
  regenerateCode(electionId: string): string;

  /**
   * The code regenerateCode made, in display form, and the seconds left to
   * show it: only during the 120 seconds after it was made, by the module's
   * clock; afterwards the module has wiped it.
   * @throws {IsoloirError} `code_expired` (after 120 s), `no_code`
   */
  revealCode(): { code: string; remaining: number };

  /** Seconds left to show the code (0 when there is none). */
  codeRemaining(): number;

  /** Wipes the code from the module now. */
  forgetCode(): void;

  /**
   * Solves a proof-of-work challenge of the server (`GET /api/v1/pow`): the
   * first nonce whose SHA-256 (PROTOCOL: isoloir/pow.h) starts with
   * `difficulty` zero bits. Works in slices, yielding between them.
   */
  solvePow(challenge: string, difficulty: number, options?: { slice?: number; signal?: AbortSignal }): Promise<number>;

  /**
   * Verifies that the ballot `reference` is leaf `logIndex` of the tree whose
   * signed head is `treeHead`, by the audit `path`, and that the head is signed
   * by the manifest's server key.
   * @throws {IsoloirError} `bad_argument` when logIndex is not a non-negative safe integer
   */
  verifyInclusion(query: InclusionQuery): InclusionVerification;
  /** Whether the WebAssembly SIMD build of the module was loaded (see LoadOptions.simd). */
  readonly simd: boolean;
}

/** Options passed to the emscripten module factory (first call of loadBooth only). */
export interface LoadOptions {
  /** Where to fetch a module file from, e.g. `(name) => '/assets/' + name`. */
  locateFile?: (path: string, scriptDirectory: string) => string;
  /** The .wasm bytes, when the caller has them already (of the module `simd` chooses). */
  wasmBinary?: ArrayBuffer | Uint8Array;
  /**
   * The module is built twice: isoloir_booth_simd.wasm with WebAssembly SIMD
   * (ballots made about a fifth faster) and isoloir_booth.wasm without, for
   * engines that lack it (Safari before 16.4). By default the SIMD one is
   * loaded wherever hasWasmSimd() is true; false forces the plain one, true
   * the SIMD one. Not passed to the factory.
   */
  simd?: boolean;
  [option: string]: unknown;
}

/** Whether this engine validates WebAssembly SIMD (a 31-byte probe module). */
export function hasWasmSimd(): boolean;

/**
 * Loads the WebAssembly module (once) and resolves to the booth. Later calls
 * return the same promise; a failed load may be retried.
 */
export function loadBooth(options?: LoadOptions): Promise<Booth>;
