/** Types of scripts/gen-types.mjs, for the test that checks the generated file is current. */
export declare const schemaPath: string;
export declare const typesPath: string;
export declare function resolvedSchema(schema: unknown): Record<string, unknown>;
export declare function generateTypes(schemaText?: string): Promise<string>;
export declare const summarySchemaPath: string;
export declare const summaryTypesPath: string;
export declare function generateSummaryTypes(schemaText?: string): Promise<string>;
