#!/usr/bin/env node
// Precompiles the experiment schema's ajv validator into dist/config/experiment-validator.cjs
// (ajv standalone code), so that a run does not spend ~140 ms compiling the schema.
// Uses exactly the options of src/config/schema.ts; that module falls back to compiling
// at run time when this file is absent (tests running from src/).
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import standaloneCode from 'ajv/dist/standalone/index.js';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const { ajvOptions, SCHEMA_ANNOTATIONS } = await import(resolve(root, 'dist/config/schema-options.js'));
const schema = JSON.parse(readFileSync(resolve(root, 'schemas/experiment.schema.json'), 'utf8'));
const ajv = new Ajv2020({ ...ajvOptions, code: { source: true } });
ajv.addVocabulary([...SCHEMA_ANNOTATIONS]);
const validate = ajv.compile(schema);
const out = resolve(root, 'dist/config/experiment-validator.cjs');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, standaloneCode.default ? standaloneCode.default(ajv, validate) : standaloneCode(ajv, validate));
