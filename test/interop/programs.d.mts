/** The system programs `npm run test:interop` needs, each with the Debian/Ubuntu package that has it. */
export declare const PROGRAMS: readonly { command: string; aptPackage: string; what: string }[];
/** Python modules checked with the interpreter named, each with its Debian package. */
export declare const MODULES: readonly { python: string; module: string; aptPackage: string; what: string }[];
/** One line per module its interpreter cannot import. */
export declare function missingModules(): string[];
/** One line per missing program on `path` (default: PATH). */
export declare function missingPrograms(path?: string): string[];
/** vitest global setup: throws, naming the packages, when a program is missing. */
export default function setup(): void;
