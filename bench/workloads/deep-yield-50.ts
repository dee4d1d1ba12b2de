import { deepYield } from "../lib/deep-yield.js";

export default deepYield(
  50,
  "≤ 1.5× pollux depth-1 (pollux deep-yield-50 median / pollux deep-yield-1 median)",
);
