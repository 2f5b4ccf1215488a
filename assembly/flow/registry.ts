// The live FlowControl objects of one core instance, one per connection,
// named by handles (handles.ts) so a freed connection's handle is never
// mistaken for a newer one.

import { ERR_BAD_ARGUMENT, ERR_BAD_HANDLE, ERR_OUT_OF_MEMORY } from '../abi';
import { Contexts } from '../handles';
import { FlowControl } from './control';

const flows = new Contexts<FlowControl>();

/** newFlow makes a FlowControl with our initial window size and returns its handle, or ERR_*. */
export function newFlow(localInitialWindow: i32): i32 {
  if (localInitialWindow < 0) return ERR_BAD_ARGUMENT;
  const handle = flows.add(new FlowControl(localInitialWindow));
  return handle < 0 ? ERR_OUT_OF_MEMORY : handle;
}

/** flowAt returns the FlowControl a live handle names, or null. */
export function flowAt(handle: i32): FlowControl | null {
  return flows.get(handle);
}

/** freeFlow drops the FlowControl a handle names; returns 0 or ERR_BAD_HANDLE. */
export function freeFlow(handle: i32): i32 {
  return flows.remove(handle) ? 0 : ERR_BAD_HANDLE;
}
