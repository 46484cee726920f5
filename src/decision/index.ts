/**
 * The one decision type. Every security check returns a Decision, so the gateway, the sandbox and
 * the audit log speak about outcomes the same way.
 */
export interface Decision {
  readonly effect: 'allow' | 'deny';
  /** The rule that decided, e.g. `policy.filesystem.protected` or `gateway.authz.default-deny`. */
  readonly rule: string;
  /** A reason a person can read. Never holds a secret value. */
  readonly reason: string;
}

export function allow(rule: string, reason: string): Decision {
  return { effect: 'allow', rule, reason };
}

export function deny(rule: string, reason: string): Decision {
  return { effect: 'deny', rule, reason };
}
