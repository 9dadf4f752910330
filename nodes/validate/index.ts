/** The validate node: input artifacts checked, coverage measured. */
export * from "./ValidateNode.js"
