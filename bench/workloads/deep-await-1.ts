import { deepAwait } from "../lib/deep-await.js";

export default deepAwait(1);
