/**
 * The module every other file imports `StreamBase` from: it loads `base.ts` (the base class and
 * the adapters that live with it) and then each adapter module, which registers its constructor in
 * `registry.ts` (see that file for why the indirection exists). Nothing may import `base.ts`
 * directly except the adapter modules themselves.
 */
import "./base.js";
import "./and-then.js";
import "./filter-map.js";
import "./skip.js";
import "./take-while.js";
import "./chain.js";
import "./zip.js";
import "./flatten.js";
import "./peekable.js";
import "./timeout.js";
import "./throttle.js";
import "./chunks-timeout.js";

export * from "./base.js";
