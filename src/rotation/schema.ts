/**
 * The zod schema of the rotation policy, `.secrets/rotation.yaml` (#16), reviewed by pull request
 * like `.sops.yaml`. Kept apart from the code that reads it so that `scripts/gen-schemas.mjs` can
 * bundle it alone (schemas/secrets-rotation.schema.json). It validates only; policy.ts fills the
 * defaults and turns durations into seconds.
 *
 *     rotations:
 *       - path: app/API_TOKEN            # a secret path; `*` within a segment, `**` across segments
 *         every: 30d                     # or cron: "0 3 * * 1" (UTC), one of the two
 *         window: 1d                     # how long a due rotation may wait before it is overdue
 *         generator: { type: random }    # random | command | postgres | jwt-key
 *         strategy: single               # single | alternating (postgres: two login roles)
 *         owner: "@platform"
 *
 * Unknown fields are refused (a misspelt `every` must not silently mean "never"), and so are
 * combinations that cannot work (alternating without two login roles, both `every` and `cron`).
 */
import { Cron } from "croner";
import { z } from "zod";
import { parseDurationSeconds } from "../auth/policy/duration.js";

/** A positive duration: seconds, or Vault's syntax (`30d`, `12h`, `90m`). */
export const PositiveDuration = z.union([
  z.int().min(1),
  z.string().refine((s) => {
    const parsed = parseDurationSeconds(s);
    return "seconds" in parsed && parsed.seconds >= 1;
  }, "a duration is seconds or a Go duration such as 30d, 12h, 90m (at least 1s)"),
]);

/** A duration that may be zero (a grace period of none). */
const Duration = z.union([
  z.int().min(0),
  z.string().refine((s) => {
    const parsed = parseDurationSeconds(s);
    return "seconds" in parsed && parsed.seconds >= 0;
  }, "a duration is seconds or a Go duration such as 30d, 12h, 90m"),
]);

/** A cron expression croner accepts (5 or 6 fields), read in UTC. */
export const CronExpression = z.string().refine((s) => {
  try {
    new Cron(s, { paused: true, timezone: "UTC" }).stop();
    return true;
  } catch {
    return false;
  }
}, "not a valid cron expression (5 fields: minute hour day-of-month month day-of-week)");

/** A program and its arguments, run without a shell. */
const Argv = z.array(z.string()).min(1, "give the program and its arguments as a list");

/** A PostgreSQL role name: 1 to 63 bytes, no NUL. */
const PgRoleName = z
  .string()
  .min(1)
  .refine((s) => Buffer.byteLength(s) <= 63 && !s.includes("\0"), "a PostgreSQL role name is 1 to 63 bytes");

export const RandomGenerator = z.strictObject({
  type: z.literal("random"),
  /** Default: Vault's default password policy (20 characters, one of each class). */
  length: z.int().min(8).max(4096).optional(),
  /** The characters to draw from (default with `length`: letters, digits and `-`). */
  alphabet: z
    .string()
    .refine((s) => new Set(Array.from(s)).size >= 2 && Array.from(s).length <= 256, "an alphabet has 2 to 256 distinct characters")
    .optional(),
});

export const CommandGenerator = z.strictObject({
  type: z.literal("command"),
  /** Prints the new value on stdout (trailing newline removed). Run without a shell. */
  command: Argv,
  /** Optional: puts the pending value (on stdin) into the system it unlocks. */
  set: Argv.optional(),
  /** Optional: exits 0 when the pending value (on stdin) works. */
  test: Argv.optional(),
  /** Each program is killed after this long (default 30s). */
  timeout: PositiveDuration.optional(),
});

export const PostgresGenerator = z.strictObject({
  type: z.literal("postgres"),
  /** The database engine's mount (`.secrets/engines/<mount>/`), default `database`. */
  mount: z.string().regex(/^[\w-]+(?:\/[\w-]+)*$/).optional(),
  /** The connection (`config/<db_name>.yaml`) whose admin changes the password. */
  db_name: z.string().regex(/^\w(?:[\w.-]*\w)?$/, "a connection name is letters, digits, '_', '-' and '.'"),
  /** single: the one login role whose password changes. */
  username: PgRoleName.optional(),
  /** alternating: the two login roles, one active at a time. */
  usernames: z.tuple([PgRoleName, PgRoleName]).optional(),
  /** alternating: the group role holding the grants (a missing login role is created in it). */
  group_role: PgRoleName.optional(),
});

export const JwtKeyGenerator = z.strictObject({
  type: z.literal("jwt-key"),
  /** The signing algorithm of the new key (default ES256). */
  alg: z.enum(["ES256", "ES384", "RS256", "EdDSA"]).optional(),
});

export const RotationGenerator = z.discriminatedUnion("type", [RandomGenerator, CommandGenerator, PostgresGenerator, JwtKeyGenerator]);
export type RotationGeneratorOptions = z.infer<typeof RotationGenerator>;

export const RotationRule = z
  .strictObject({
    /** A secret path to one value (`app/API_TOKEN`); `*` matches within a segment, `**` any segments. */
    path: z.string().min(1).regex(/^[^\0]+$/),
    every: PositiveDuration.optional(),
    /** A cron expression, in UTC: the first tick after the last rotation is when it is due. */
    cron: CronExpression.optional(),
    /** How long after it is due a rotation may still run before it counts as overdue (default 1d). */
    window: PositiveDuration.optional(),
    generator: RotationGenerator,
    strategy: z.enum(["single", "alternating"]).optional(),
    /** Who answers for it (a team, a handle): shown by `rotation status`. */
    owner: z.string().min(1),
    /** Attempts with a fresh value each before the secret is marked stuck (default 3). */
    retries: z.int().min(1).max(20).optional(),
    /** alternating: how long the previous login keeps working after the switch (default 1h). */
    grace: Duration.optional(),
  })
  .refine((r) => (r.every === undefined) !== (r.cron === undefined), "give one of every and cron")
  .refine(
    (r) => r.strategy !== "alternating" || (r.generator.type === "postgres" && r.generator.usernames !== undefined),
    "the alternating strategy needs the postgres generator with two usernames",
  )
  .refine((r) => r.generator.type !== "postgres" || (r.strategy === "alternating" ? r.generator.usernames !== undefined : r.generator.username !== undefined), "the postgres generator needs username (single) or usernames (alternating)");
export type RotationRule = z.infer<typeof RotationRule>;

export const RotationFile = z.strictObject({
  rotations: z.array(RotationRule),
});
export type RotationFile = z.infer<typeof RotationFile>;

/** The JSON Schema of `.secrets/rotation.yaml`, for `npm run schemas`. */
export function renderRotationJsonSchema(): string {
  return JSON.stringify(z.toJSONSchema(RotationFile, { io: "input", target: "draft-2020-12", unrepresentable: "any" }), null, 2) + "\n";
}
