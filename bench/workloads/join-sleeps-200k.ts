import { joinSleeps } from "../lib/join-sleeps.js";

export default joinSleeps(200_000, "joinAll");
