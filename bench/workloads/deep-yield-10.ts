import { deepYield } from "../lib/deep-yield.js";

export default deepYield(10);
