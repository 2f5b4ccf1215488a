// The live FlowControl objects of one core instance, one per connection,
// named by handles from HandleSlots (handles.ts) so a freed connection's
// handle is never mistaken for a newer one.

import { ERR_BAD_ARGUMENT, ERR_BAD_HANDLE, ERR_OUT_OF_MEMORY } from '../abi';
import { HandleSlots } from '../handles';
import { FlowControl } from './control';

const handles = new HandleSlots();
const flows = new Array<FlowControl | null>();

/** newFlow makes a FlowControl with our initial window size and returns its handle, or ERR_*. */
export function newFlow(localInitialWindow: i32): i32 {
  if (localInitialWindow < 0) return ERR_BAD_ARGUMENT;
  const handle = handles.acquire();
  if (handle < 0) return ERR_OUT_OF_MEMORY;
  const slot = handle & 0xffff;
  while (flows.length <= slot) flows.push(null);
  flows[slot] = new FlowControl(localInitialWindow);
  return handle;
}

/** flowAt returns the FlowControl a live handle names, or null. */
export function flowAt(handle: i32): FlowControl | null {
  const slot = handles.slotOf(handle);
  if (slot < 0) return null;
  return flows[slot];
}

/** freeFlow drops the FlowControl a handle names; returns 0 or ERR_BAD_HANDLE. */
export function freeFlow(handle: i32): i32 {
  const slot = handles.slotOf(handle);
  if (slot < 0) return ERR_BAD_HANDLE;
  flows[slot] = null;
  handles.release(handle);
  return 0;
}
