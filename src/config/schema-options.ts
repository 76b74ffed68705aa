/**
 * The ajv settings for the experiment schema, shared by the run-time compile
 * (src/config/schema.ts) and the build-time precompile (scripts/build-validator.mjs).
 * allErrors so that a file's problems are all reported at once; verbose so that messages
 * can use the failing schema's annotations.
 */
export const ajvOptions = { allErrors: true, useDefaults: true, verbose: true, strict: true, strictRequired: false } as const;

/** Annotations beyond JSON Schema, declared to ajv as a vocabulary. */
export const SCHEMA_ANNOTATIONS = ['x-env', 'x-aliases', 'x-default', 'x-expected', 'x-loader-only'] as const;
