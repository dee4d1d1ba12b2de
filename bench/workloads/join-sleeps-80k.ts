import { joinSleeps } from "../lib/join-sleeps.js";

export default joinSleeps(80_000, "joinAll");
