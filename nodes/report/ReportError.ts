/** Why a report cannot be built. Each names the experiment (and artifact) concerned. */
import { Schema } from "effect"

/** The experiment has no completed run, so there are no outputs to report on. */
export class NoCompletedRun extends Schema.TaggedError<NoCompletedRun>()("NoCompletedRun", {
  experimentId: Schema.String,
  /** Effective status of its latest run, or "none" when it has never run. */
  latestStatus: Schema.String
}) {
  override get message() {
    return this.latestStatus === "none"
      ? `experiment ${this.experimentId} has no run yet: nothing to report`
      : `experiment ${this.experimentId} has no completed run (latest run: ${this.latestStatus}): nothing to report`
  }
}

/** The completed run does not list one of the outputs a report needs. */
export class ReportOutputMissing extends Schema.TaggedError<ReportOutputMissing>()("ReportOutputMissing", {
  experimentId: Schema.String,
  runId: Schema.String,
  output: Schema.String
}) {
  override get message() {
    return `run ${this.runId} of experiment ${this.experimentId} has no ${this.output} output`
  }
}

/** An output's rows do not have the shape its contract promises. */
export class ReportDataError extends Schema.TaggedError<ReportDataError>()("ReportDataError", {
  artifactId: Schema.String,
  type: Schema.String,
  detail: Schema.String
}) {
  override get message() {
    return `artifact ${this.artifactId} (${this.type}) cannot be read for the report: ${this.detail}`
  }
}

export type ReportError = NoCompletedRun | ReportOutputMissing | ReportDataError
