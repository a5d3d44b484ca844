/**
 * A step of connecting on a provider's own pages, as the guide shows it: done or not, and the
 * control on this page the user needs next (highlighted). `reads` is what Bookbridge will read
 * from this page for the step (the AutoAuth key, BILL's organisation ID), outlined differently.
 */
export interface Step<Id extends string = string> {
  id: Id;
  label: string;
  /** One line more, when it helps. */
  detail?: string | undefined;
  done: boolean;
  /** The control to press next, on this page (null when it is on another page or already done). */
  target: HTMLElement | null;
  /** What Bookbridge reads from this page for this step, when it is shown here. */
  reads?: HTMLElement | null;
}

/** The step the user is on: the first not done. */
export function currentStep<S extends Step>(steps: readonly S[]): S | undefined {
  return steps.find((s) => !s.done);
}

/** Everything before "Send" is done: the page is ready to send. */
export function readyToSend(steps: readonly Step[]): boolean {
  return steps.filter((s) => s.id !== 'send').every((s) => s.done);
}
