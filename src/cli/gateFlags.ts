/** The gate's policy flag, shared by `accrete update` and `accrete serve`. */
import { UsageError } from '../errors.js';
import { GATE_POLICIES, type GatePolicy } from '../update/gate.js';

/** --gate-policy, checked: undefined when not given. */
export function gatePolicyOf(flag: string | undefined): GatePolicy | undefined {
  if (flag === undefined) return undefined;
  if (!(GATE_POLICIES as readonly string[]).includes(flag)) throw new UsageError(`--gate-policy must be one of ${GATE_POLICIES.join(', ')}, got ${flag}`);
  return flag as GatePolicy;
}
