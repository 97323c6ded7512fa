// Type declarations for the <isoloir-booth> custom element (web/booth/widget.js),
// the npm export `isoloir/widget`. Importing the module defines the element
// (once) where there is a DOM, and nothing where there is none.
//
//   import 'isoloir/widget';
//   <isoloir-booth server="" election="ELECTION_HASH" lang="fr" login-href="/"></isoloir-booth>

/** `detail` of the `isoloir-cast` event, sent after each vote. */
export interface IsoloirCastDetail {
  /** The scrutin voted in (its manifest id). */
  scrutin: string;
  /** The bulletin reference computed by the browser (base64url SHA-256 of the ballot). */
  reference: string;
}

/** `detail` of the `isoloir-error` event, sent with each refusal or alarm shown. */
export interface IsoloirErrorDetail {
  /**
   * A stable reason: the server's (`already_voted`, `bad_login`,
   * `not_logged_in`, ...), the booth's (`bad_vote_code`), `wrong_code`
   * (another voter's or an old code), `wrong_election` (the `election`
   * attribute does not match the served manifest), `network_error`, or an
   * alarm on the receipt (`reference_mismatch`, `deposit_invalid`,
   * `deposit_mismatch`, `emargement_invalid`, `emargement_mismatch`).
   */
  reason: string;
}

/**
 * The voting booth. Attributes:
 * - `server`: the server's origin, "" (default) for the page's own origin;
 *   another origin needs the server to answer CORS (it does not yet): proxy
 *   /api on the page's origin instead.
 * - `election`: the expected election hash; any other manifest raises an
 *   alarm and nothing runs.
 * - `lang`: "fr" (default) or "en"; may change at any time.
 * - `login-href`: without a session, a link to this login page instead of
 *   the widget's own login form (the portal sets "/").
 *
 * Events (bubbling, composed): `isoloir-cast`, `isoloir-error`.
 */
export declare class IsoloirBoothElement extends HTMLElement {
  static readonly observedAttributes: string[];
  /** Whether a vote code is held now (never the code itself). */
  readonly codeHeld: boolean;
  connectedCallback(): void;
  disconnectedCallback(): void;
  attributeChangedCallback(name: string, before: string | null, after: string | null): void;
}

export default IsoloirBoothElement;

declare global {
  interface HTMLElementTagNameMap {
    'isoloir-booth': IsoloirBoothElement;
  }
  interface HTMLElementEventMap {
    'isoloir-cast': CustomEvent<IsoloirCastDetail>;
    'isoloir-error': CustomEvent<IsoloirErrorDetail>;
  }
}
