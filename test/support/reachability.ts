/**
 * Whether an object can still be reached, asked of V8 itself: a full garbage collection, then the
 * object's WeakRef. Deterministic: a collection is exact about reachability (only the current job
 * keeps a WeakRef's target alive, hence the macrotask before collecting).
 */
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"

setFlagsFromString("--expose-gc")
const gc = runInNewContext("gc") as () => void

export const isCollected = async (ref: WeakRef<object>): Promise<boolean> => {
  await new Promise((resolve) => setImmediate(resolve))
  gc()
  return ref.deref() === undefined
}
