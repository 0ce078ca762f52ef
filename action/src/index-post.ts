// Entry point of the post step as the runner starts it (`runs.post: dist/post.js`).
import { installGuards } from "./guard.js";
import { run } from "./post.js";

installGuards();
await run();
