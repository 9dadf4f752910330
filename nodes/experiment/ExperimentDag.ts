/**
 * The experiment's DAG: validate → project (resource) → simulate → publish, built from a decoded
 * definition whose inputs are already resolved to artifact ids. Node identities are prefixed with
 * the experiment name, so `explain` compares a node with its own previous run.
 */
import type { ArtifactId } from "../../store/index.js"
import { projectNode } from "../project/index.js"
import { publishNode } from "../publish/index.js"
import { simulateNode } from "../simulate/SimulateNode.js"
import { validateNode } from "../validate/index.js"
import type { Definition } from "./Definition.js"

export interface ResolvedInputs {
  readonly alerts: ReadonlyArray<ArtifactId>
  readonly ohlcv: ReadonlyArray<ArtifactId>
}

export const experimentDag = (definition: Definition, inputs: ResolvedInputs) => {
  const id = (node: string) => `${definition.name}/${node}`
  const scope = { alerts: [...inputs.alerts], ohlcv: [...inputs.ohlcv], dateRange: definition.dateRange }
  const validate = validateNode(scope, id("validate"))
  const project = projectNode(scope, validate, id("project"))
  const simulate = simulateNode(
    {
      strategy: definition.strategy,
      dateRange: definition.dateRange,
      inputs: [...inputs.alerts, ...inputs.ohlcv]
    },
    project,
    id("simulate")
  )
  const publish = publishNode(
    {
      initialCapital: definition.strategy.sizing.initialCapital,
      bootstrapResamples: definition.metrics.bootstrapResamples
    },
    simulate,
    validate,
    id("publish")
  )
  return { validate, project, simulate, publish }
}

export type ExperimentDag = ReturnType<typeof experimentDag>
