/**
 * The experiment's DAG: validate → project (resource) → simulate → publish, built from a decoded
 * definition whose inputs are already resolved to artifact ids. Node identities are prefixed with
 * the experiment name, so `explain` compares a node with its own previous run.
 */
import type { ArtifactId } from "../../store/index.js"
import { projectNode } from "../project/index.js"
import { publishNode } from "../publish/index.js"
import type { Strategy } from "../simulate/index.js"
import { simulateNode } from "../simulate/SimulateNode.js"
import { validateNode } from "../validate/index.js"
import type { Definition } from "./Definition.js"

export interface ResolvedInputs {
  readonly alerts: ReadonlyArray<ArtifactId>
  readonly ohlcv: ReadonlyArray<ArtifactId>
}

/** validate and the projection: what every strategy over the same inputs shares. */
export const inputNodes = (definition: Definition, inputs: ResolvedInputs) => {
  const scope = { alerts: [...inputs.alerts], ohlcv: [...inputs.ohlcv], dateRange: definition.dateRange }
  const validate = validateNode(scope, `${definition.name}/validate`)
  const project = projectNode(scope, validate, `${definition.name}/project`)
  return { validate, project }
}
export type InputNodes = ReturnType<typeof inputNodes>

/**
 * simulate → publish of one strategy over shared input nodes. `name` prefixes the identities; the
 * keys do not depend on it, so the same strategy over the same inputs is the same work whichever
 * experiment (or sweep) asks for it.
 */
export const strategyNodes = (
  definition: Definition,
  inputs: ResolvedInputs,
  shared: InputNodes,
  strategy: Strategy,
  name: string
) => {
  const simulate = simulateNode(
    { strategy, dateRange: definition.dateRange, inputs: [...inputs.alerts, ...inputs.ohlcv] },
    shared.project,
    `${name}/simulate`
  )
  const publish = publishNode(
    { initialCapital: strategy.sizing.initialCapital, bootstrapResamples: definition.metrics.bootstrapResamples },
    simulate,
    shared.validate,
    `${name}/publish`
  )
  return { simulate, publish }
}

export const experimentDag = (definition: Definition, inputs: ResolvedInputs) => {
  const shared = inputNodes(definition, inputs)
  return { ...shared, ...strategyNodes(definition, inputs, shared, definition.strategy, definition.name) }
}

export type ExperimentDag = ReturnType<typeof experimentDag>
