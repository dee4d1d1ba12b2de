import { deepAwait } from "../lib/deep-await.js";

export default deepAwait(
  50,
  "≤ 1.5× pollux depth-1 (pollux deep-await-50 median / pollux deep-await-1 median)",
);
