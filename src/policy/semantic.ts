/**
 * Checks a schema cannot express: combinations of fields, and values whose form is easier to
 * explain in words than in a regular expression. Each check is a pure function of one section
 * and returns problems with JSON paths; it runs only when that section passed the schema.
 */
import { joinPointer } from './schema.js';
import type { AuditPolicy, ExecutionPolicy, GatewayPolicy, NetworkPolicy, Policy, PolicyProblem, PolicySection, SandboxPolicy } from './types.js';

function invalid(path: string, message: string, fix: string): PolicyProblem {
  return { path, message, fix, code: 'BWK_POLICY_INVALID' };
}

/** Shell programs: each turns a string into arbitrary commands. */
export const SHELLS: ReadonlySet<string> = new Set([
  'sh', 'bash', 'zsh', 'dash', 'ksh', 'mksh', 'ash', 'csh', 'tcsh', 'fish', 'busybox',
  'pwsh', 'powershell', 'powershell.exe', 'cmd', 'cmd.exe', 'pwsh.exe', 'bash.exe',
]);

/** The program name a command entry refers to: the base name, lower-cased. */
export function commandBaseName(command: string): string {
  const parts = command.split(/[\\/]/);
  return (parts[parts.length - 1] ?? command).toLowerCase();
}

export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare === 'localhost' || bare === '::1') return true;
  const octets = bare.split('.');
  return octets.length === 4 && octets[0] === '127' && octets.every((octet) => /^[0-9]{1,3}$/.test(octet) && Number(octet) <= 255);
}

export function checkExecution(section: ExecutionPolicy, base = '/execution'): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  const blocked = new Set(section.blockedCommands.map((command) => command.toLowerCase()));
  section.allowedCommands.forEach((command, index) => {
    const path = joinPointer(`${base}/allowedCommands`, index);
    if (blocked.has(command.toLowerCase())) {
      problems.push(invalid(path, `"${command}" is also in blockedCommands, and blocked wins`, `remove "${command}" from one of the two lists`));
    } else if (!section.allowShell && SHELLS.has(commandBaseName(command))) {
      problems.push(invalid(path, `"${command}" is a shell, and allowShell is false`, `set ${base}/allowShell to true to accept shells, or remove "${command}"`));
    }
  });
  return problems;
}

/** A DNS name: labels of 1-63 letters, digits and inner hyphens, 253 characters at most. */
function isHostName(name: string): boolean {
  return name.length <= 253 && name.split('.').every((label) => /^[a-z0-9-]{1,63}$/.test(label) && !label.startsWith('-') && !label.endsWith('-'));
}

/** Checks one `host`, `host:port` or `*.domain[:port]` entry; returns the reason it is wrong. */
export function hostEntryProblem(entry: string): string | undefined {
  if (entry.includes('://') || entry.includes('/')) return 'is a URL or a path; list the host only, e.g. "api.example.com" or "api.example.com:8443"';
  if (entry === '*' || entry.startsWith('*:')) return 'a bare * would allow every host; list hosts, or a domain\'s subdomains as "*.example.com"';
  let host = entry;
  let port: string | undefined;
  const bracketed = entry.startsWith('[');
  if (bracketed) {
    const close = entry.indexOf(']');
    const rest = close < 0 ? '' : entry.slice(close + 1);
    host = close < 0 ? '' : entry.slice(1, close);
    if (host === '' || !/^[0-9a-fA-F:.]+$/.test(host) || (rest !== '' && !rest.startsWith(':'))) return 'is not a valid bracketed IPv6 address, e.g. "[2001:db8::1]:443"';
    if (rest !== '') port = rest.slice(1);
  } else if (entry.includes(':')) {
    if (entry.indexOf(':') !== entry.lastIndexOf(':')) return 'an IPv6 address must be written in brackets, e.g. "[2001:db8::1]:443"';
    [host = '', port] = entry.split(':');
  }
  if (port !== undefined && !(/^[0-9]{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) return 'has an invalid port; use 1 to 65535';
  if (bracketed) return undefined;
  let name = host.toLowerCase();
  if (name.startsWith('*.')) {
    name = name.slice(2);
    if (!name.includes('.')) return `"*.${name}" would allow a whole top-level domain; name the domain, e.g. "*.example.com"`;
  }
  if (name.includes('*')) return 'a wildcard is allowed only as a whole first label, e.g. "*.example.com"';
  if (!isHostName(name)) return 'is not a valid host name';
  return undefined;
}

export function checkNetwork(section: NetworkPolicy, base = '/network'): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  section.allowedHosts.forEach((entry, index) => {
    const reason = hostEntryProblem(entry);
    if (reason !== undefined) problems.push(invalid(joinPointer(`${base}/allowedHosts`, index), `"${entry}" ${reason}`, 'write host, host:port or *.domain (port 443 when omitted)'));
  });
  return problems;
}

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

export function checkAudit(section: AuditPolicy, base = '/audit'): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  section.sinks.forEach((sink, index) => {
    // The URL is secret: the message describes it, never quotes it.
    const url = parseUrl(sink.url);
    const ok = url !== undefined && (url.protocol === 'https:' || url.protocol === 'file:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname)));
    if (!ok) problems.push(invalid(`${joinPointer(`${base}/sinks`, index)}/url`, 'must be an https:// or file:// URL, or an http:// URL to a loopback address', 'records leave the machine only over TLS; fix the URL (or the variable it comes from)'));
  });
  return problems;
}

export function checkGateway(section: GatewayPolicy, base = '/gateway'): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  const loopback = isLoopbackHost(section.listen.host);

  if (!section.tls.enabled) {
    if (!loopback) {
      problems.push(invalid(`${base}/tls/enabled`, `TLS cannot be disabled when listening on ${section.listen.host}, which is not a loopback address`, 'enable TLS (set certFile and keyFile), or listen on 127.0.0.1'));
    } else if (!section.allowPlainHttpOnLoopback) {
      problems.push(invalid(`${base}/tls/enabled`, 'TLS is disabled but allowPlainHttpOnLoopback is false', `set ${base}/allowPlainHttpOnLoopback to true to accept plain HTTP on loopback, or enable TLS`));
    }
  }
  if ((section.tls.certFile === null) !== (section.tls.keyFile === null)) {
    const missing = section.tls.certFile === null ? 'certFile' : 'keyFile';
    problems.push(invalid(`${base}/tls/${missing}`, `is null while ${missing === 'certFile' ? 'keyFile' : 'certFile'} is set`, 'set certFile and keyFile together'));
  }
  if (!section.auth.required && !loopback) {
    problems.push(invalid(`${base}/auth/required`, `authentication cannot be optional when listening on ${section.listen.host}, which is not a loopback address`, 'set auth.required to true, or listen on 127.0.0.1'));
  }
  if (section.auth.mode !== 'apiKey') {
    const oauth = section.auth.oauth;
    for (const field of ['issuer', 'audience', 'jwksUrl'] as const) {
      const value = field === 'issuer' ? oauth.issuer : field === 'audience' ? oauth.audience : oauth.jwksUrl;
      if (value === null) {
        problems.push(invalid(`${base}/auth/oauth/${field}`, `is required when auth.mode is "${section.auth.mode}"`, `set ${field} (\${VAR} is allowed here)`));
      } else if (field !== 'audience' && parseUrl(value)?.protocol !== 'https:') {
        problems.push(invalid(`${base}/auth/oauth/${field}`, 'must be an https:// URL', 'tokens and signing keys must come over TLS'));
      }
    }
  }
  section.cors.origins.forEach((origin, index) => {
    const path = joinPointer(`${base}/cors/origins`, index);
    const fix = 'list each web origin exactly, e.g. "https://app.example.com"';
    if (origin === '*') {
      problems.push(invalid(path, '"*" would let any web page call the gateway with the user\'s credentials', fix));
      return;
    }
    if (origin.toLowerCase() === 'null') {
      problems.push(invalid(path, '"null" is the origin of sandboxed frames and file:// pages, which anyone can create', fix));
      return;
    }
    if (origin.includes('*')) {
      problems.push(invalid(path, `"${origin}": wildcards are not supported in origins`, fix));
      return;
    }
    const url = parseUrl(origin);
    if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
      problems.push(invalid(path, `"${origin}" is not an http(s) origin`, fix));
    } else if (url.origin !== origin) {
      problems.push(invalid(path, `"${origin}" is not written as browsers send it (scheme://host[:port], lower case, no path)`, `write "${url.origin}"`));
    } else if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
      problems.push(invalid(path, `"${origin}" uses plain http with a host that is not loopback`, `use "https://${url.host}"`));
    }
  });
  section.authorization.rules.forEach((rule, index) => {
    if (rule.principals.length + rule.groups.length + rule.scopes.length === 0) {
      problems.push(invalid(joinPointer(`${base}/authorization/rules`, index), 'matches no caller: principals, groups and scopes are all empty', 'name at least one principal, group or scope ("principals": ["*"] is any authenticated caller)'));
    }
  });
  return problems;
}

export function checkSandbox(section: SandboxPolicy, base = '/sandbox'): PolicyProblem[] {
  if (section.level === 'standard' && !section.allowWeaker) {
    return [invalid(`${base}/level`, '"standard" may start plugins with fewer isolation layers than "strict", and allowWeaker is false', `set ${base}/allowWeaker to true to accept that, or use "strict"`)];
  }
  return [];
}

/** Runs every semantic check, skipping the sections listed in `skip` (they failed the schema). */
export function semanticProblems(policy: Policy, skip: ReadonlySet<string> = new Set()): PolicyProblem[] {
  const checks: readonly [PolicySection, () => PolicyProblem[]][] = [
    ['execution', () => checkExecution(policy.execution)],
    ['network', () => checkNetwork(policy.network)],
    ['audit', () => checkAudit(policy.audit)],
    ['gateway', () => checkGateway(policy.gateway)],
    ['sandbox', () => checkSandbox(policy.sandbox)],
  ];
  return checks.filter(([section]) => !skip.has(section)).flatMap(([, check]) => check());
}
