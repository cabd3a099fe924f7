import { AppError } from './app.error';

/** A node's engine does not answer, or did not at its last probe (503); `details.node` names it. */
export class NodeUnavailableError extends AppError {
  constructor(node: string, reason: string) {
    super('node_unavailable', `node "${node}" is unavailable: ${reason}`, undefined, { node });
  }
}
