/**
 * For browser tests: waits for an element's batched render of mesh events instead of sleeping past
 * the batch (`MeshController` renders at most `renderIntervalMsMin`, 250 ms by default, after an
 * event; a fixed 300 ms sleep left 50 ms for a loaded machine).
 */
import type { MeshElement } from '../mesh-element.js';

/**
 * Runs `act` (which makes the mesh dispatch events), checks that each of `els` heard at least one
 * of them (it is subscribed), then resolves once each has run the render those events scheduled
 * and finished that update. Throws naming the element that heard nothing, or that did not render
 * within `timeoutMs` (a hang guard, not a timing check: the default is 20 render intervals).
 */
export async function renderedAfter(
  els: MeshElement | readonly MeshElement[],
  act: () => void,
  timeoutMs = 5_000,
): Promise<void> {
  const list: readonly MeshElement[] = Array.isArray(els) ? els : [els as MeshElement];
  const before = list.map((el) => ({
    events: el.meshController.eventsSeen,
    renders: el.meshController.renderRequests,
  }));
  act();
  const deadline = performance.now() + timeoutMs;
  for (const [i, el] of list.entries()) {
    if (el.meshController.eventsSeen === before[i]!.events)
      throw new Error(`<${el.localName}> heard none of the mesh events`);
    while (el.meshController.renderRequests === before[i]!.renders) {
      if (performance.now() > deadline)
        throw new Error(`<${el.localName}> did not render the events within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await el.updateComplete;
  }
}
