import { variantName, type MatrixAssignment } from '../../src/config/matrix.js';
import type { Json } from '../../src/json.js';

/** The name loadExperiment gives a matrix variant, from the assignments alone. */
export function matrixVariantName(name: string, assignments: Record<string, Json>): string {
  const list: MatrixAssignment[] = Object.entries(assignments).map(([path, value]) => ({
    path,
    segments: path.split('.'),
    value,
    sourcePointer: '',
  }));
  return variantName(name, list);
}
