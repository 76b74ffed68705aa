import { loadExperiment, type ExperimentVariant, type LoadedExperiment } from '../config/load.js';
import { planExperiment } from '../graph/plan.js';
import { resolvePlan, type ResolvedStep } from '../graph/resolve.js';
import { Store } from '../graph/store.js';
import type { VerifyMode } from '../graph/store.js';
import type { StoreOptionValues } from './options.js';

export type { StoreOptionValues } from './options.js';

/** What `plan` and `run` share: load an experiment file, plan every variant, resolve keys. */

export interface VariantPlan {
  variant: ExperimentVariant;
  steps: ResolvedStep[];
}

export interface ExperimentPlans {
  loaded: LoadedExperiment;
  store: Store;
  projectDir: string;
  plans: VariantPlan[];
}

export async function planFile(file: string, options: StoreOptionValues): Promise<ExperimentPlans> {
  const projectDir = options.project ?? process.cwd();
  const loaded = await loadExperiment(file, { projectDir });
  const store = new Store({ projectDir: loaded.projectDir, root: options.store });
  const verify: VerifyMode = options.verify ? 'full' : 'fast';
  const plans: VariantPlan[] = [];
  for (const variant of loaded.variants) {
    const planned = planExperiment(variant, loaded.projectDir);
    const steps = await resolvePlan(planned, { store, projectDir: loaded.projectDir, experiment: variant.name, verify });
    plans.push({ variant, steps });
  }
  return { loaded, store, projectDir: loaded.projectDir, plans };
}
