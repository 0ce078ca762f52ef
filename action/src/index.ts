// Entry point of the main step as the runner starts it (`runs.main: dist/index.js`).
import { installGuards } from "./guard.js";
import { run } from "./main.js";

installGuards();
await run();
